package node

import "time"

// Notice tells a member co-op about something it may want to act on: an
// opportunity that matches its competences, a listing (later), an answer
// to its interest. Kind says what Ref points to; a member gets at most
// one notice per kind and ref.
type Notice struct {
	ID        int64             `json:"id"`
	Member    string            `json:"member"`
	Kind      string            `json:"kind"`
	Ref       string            `json:"ref"`
	Title     map[string]string `json:"title"`
	Summary   map[string]string `json:"summary,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	URL       string            `json:"url,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
}

// Notice kinds.
const (
	// NoticeOpportunity: an open opportunity matches the member (Ref is
	// the opportunity's local id).
	NoticeOpportunity = "opportunity"
	// NoticeInterestAnswer: the lead answered the member's interest
	// (Ref is the interest's local id).
	NoticeInterestAnswer = "interest-answer"
	// NoticeInterest: a co-op (of this node or a peer's) expressed
	// interest in the lead's opportunity (Ref is the interest's local id).
	NoticeInterest = "interest"
)
