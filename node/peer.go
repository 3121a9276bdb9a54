package node

import "time"

// FollowState is the state of one direction of a follow between this node
// and another actor.
type FollowState string

// Follow states. None means no follow in that direction.
const (
	FollowNone     FollowState = ""
	FollowPending  FollowState = "pending"
	FollowAccepted FollowState = "accepted"
	FollowRejected FollowState = "rejected"
)

// PeerState summarises a peer for admins: pending until both follows are
// accepted, accepted when they are, rejected when the other side refused,
// blocked when an admin blocked it.
type PeerState string

// Peer states.
const (
	PeerPending  PeerState = "pending"
	PeerAccepted PeerState = "accepted"
	PeerRejected PeerState = "rejected"
	PeerBlocked  PeerState = "blocked"
	// PeerFollower is a Fediverse server that follows the group's public
	// news and events and is no peer: it gets nothing else.
	PeerFollower PeerState = "follower"
	// PeerUntrusted is a peer still connected both ways whom the node no
	// longer trusts (its admission ended, or it was never allowed): it
	// gets public content only.
	PeerUntrusted PeerState = "untrusted"
)

// Peer is another node (or, for public content only, any Fediverse actor)
// this node federates with. Outgoing is our follow of it; Incoming is its
// follow of us. Allowed says an admin allowed it, Admitted that its
// admission credential verified; only trusted peers (see Trusted)
// receive business data.
type Peer struct {
	ID          int64  `json:"id"`
	ActorURL    string `json:"url"`
	Inbox       string `json:"inbox,omitempty"`
	SharedInbox string `json:"shared_inbox,omitempty"`
	Name        string `json:"name,omitempty"`
	Country     string `json:"country,omitempty"`
	Software    string `json:"software,omitempty"`
	Allowed     bool   `json:"allowed"`
	Blocked     bool   `json:"blocked"`
	// Admitted says the peer showed a valid admission credential; its id
	// and expiry are kept to unpeer it on revocation or expiry.
	Admitted          bool       `json:"admitted"`
	CredentialID      string     `json:"credential_id,omitempty"`
	CredentialExpires *time.Time `json:"credential_expires,omitempty"`
	// CredentialLapsed is set by the store when the credential is past
	// its expiry at reading time: the peer is no longer trusted from that
	// moment, before the sweep that unpeers it.
	CredentialLapsed bool        `json:"credential_lapsed,omitempty"`
	Outgoing         FollowState `json:"following"`
	Incoming         FollowState `json:"followed_by"`
	FollowID         string      `json:"-"` // id of our Follow activity, for Undo
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
	// Delivery health, filled in by the store for admins only
	// (sqlite.DB.FillPeerDelivery).
	Delivery PeerDelivery `json:"delivery"`
}

// PeerDelivery is the delivery health of a peer.
type PeerDelivery struct {
	Pending     int        `json:"pending"`
	Delivered   int        `json:"delivered"`
	Dead        int        `json:"dead"`
	LastError   string     `json:"last_error,omitempty"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Unreachable bool       `json:"unreachable"`
}

// State summarises the peer for admins.
func (p *Peer) State() PeerState {
	switch {
	case p.Blocked:
		return PeerBlocked
	case !p.Trusted() && p.Incoming == FollowAccepted && p.Outgoing == FollowAccepted:
		return PeerUntrusted
	case !p.Trusted() && p.Incoming == FollowAccepted:
		return PeerFollower
	case p.Outgoing == FollowRejected:
		return PeerRejected
	case p.Outgoing == FollowAccepted && p.Incoming == FollowAccepted:
		return PeerAccepted
	default:
		return PeerPending
	}
}

// DeliveryInbox returns where to deliver to the peer: its shared inbox when it
// has one, else its own inbox.
func (p *Peer) DeliveryInbox() string {
	if p.SharedInbox != "" {
		return p.SharedInbox
	}
	return p.Inbox
}

// UnbuiltPrefix starts the last error of a delivery recorded dead because
// the activity could not be built: the peer is not at fault, and the
// delivery health shows the error.
const UnbuiltPrefix = "could not build the activity: "

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// Delivery is one outbound activity for one inbox.
type Delivery struct {
	ID          int64
	ActivityID  string
	Inbox       string
	PeerID      int64
	Body        []byte
	State       string
	Attempts    int
	LastError   string
	NextAttempt time.Time
	CreatedAt   time.Time
}

// DeliveryTarget is an inbox to deliver to, and the peer it belongs to
// (zero for a follower that is no peer).
type DeliveryTarget struct {
	Inbox  string
	PeerID int64
}

// OutboxItem is an activity this node published, as its outbox lists it.
type OutboxItem struct {
	Seq        int64
	ActivityID string
	Public     bool
	Body       []byte
	Published  time.Time
}

// Trusted reports whether the peer receives and sends business data:
// allowed by an admin or admitted by a valid credential, and not blocked.
// Block wins over allow.
func (p *Peer) Trusted() bool {
	return !p.Blocked && (p.Allowed || p.Admitted && !p.CredentialLapsed)
}

// CredentialLeeway is the clock skew allowed on an admission credential's
// expiry.
const CredentialLeeway = time.Minute

// CredentialLapsedAt reports whether an admission credential expiring at
// exp (nil: no expiry known) is past its expiry and the leeway at now.
func CredentialLapsedAt(exp *time.Time, now time.Time) bool {
	return exp != nil && now.After(exp.Add(CredentialLeeway))
}

// Admission is a credential the confederation issued to a national node.
type Admission struct {
	JTI        string     `json:"jti"`
	Actor      string     `json:"actor"`
	Country    string     `json:"country"`
	Name       string     `json:"name"`
	IssuedAt   time.Time  `json:"issued_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	Credential string     `json:"credential,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Admission event subjects (confederation role).
const (
	SubjectAdmissionGranted = SubjectPrefix + "admission.granted"
	SubjectAdmissionRevoked = SubjectPrefix + "admission.revoked"
)
