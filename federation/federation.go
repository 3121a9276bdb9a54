package federation

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"strconv"
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
	// NoPublicFollows refuses Follows from Fediverse actors that are not
	// peers (--public-follows=false). By default they are accepted as
	// public followers: they receive news and events, never business data.
	NoPublicFollows bool
	// MaxDeliveryAge is how long a delivery is retried before it is
	// dead-lettered and its peer marked unreachable; default 7 days.
	MaxDeliveryAge time.Duration
	// RetryBase is the first retry delay of a failed delivery, doubled
	// at each attempt up to RetryMax, with jitter; defaults 30 s and 6 h.
	RetryBase, RetryMax time.Duration
	// DeliverySweep is how often pending deliveries whose job may be gone
	// from the queue (untouched for that long and not waiting for a
	// retry) are queued again; default 5 minutes.
	DeliverySweep time.Duration
	// KeyTTL is how long a cached remote key is trusted before it is
	// fetched again; default 24 h. A failed verification refetches it
	// at once.
	KeyTTL time.Duration
	// KeyRefetchInterval is the least time between two fetches of one
	// remote key, whether the first came from an unknown actor or from a
	// signature that did not verify with the cached key; default 1 min.
	KeyRefetchInterval time.Duration
	// InboxRate is the sustained number of inbox requests per second one
	// client address may make (and, once verified, one signer), with a
	// burst of ten times that; default 50.
	InboxRate float64
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client address; empty trusts none.
	TrustedProxies []netip.Prefix
	// Verifier checks inbound HTTP signatures; the zero value uses the
	// httpsig defaults (signing time at most 1 h old or ahead).
	Verifier httpsig.Verifier
	// ConfederationURL is the confederation's actor URL (national nodes,
	// --confederation); empty means the node is not part of a
	// confederation and peers only by hand.
	ConfederationURL string
	// ConfederationKey is the confederation's admission public key (PEM),
	// from --confederation-key; empty means pin it on first use.
	ConfederationKey string
	// Committed is called after a write that raised events, to wake the
	// outbox relay.
	Committed func()
	// TrustInterval is how often admissions are checked for expiry and
	// the revocation list refreshed; default 1 h.
	TrustInterval time.Duration
	// Credential is this node's admission credential from --credential,
	// installed at start (retried until the confederation answers).
	Credential string
	// Reporter computes the statistics report a national node sends the
	// confederation: once admitted, after changes (debounced by
	// StatsDebounce, default 1 min) and at least monthly.
	// NoStatsReports turns reporting off (an admin's opt-out).
	Reporter       Reporter
	NoStatsReports bool
	StatsDebounce  time.Duration
	// Market applies marketplace activities (spec/market.md); nil
	// ignores them.
	Market Market
	// Inbox is the durable log of accepted activities (required).
	Inbox InboxLog
	// InboxBacklog is how many accepted activities may wait to be
	// applied before the inbox answers 429 (--inbox-backlog); default
	// 50,000.
	InboxBacklog int
}

