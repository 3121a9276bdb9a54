package federation

import (
	"context"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Store is what federation needs from the node's database. The SQLite
// store implements it; federation never sees SQL.
type Store interface {
	SavePeer(ctx context.Context, p *node.Peer) error
	EnsurePeer(ctx context.Context, p *node.Peer) (*node.Peer, error)
	SetPeerIncoming(ctx context.Context, id int64, state node.FollowState) error
	SetPeerOutgoing(ctx context.Context, id int64, followID string, state node.FollowState) error
	// PeerByActor, PeerByID and Peers leave Peer.Delivery empty: the
	// inbox, the fan-out and the delivery worker read peers all the time
	// and need no health figures. FillPeerDelivery sets them for admins.
	PeerByActor(ctx context.Context, actorURL string) (*node.Peer, error)
	PeerByID(ctx context.Context, id int64) (*node.Peer, error)
	Peers(ctx context.Context) ([]*node.Peer, error)
	FillPeerDelivery(ctx context.Context, peers ...*node.Peer) error
	HostBlocked(ctx context.Context, host string) (bool, error)

	CachedKey(ctx context.Context, keyID string) (owner, pem string, fetched time.Time, err error)
	CacheKey(ctx context.Context, keyID, owner, pem string) error

	ActivityProcessed(ctx context.Context, id string) (bool, error)
	MarkProcessed(ctx context.Context, id, actor, typ string) error
	UpsertRemoteMember(ctx context.Context, activityID, typ string, m *node.Member) error
	DeleteRemoteMember(ctx context.Context, activityID, origin, apID string, revision int64) error
	DeleteRemoteMembersOf(ctx context.Context, origin string) error

	GetMember(ctx context.Context, id string) (*node.Member, error)
	ActiveLocalMembers(ctx context.Context) ([]*node.Member, error)

	AddDeliveries(ctx context.Context, activityID string, body []byte, targets []node.DeliveryTarget) ([]int64, error)
	Delivery(ctx context.Context, id int64) (*node.Delivery, error)
	RecordAttempt(ctx context.Context, id int64, state, lastError string, next time.Time) error
	PendingDeliveries(ctx context.Context) ([]int64, error)
	StaleDeliveries(ctx context.Context, before time.Time) ([]int64, error)
	CancelDeliveries(ctx context.Context, peerID int64, reason string) error

	AddOutboxItem(ctx context.Context, it node.OutboxItem) error
	OutboxPage(ctx context.Context, peers bool, before int64, limit int) ([]node.OutboxItem, int, error)

	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	SetPeerAdmission(ctx context.Context, id int64, admitted bool, jti string, expires time.Time) error
	SaveReport(ctx context.Context, r *node.StatsReport) error
	Batcher
	AdmissionStore
	OpportunityStore
	ContentStore
}

// Handler processes one queued message. Returning nil acknowledges it; an
// error asks for a redelivery, after RetryAfter() when the error has that
// method; an error for which Permanent reports true drops the message.
type Handler func(ctx context.Context, data []byte) error

// Queue is what federation needs from JetStream: durable publish with
// deduplication by message id, and durable consumers. The bus adapter in
// cmd implements it.
type Queue interface {
	Publish(ctx context.Context, subject, msgID string, data []byte) error
	Subscribe(ctx context.Context, stream, durable, subject string, h Handler) (stop func(), err error)
	// Messages returns how many messages a stream holds.
	Messages(ctx context.Context, stream string) (uint64, error)
}

// Streams and subjects federation uses (created by node/bus).
const (
	StreamEvents      = "EVENTS"
	StreamDelivery    = "DELIVERY"
	SubjectDelivery   = "etoiles.delivery.job"
	SubjectMembers    = "etoiles.event.member.>"
	SubjectAdmissions = "etoiles.event.admission.>"
)

// retryError asks the queue to redeliver after a delay.
type retryError struct {
	err   error
	after time.Duration
}

func (e *retryError) Error() string             { return e.err.Error() }
func (e *retryError) Unwrap() error             { return e.err }
func (e *retryError) RetryAfter() time.Duration { return e.after }

// permanentError tells the queue to drop the message.
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }
