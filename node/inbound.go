package node

import "time"

// Inbound is an activity the inbox accepted: its verified body, who
// signed it and when it arrived. Seq orders the accepted activities of a
// node; the inbox log sets it.
type Inbound struct {
	Seq        int64
	ActivityID string
	Signer     string
	Received   time.Time
	Body       []byte
}
