package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrTerminal marks a handler error that retrying cannot fix, such as a
// message that does not decode. A handler returns it wrapped,
// fmt.Errorf("%w: %w", bus.ErrTerminal, err), and the message is
// terminated instead of redelivered.
var ErrTerminal = errors.New("terminal failure")

// Handler processes one message. Returning nil acknowledges it; an error
// wrapping ErrTerminal terminates it; any other error asks for a
// redelivery after the back-off delay, or after the error's own
// RetryAfter() when it has that method and it is positive. ctx is the ctx given to Subscribe:
// the handler should give up when it is done.
type Handler func(ctx context.Context, msg jetstream.Msg) error

// Consumer defaults.
const (
	DefaultMaxDeliver = 10
	DefaultAckWait    = 30 * time.Second
	DefaultPrefetch   = 64
)

// DefaultBackOff is the redelivery schedule used when
// ConsumeOptions.BackOff is empty. Do not modify it.
var DefaultBackOff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}

// ConsumeOptions configures a subscription. The zero value works.
type ConsumeOptions struct {
	// MaxDeliver is how many times a message is delivered before the
	// server gives up on it; zero means DefaultMaxDeliver and -1 means no
	// limit. A message that reaches it stays in the stream (in a work
	// queue, until something removes it) and raises a JetStream
	// max-deliveries advisory.
	MaxDeliver int

	// BackOff is the delay before a failed message is delivered again:
	// BackOff[n-1] after the n-th failed delivery, and the last entry
	// beyond. Empty means DefaultBackOff.
	BackOff []time.Duration

	// AckWait is how long the server waits for the handler before it
	// delivers the message again; zero means DefaultAckWait.
	AckWait time.Duration

	// Prefetch is how many messages the client buffers ahead of the
	// handler; zero means DefaultPrefetch. Keep Prefetch × handler time
	// under AckWait, or buffered messages get redelivered.
	Prefetch int

	// Concurrency is how many messages the handler may process at once;
	// zero or one means one at a time, in stream order. With more, the
	// messages are handled in parallel and acknowledged in any order:
	// use it only where order does not matter and handlers wait on
	// something else (delivery jobs wait on remote peers). Keep Prefetch
	// at least Concurrency.
	Concurrency int

	// Logger receives handler failures and consume errors. Nil discards.
	Logger *slog.Logger
}

// Subscription is a running durable consumer. Stop it when done.
type Subscription struct {
	cc       jetstream.ConsumeContext
	stopCtx  func() bool // releases the AfterFunc on Subscribe's ctx
	mu       sync.Mutex
	stopped  bool
	inflight sync.WaitGroup
	once     sync.Once
}

// Subscribe creates or updates the durable pull consumer durable on
// stream, with explicit acks, delivering the messages whose subject
// matches filterSubject (empty for all), and runs handler on them one at
// a time (or opts.Concurrency at a time) until Stop is called or ctx is
// done. Several subscriptions with the same durable, in this process or
// others, share the messages.
//
// On a work-queue stream (INBOX, DELIVERY) the filter subjects of
// different durables must not overlap.
func (b *Bus) Subscribe(ctx context.Context, stream, durable, filterSubject string, handler Handler, opts ConsumeOptions) (*Subscription, error) {
	maxDeliver := opts.MaxDeliver
	if maxDeliver == 0 {
		maxDeliver = DefaultMaxDeliver
	}
	backoff := opts.BackOff
	if len(backoff) == 0 {
		backoff = DefaultBackOff
	}
	ackWait := opts.AckWait
	if ackWait <= 0 {
		ackWait = DefaultAckWait
	}
	prefetch := opts.Prefetch
	if prefetch <= 0 {
		prefetch = DefaultPrefetch
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("stream", stream, "consumer", durable)

	cons, err := b.js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:       durable,
		FilterSubject: filterSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    maxDeliver,
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe %s/%s: %w", stream, durable, err)
	}

	s := &Subscription{}
	var slots chan struct{} // one per handler call running, when concurrent
	if opts.Concurrency > 1 {
		slots = make(chan struct{}, opts.Concurrency)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		if slots != nil {
			slots <- struct{}{} // waits for a free slot: the buffer holds the rest
		}
		if !s.enter() {
			if slots != nil {
				<-slots
			}
			return // stopped: the server will deliver it again
		}
		if slots == nil {
			defer s.inflight.Done()
			handle(ctx, log, msg, handler, backoff)
			return
		}
		go func() {
			defer func() { <-slots; s.inflight.Done() }()
			handle(ctx, log, msg, handler, backoff)
		}()
	},
		jetstream.PullMaxMessages(prefetch),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			log.Debug("consume error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s/%s: consume: %w", stream, durable, err)
	}
	s.cc = cc
	s.stopCtx = context.AfterFunc(ctx, s.Stop)
	return s, nil
}

// handle runs handler on msg and acknowledges the outcome.
func handle(ctx context.Context, log *slog.Logger, msg jetstream.Msg, handler Handler, backoff []time.Duration) {
	err := handler(ctx, msg)
	var aerr error
	switch {
	case err == nil:
		aerr = msg.Ack()
	case errors.Is(err, ErrTerminal):
		log.WarnContext(ctx, "message dropped", "subject", msg.Subject(), "err", err)
		aerr = msg.TermWithReason(err.Error())
	default:
		n := uint64(1)
		if md, merr := msg.Metadata(); merr == nil {
			n = md.NumDelivered
		}
		delay := backoff[min(int(n)-1, len(backoff)-1)]
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) && ra.RetryAfter() > 0 {
			delay = ra.RetryAfter()
		}
		log.InfoContext(ctx, "message failed", "subject", msg.Subject(), "delivery", n, "retry_in", delay, "err", err)
		aerr = msg.NakWithDelay(delay)
	}
	if aerr != nil {
		log.WarnContext(ctx, "ack failed", "subject", msg.Subject(), "err", aerr)
	}
}

// enter registers a handler call, unless the subscription is stopped.
func (s *Subscription) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.inflight.Add(1)
	return true
}

// Stop stops consuming and waits for the handler calls in progress. The
// messages buffered but not handled are delivered again after AckWait.
// Stop is idempotent; it is called when Subscribe's ctx is done. Do not
// call it from the handler, which it would wait for.
func (s *Subscription) Stop() {
	s.once.Do(func() {
		s.mu.Lock()
		s.stopped = true
		s.mu.Unlock()
		s.stopCtx()
		s.cc.Stop()
		<-s.cc.Closed()
		s.inflight.Wait()
	})
}

// DecodeEvent decodes a message of the EVENTS stream. Its error wraps
// ErrTerminal: a message that does not decode never will.
func DecodeEvent(msg jetstream.Msg) (node.Event, error) {
	var ev node.Event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		return node.Event{}, fmt.Errorf("decode event: %w: %w", ErrTerminal, err)
	}
	if ev.Subject != msg.Subject() {
		return node.Event{}, fmt.Errorf("decode event %d: %w: subject %q on %q", ev.ID, ErrTerminal, ev.Subject, msg.Subject())
	}
	return ev, nil
}
