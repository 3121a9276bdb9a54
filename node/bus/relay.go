package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Outbox is the store side of the transactional outbox.
type Outbox interface {
	// PendingEvents returns up to limit unpublished events, oldest first.
	PendingEvents(ctx context.Context, limit int) ([]node.Event, error)
	// MarkPublished records that the events with these ids are on the stream.
	MarkPublished(ctx context.Context, ids []int64) error
}

// Relay defaults.
const (
	DefaultRelayBatch        = 256
	DefaultRelayPollInterval = time.Second
)

const (
	minBackoff  = 50 * time.Millisecond
	maxBackoff  = 5 * time.Second
	markTimeout = 10 * time.Second // MarkPublished after acks, even if ctx is done
)

// RelayOptions configures a Relay. The zero value works.
type RelayOptions struct {
	// Batch is the number of events read and published per round; zero
	// means DefaultRelayBatch.
	Batch int

	// PollInterval is how often the relay looks at the outbox when nobody
	// calls Notify, as a safety net; zero means DefaultRelayPollInterval.
	PollInterval time.Duration

	// Logger receives publish and store failures. Nil discards.
	Logger *slog.Logger

	// Now returns the current time, for the lag figures; nil is time.Now.
	Now func() time.Time
}

// RelayStats are the relay's figures since it was created.
type RelayStats struct {
	Published       uint64    // events acknowledged by JetStream and marked published
	Duplicates      uint64    // acknowledgements that said the event was already on the stream
	Errors          uint64    // failed rounds (store or publish errors)
	LastPublishedID int64     // highest event id marked published
	Pending         int       // pending events seen by the last read, at most the batch size
	OldestPending   time.Time // time of the oldest pending event; zero when none
}

// Relay publishes the outbox's events on the EVENTS stream, each with its
// id as the JetStream message id, and marks them published once JetStream
// has acknowledged them. It never marks an event that has no ack; after a
// crash the same ids are published again and dropped as duplicates by
// JetStream.
type Relay struct {
	js     jetstream.JetStream
	ob     Outbox
	batch  int
	poll   time.Duration
	log    *slog.Logger
	now    func() time.Time
	notify chan struct{}
	round  sync.Mutex // one round at a time: Run and Flush share the outbox

	published  atomic.Uint64
	duplicates atomic.Uint64
	errs       atomic.Uint64
	lastID     atomic.Int64

	mu      sync.Mutex // guards pending and oldest
	pending int
	oldest  time.Time
}