func (c *Config) defaults() {
	if c.MaxDeliveryAge <= 0 {
		c.MaxDeliveryAge = 7 * 24 * time.Hour
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 30 * time.Second
	}
	if c.DeliverySweep <= 0 {
		c.DeliverySweep = 5 * time.Minute
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 6 * time.Hour
	}
	if c.KeyTTL <= 0 {
		c.KeyTTL = 24 * time.Hour
	}
	if c.KeyRefetchInterval <= 0 {
		c.KeyRefetchInterval = time.Minute
	}
	if c.InboxRate <= 0 {
		c.InboxRate = 50
	}
	if c.Role == "" {
		c.Role = "national"
	}
	if c.TrustInterval <= 0 {
		c.TrustInterval = time.Hour
	}
	if c.InboxBacklog <= 0 {
		c.InboxBacklog = defaultInboxBacklog
	}
	if c.StatsDebounce <= 0 {
		c.StatsDebounce = defaultStatsDebounce
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

	inStats   inboundStats
	inboxWake chan struct{}
	limiter   *inboxLimiter
	keyFetch  *keyFetches
	gate      inboxGate
	committed func()
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu          sync.Mutex
	stops       []func()
	refollowed  map[string]time.Time
	unreach     unreachable
	reportTimer *time.Timer
	reportDue   chan struct{}
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
	f.committed = cfg.Committed
	f.reportDue = make(chan struct{}, 1)
	f.inboxWake = make(chan struct{}, 1)
	f.signer = &Signer{Key: keys.RSA, KeyID: u.MainKey(), Now: func() time.Time { return f.now() }}
	f.limiter = newInboxLimiter(cfg.InboxRate, int(cfg.InboxRate*10))
	f.keyFetch = newKeyFetches(cfg.KeyRefetchInterval, func() time.Time { return f.now() })
	if f.cfg.Verifier.Now == nil {
		f.cfg.Verifier.Now = func() time.Time { return f.now() }
	}
	return f
}

// URIs returns the node's URI builder.
func (f *Federation) URIs() URIs { return f.uris }

// Start starts the inbox processor (which first applies what the log
// kept from before), subscribes the outbound fan-out and the delivery
// workers, requeues pending deliveries when the delivery stream
// was lost, and starts the trust loop (auto-peering with the network,
// admission expiry, revocations). They run until Stop.
func (f *Federation) Start(ctx context.Context) error {
	subs := []struct {
		stream, durable, subject string
		h                        Handler
	}{
		{StreamEvents, "federation-fanout", SubjectMembers, f.fanOut},
		{StreamDelivery, "delivery", SubjectDelivery, f.deliver},
		{StreamEvents, "federation-opportunities", SubjectOpportunities, f.fanOutOpportunity},
		{StreamEvents, "federation-news", SubjectNews, f.fanOutContent},
		{StreamEvents, "federation-calendar", SubjectCalendar, f.fanOutContent},
		{StreamEvents, "federation-market", SubjectListings, f.fanOutListing},
	}
	if f.cfg.Role == confederationRole {
		subs = append(subs, struct {
			stream, durable, subject string
			h                        Handler
		}{StreamEvents, "federation-admissions", SubjectAdmissions, f.fanOutAdmission})
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
	if err := f.requeueDeliveries(ctx); err != nil {
		f.Stop()
		return err
	}
	stop := f.startProcessor(ctx)
	f.mu.Lock()
	f.stops = append(f.stops, stop)
	f.mu.Unlock()
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f.cancel = cancel
	f.wg.Add(2)
	go func() {
		defer f.wg.Done()
		f.trustLoop(loopCtx)
	}()
	go func() {
		defer f.wg.Done()
		f.sweepLoop(loopCtx)
	}()
	return nil
}

// trustLoop peers with the network at start, then checks admissions for
// expiry and revocation every TrustInterval.
func (f *Federation) trustLoop(ctx context.Context) {
	for wait := time.Second; f.cfg.Credential != ""; wait = min(2*wait, time.Minute) {
		_, err := f.InstallCredential(ctx, f.cfg.Credential)
		if err == nil {
			break
		}
		if node.ErrorCode(err) != node.EUNAVAILABLE {
			f.log.ErrorContext(ctx, "the admission credential is refused", "err", err)
			break
		}
		f.peerUnreachable(ctx, f.cfg.ConfederationURL, wait, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	f.peerReached(f.cfg.ConfederationURL)
	var retryIn time.Duration
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	autoPeer := func() {
		left, err := f.autoPeer(ctx, autoPeerRetry(retryIn))
		if err != nil && ctx.Err() == nil {
			f.log.WarnContext(ctx, "auto-peering", "err", err)
		}
		if left > 0 {
			retryIn = autoPeerRetry(retryIn)
			retry.Reset(retryIn)
		} else {
			retryIn = 0
		}
	}
	autoPeer()
	f.reportSoon()
	t := time.NewTicker(f.cfg.TrustInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-retry.C:
			autoPeer()
		case <-f.reportDue:
			if err := f.SendReport(ctx); err != nil {
				f.log.WarnContext(ctx, "stats report", "err", err)
			}
		case <-t.C:
			if err := f.refreshRevocations(ctx); err != nil {
				f.log.WarnContext(ctx, "revocation list", "err", err)
			}
			if err := f.expireAdmissions(ctx); err != nil {
				f.log.WarnContext(ctx, "admission expiry", "err", err)
			}
			if err := f.reportIfDue(ctx); err != nil {
				f.log.WarnContext(ctx, "stats report", "err", err)
			}
		}
	}
}

// Stop stops the consumers and the trust loop, and waits for the work in
// progress.
func (f *Federation) Stop() {
	f.mu.Lock()
	stops := f.stops
	f.stops = nil
	cancel := f.cancel
	if f.reportTimer != nil {
		f.reportTimer.Stop()
	}
	f.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	f.wg.Wait()
	for _, stop := range stops {
		stop()
	}
}

// fanOutAdmission announces admission events (confederation role).
func (f *Federation) fanOutAdmission(ctx context.Context, data []byte) error {
	var ev node.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return &permanentError{err}
	}
	return f.announceAdmission(ctx, ev)
}

// requeueDeliveries queues every delivery SQLite says is pending. The
// DELIVERY stream may have lost its newest jobs in a crash (JetStream
// acknowledges a message before it reaches the disk) or all of them, or
// hold jobs taken by the previous process and not acknowledged; a job
// queued twice is attempted once (deliver checks the state first;
// receivers are idempotent).
func (f *Federation) requeueDeliveries(ctx context.Context) error {
	ids, err := f.store.PendingDeliveries(ctx)
	if err != nil {
		return err
	}
	// A new message id per start: a job the previous process had taken
	// but not finished stays with JetStream until its ack wait (minutes)
	// runs out, and a copy under its old id would be dropped as a
	// duplicate. The copy runs now; the late original finds the delivery
	// done.
	start := strconv.FormatInt(f.now().UnixNano(), 36)
	for _, id := range ids {
		msgID := "delivery-" + strconv.FormatInt(id, 10) + "-start-" + start
		if err := f.queue.Publish(ctx, SubjectDelivery, msgID, []byte(strconv.FormatInt(id, 10))); err != nil {
			return err
		}
	}
	if len(ids) > 0 {
		f.log.InfoContext(ctx, "pending deliveries queued again", "deliveries", len(ids))
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
