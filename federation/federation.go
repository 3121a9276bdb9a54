package federation

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/e-toiles/etoiles/federation/httpsig"
	"github.com/e-toiles/etoiles/node"
)

// Config configures federation. The zero value of every optional field
// has a documented default.
type Config struct {
	PublicURL string // the node's public origin
	Name      string // the group's display name
	Country   string // ISO 3166-1 alpha-2
	Role      string // national or confederation
	Version   string // software version for NodeInfo
	// AllowPrivate lets outbound HTTP reach loopback and private
	// addresses (--allow-private-peers; tests and local demos).
	AllowPrivate bool
	// InsecureHTTP lets outbound HTTP use plain http (--insecure-http).
	InsecureHTTP bool
	// QueueUnknownFollows keeps a Follow from an actor that is not an
	// allowed peer pending for an admin instead of rejecting it.
	QueueUnknownFollows bool
	// MaxDeliveryAge is how long a delivery is retried before it is
	// dead-lettered and its peer marked unreachable; default 7 days.
	MaxDeliveryAge time.Duration
	// RetryBase is the first retry delay of a failed delivery, doubled
	// at each attempt up to RetryMax, with jitter; defaults 30 s and 6 h.
	RetryBase, RetryMax time.Duration
	// KeyTTL is how long a cached remote key is trusted before it is
	// fetched again; default 24 h. A failed verification refetches it
	// at once.
	KeyTTL time.Duration
	// InboxRate is the sustained number of inbox requests per second one
	// remote host may make, with a burst of ten times that; default 50.
	InboxRate float64
	// Verifier checks inbound HTTP signatures; the zero value uses the
	// httpsig defaults (Date within 1 h ahead and 12 h behind).
	Verifier httpsig.Verifier
}

func (c *Config) defaults() {
	if c.MaxDeliveryAge <= 0 {
		c.MaxDeliveryAge = 7 * 24 * time.Hour
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 30 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 6 * time.Hour
	}
	if c.KeyTTL <= 0 {
		c.KeyTTL = 24 * time.Hour
	}
	if c.InboxRate <= 0 {
		c.InboxRate = 50
	}
	if c.Role == "" {
		c.Role = "national"
	}
}

// Federation is the node's ActivityPub edge.
type Federation struct {
	cfg    Config
	uris   URIs
	keys   *Keys
	store  Store
	queue  Queue
	client *Client
	signer *Signer
	log    *slog.Logger
	now    func() time.Time

	limiter *hostLimiter

	mu         sync.Mutex
	stops      []func()
	refollowed map[string]time.Time
}

// New returns the federation edge. logger may be nil.
func New(cfg Config, keys *Keys, store Store, queue Queue, logger *slog.Logger) *Federation {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	u := URIs{Base: cfg.PublicURL}
	f := &Federation{
		cfg: cfg, uris: u, keys: keys, store: store, queue: queue, log: logger, now: time.Now,
		client: NewClient(cfg.AllowPrivate, cfg.InsecureHTTP, "etoiles/"+cfg.Version+" (+"+cfg.PublicURL+")"),
	}
	f.signer = &Signer{Key: keys.RSA, KeyID: u.MainKey(), Now: func() time.Time { return f.now() }}
	f.limiter = newHostLimiter(cfg.InboxRate, int(cfg.InboxRate*10))
	if f.cfg.Verifier.Now == nil {
		f.cfg.Verifier.Now = func() time.Time { return f.now() }
	}
	return f
}

// URIs returns the node's URI builder.
func (f *Federation) URIs() URIs { return f.uris }

// Start subscribes the inbox processor, the outbound fan-out and the
// delivery workers, and requeues pending deliveries when the delivery
// stream was lost. They run until Stop.
func (f *Federation) Start(ctx context.Context) error {
	subs := []struct {
		stream, durable, subject string
		h                        Handler
	}{
		{StreamInbox, "inbox-processor", SubjectInbox, f.processInbox},
		{StreamEvents, "federation-fanout", SubjectMembers, f.fanOut},
		{StreamDelivery, "delivery", SubjectDelivery, f.deliver},
	}
	for _, s := range subs {
		stop, err := f.queue.Subscribe(ctx, s.stream, s.durable, s.subject, s.h)
		if err != nil {
			f.Stop()
			return err
		}
		f.mu.Lock()
		f.stops = append(f.stops, stop)
		f.mu.Unlock()
	}
	return f.requeueDeliveries(ctx)
}

// Stop stops the consumers and waits for the work in progress.
func (f *Federation) Stop() {
	f.mu.Lock()
	stops := f.stops
	f.stops = nil
	f.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

// requeueDeliveries rebuilds the delivery queue from SQLite when the
// stream holds nothing but the store has pending deliveries.
func (f *Federation) requeueDeliveries(ctx context.Context) error {
	n, err := f.queue.Messages(ctx, StreamDelivery)
	if err != nil || n > 0 {
		return err
	}
	ids, err := f.store.PendingDeliveries(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := f.enqueueDelivery(ctx, id); err != nil {
			return err
		}
	}
	if len(ids) > 0 {
		f.log.InfoContext(ctx, "delivery queue rebuilt from the database", "deliveries", len(ids))
	}
	return nil
}

// memberStatusTerm is how a member's status reads on the wire.
func memberStatusTerm(s node.MemberStatus) string {
	if s == node.StatusMember {
		return "active"
	}
	return string(s)
}