// NewRelay returns a relay from ob to b's EVENTS stream. Start it with Run.
func NewRelay(b *Bus, ob Outbox, opts RelayOptions) *Relay {
	r := &Relay{
		js:     b.JetStream(),
		ob:     ob,
		batch:  opts.Batch,
		poll:   opts.PollInterval,
		log:    opts.Logger,
		now:    opts.Now,
		notify: make(chan struct{}, 1),
	}
	if r.batch <= 0 {
		r.batch = DefaultRelayBatch
	}
	if r.poll <= 0 {
		r.poll = DefaultRelayPollInterval
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// Notify tells the relay that events were committed. It never blocks;
// the store or the service calls it after each commit.
func (r *Relay) Notify() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Run relays events until ctx is done, then returns nil once the round in
// progress has finished. It reads the outbox again at once while rounds
// are full, and otherwise waits for Notify or the poll interval. On
// failure it logs, backs off (up to 5s) and tries again; it never gives up.
func (r *Relay) Run(ctx context.Context) error {
	var backoff time.Duration
	for {
		full, err := r.roundOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		switch {
		case err != nil:
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			wait = backoff
			r.log.WarnContext(ctx, "outbox relay failed", "err", err, "retry_in", backoff)
		case full:
			backoff = 0
			continue
		default:
			backoff, wait = 0, r.poll
		}
		notify := r.notify
		if err != nil {
			notify = nil // back off for real; a poke is kept for later
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-notify:
			t.Stop()
		case <-t.C:
		}
	}
}

// Flush publishes every event pending now and returns when the outbox has
// less than a full batch left, which is empty unless events keep being
// committed. It returns at the first failure; nothing is lost, the next
// Run or Flush publishes the events again. Use it at shutdown, after Run
// has returned.
func (r *Relay) Flush(ctx context.Context) error {
	for {
		full, err := r.roundOnce(ctx)
		if err != nil {
			return fmt.Errorf("flush outbox: %w", err)
		}
		if !full {
			return nil
		}
	}
}

// roundOnce reads one batch, publishes it, waits for the acks and marks
// the acknowledged events published. full reports a full batch, which
// means more events may be waiting.
func (r *Relay) roundOnce(ctx context.Context) (full bool, err error) {
	r.round.Lock()
	defer r.round.Unlock()
	defer func() {
		if err != nil {
			r.errs.Add(1)
		}
	}()

	evs, err := r.ob.PendingEvents(ctx, r.batch)
	if err != nil {
		return false, fmt.Errorf("read outbox: %w", err)
	}
	full = len(evs) >= r.batch
	r.setPending(evs)
	if len(evs) == 0 {
		return false, nil
	}

	acked, perr := r.publish(ctx, evs)
	if len(acked) > 0 {
		// The acks are in: record them even when ctx is done meanwhile, so
		// that a shutdown does not leave them to be republished.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
		err := r.ob.MarkPublished(mctx, acked)
		cancel()
		if err != nil {
			return false, errors.Join(perr, fmt.Errorf("mark %d events published: %w", len(acked), err))
		}
		r.published.Add(uint64(len(acked)))
		for _, id := range acked {
			if id > r.lastID.Load() {
				r.lastID.Store(id)
			}
		}
	}
	if perr != nil {
		return false, perr
	}
	if !full {
		r.setPending(nil)
	}
	return full, nil
}

// publish sends evs asynchronously and waits for their acks. It returns
// the ids of the acknowledged events and the failures.
func (r *Relay) publish(ctx context.Context, evs []node.Event) (acked []int64, err error) {
	type sent struct {
		id  int64
		fut jetstream.PubAckFuture
	}
	futs := make([]sent, 0, len(evs))
	var errs []error
	for _, ev := range evs {
		msg, err := eventMsg(ev)
		if err == nil {
			var fut jetstream.PubAckFuture
			fut, err = r.js.PublishMsgAsync(msg)
			if err == nil {
				futs = append(futs, sent{ev.ID, fut})
				continue
			}
		}
		errs = append(errs, fmt.Errorf("publish event %d: %w", ev.ID, err))
		if ctx.Err() != nil || !errors.Is(err, errBadEvent) {
			break // the connection is in trouble: wait for what was sent
		}
	}
	acked = make([]int64, 0, len(futs))
	for _, s := range futs {
		select {
		case ack := <-s.fut.Ok():
			acked = append(acked, s.id)
			if ack.Duplicate {
				r.duplicates.Add(1)
			}
		case err := <-s.fut.Err():
			errs = append(errs, fmt.Errorf("publish event %d: %w", s.id, err))
		case <-ctx.Done():
			errs = append(errs, ctx.Err())
			return acked, errors.Join(errs...)
		}
	}
	return acked, errors.Join(errs...)
}

// errBadEvent marks an event that cannot be published: it stays in the
// outbox and stops the relay until the store is fixed, which the lag
// figures show.
var errBadEvent = errors.New("bad event")

// eventMsg returns the message that carries ev on the EVENTS stream.
func eventMsg(ev node.Event) (*nats.Msg, error) {
	if !strings.HasPrefix(ev.Subject, node.SubjectPrefix) || len(ev.Subject) == len(node.SubjectPrefix) {
		return nil, fmt.Errorf("%w: subject %q is not under %s", errBadEvent, ev.Subject, node.SubjectPrefix)
	}
	if ev.ID <= 0 {
		return nil, fmt.Errorf("%w: id %d", errBadEvent, ev.ID)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadEvent, err)
	}
	return &nats.Msg{
		Subject: ev.Subject,
		Header:  nats.Header{jetstream.MsgIDHeader: []string{strconv.FormatInt(ev.ID, 10)}},
		Data:    body,
	}, nil
}

func (r *Relay) setPending(evs []node.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = len(evs)
	r.oldest = time.Time{}
	if len(evs) > 0 {
		r.oldest = evs[0].Time
	}
}

// Stats returns the relay's figures.
func (r *Relay) Stats() RelayStats {
	r.mu.Lock()
	pending, oldest := r.pending, r.oldest
	r.mu.Unlock()
	return RelayStats{
		Published:       r.published.Load(),
		Duplicates:      r.duplicates.Load(),
		Errors:          r.errs.Load(),
		LastPublishedID: r.lastID.Load(),
		Pending:         pending,
		OldestPending:   oldest,
	}
}

// Lag returns the age of the oldest pending event, zero when none.
func (r *Relay) Lag() time.Duration {
	st := r.Stats()
	if st.Pending == 0 || st.OldestPending.IsZero() {
		return 0
	}
	return max(r.now().Sub(st.OldestPending), 0)
}
