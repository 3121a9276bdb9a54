package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nats-io/nats.go/jetstream"
)

// mustSubscribe subscribes and stops the subscription when the test ends.
func mustSubscribe(tb testing.TB, b *Bus, stream, durable, filter string, h Handler, opts ConsumeOptions) *Subscription {
	tb.Helper()
	s, err := b.Subscribe(context.Background(), stream, durable, filter, h, opts)
	if err != nil {
		tb.Fatalf("Subscribe: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

func consumerInfo(tb testing.TB, b *Bus, stream, durable string) *jetstream.ConsumerInfo {
	tb.Helper()
	c, err := b.JetStream().Consumer(context.Background(), stream, durable)
	if err != nil {
		tb.Fatalf("Consumer: %v", err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		tb.Fatalf("Consumer.Info: %v", err)
	}
	return info
}

// TestSubscribeFailOnce relays events and fails the first delivery of
// each: every event is handled again, and acknowledged then.
func TestSubscribeFailOnce(t *testing.T) {
	b := mustOpen(t, Options{})
	evs := testEvents(1, 10)
	if err := NewRelay(b, newMemOutbox(evs...), RelayOptions{}).Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}

	var mu sync.Mutex
	deliveries := make(map[int64][]uint64) // event id → delivery counts seen
	var got []node.Event
	h := func(ctx context.Context, msg jetstream.Msg) error {
		ev, err := DecodeEvent(msg)
		if err != nil {
			return err
		}
		md, err := msg.Metadata()
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		deliveries[ev.ID] = append(deliveries[ev.ID], md.NumDelivered)
		if md.NumDelivered == 1 {
			return errors.New("first delivery fails")
		}
		got = append(got, ev)
		return nil
	}
	mustSubscribe(t, b, StreamEvents, "test", node.SubjectPrefix+"member.>", h,
		ConsumeOptions{BackOff: []time.Duration{10 * time.Millisecond}})

	waitFor(t, 10*time.Second, func() bool {
		ci := consumerInfo(t, b, StreamEvents, "test")
		return ci.NumPending == 0 && ci.NumAckPending == 0
	})
	mu.Lock()
	defer mu.Unlock()
	for _, ev := range evs {
		if d := deliveries[ev.ID]; !cmp.Equal(d, []uint64{1, 2}) {
			t.Errorf("event %d: deliveries %v, want [1 2]", ev.ID, d)
		}
	}
	byID := cmpopts.SortSlices(func(a, b node.Event) bool { return a.ID < b.ID })
	if diff := cmp.Diff(got, evs, byID); diff != "" {
		t.Errorf("handled events (-got +want):\n%s", diff)
	}
}

// TestSubscribeWorkQueue acknowledges delivery jobs, which removes them
// from the work queue, and terminates one that cannot succeed.
func TestSubscribeWorkQueue(t *testing.T) {
	ctx := context.Background()
	b := mustOpen(t, Options{})
	for i := range 5 {
		subj := fmt.Sprintf("%sinbox-%d", DeliveryPrefix, i)
		if _, err := b.JetStream().Publish(ctx, subj, []byte("job")); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	var handled, dropped atomic.Int32
	h := func(ctx context.Context, msg jetstream.Msg) error {
		if strings.HasSuffix(msg.Subject(), "-3") {
			dropped.Add(1)
			return fmt.Errorf("%w: inbox gone", ErrTerminal)
		}
		handled.Add(1)
		return nil
	}
	mustSubscribe(t, b, StreamDelivery, "workers", "", h, ConsumeOptions{})

	waitFor(t, 5*time.Second, func() bool {
		ci := consumerInfo(t, b, StreamDelivery, "workers")
		return ci.NumPending == 0 && ci.NumAckPending == 0
	})
	if got, want := handled.Load(), int32(4); got != want {
		t.Errorf("handled %d jobs, want %d", got, want)
	}
	if got, want := dropped.Load(), int32(1); got != want {
		t.Errorf("dropped %d jobs, want %d", got, want)
	}
	if got := consumerInfo(t, b, StreamDelivery, "workers").NumRedelivered; got != 0 {
		t.Errorf("NumRedelivered = %d, want 0", got)
	}
	if got := streamInfo(t, b, StreamDelivery).State.Msgs; got != 0 {
		t.Errorf("DELIVERY msgs left = %d, want 0", got)
	}
}

// TestSubscriptionStopWaits checks that Stop returns only after the handler
// call in progress, one at a time or concurrent.
func TestSubscriptionStopWaits(t *testing.T) {
	for _, concurrency := range []int{0, 4} {
		t.Run(fmt.Sprintf("concurrency=%d", concurrency), func(t *testing.T) {
			ctx := context.Background()
			b := mustOpen(t, Options{})
			if _, err := b.JetStream().Publish(ctx, InboxPrefix+"a", []byte("activity")); err != nil {
				t.Fatalf("Publish: %v", err)
			}
			started, release := make(chan struct{}), make(chan struct{})
			var finished atomic.Bool
			h := func(ctx context.Context, msg jetstream.Msg) error {
				close(started)
				<-release
				finished.Store(true)
				return nil
			}
			s := mustSubscribe(t, b, StreamInbox, "apply", "", h, ConsumeOptions{Concurrency: concurrency})
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatalf("handler not called")
			}
			stopped := make(chan bool, 1)
			go func() {
				s.Stop()
				stopped <- finished.Load()
			}()
			select {
			case <-stopped:
				t.Fatalf("Stop returned while the handler was running")
			case <-time.After(50 * time.Millisecond):
			}
			close(release)
			select {
			case fin := <-stopped:
				if !fin {
					t.Errorf("Stop returned before the handler finished")
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Stop did not return")
			}
			s.Stop() // idempotent
		})
	}
}

// TestSubscribeConcurrency runs up to Concurrency handler calls at
// once, never more, acknowledges every job, and Stop waits for all the
// calls in progress.
func TestSubscribeConcurrency(t *testing.T) {
	ctx := context.Background()
	b := mustOpen(t, Options{})
	const jobs, concurrency = 12, 4
	for i := range jobs {
		if _, err := b.JetStream().Publish(ctx, fmt.Sprintf("%sjob-%d", DeliveryPrefix, i), []byte("job")); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	var running, most, handled atomic.Int32
	full := make(chan struct{}) // closed when concurrency calls run at once
	var once sync.Once
	h := func(ctx context.Context, msg jetstream.Msg) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if n == concurrency {
			once.Do(func() { close(full) })
		}
		select { // hold the slot until all slots were busy once
		case <-full:
		case <-time.After(5 * time.Second):
		}
		handled.Add(1)
		return nil
	}
	s := mustSubscribe(t, b, StreamDelivery, "workers", "", h, ConsumeOptions{Concurrency: concurrency})
	select {
	case <-full:
	case <-time.After(5 * time.Second):
		t.Fatalf("never %d handler calls at once (at most %d)", concurrency, most.Load())
	}
	waitFor(t, 5*time.Second, func() bool {
		ci := consumerInfo(t, b, StreamDelivery, "workers")
		return ci.NumPending == 0 && ci.NumAckPending == 0
	})
	s.Stop()
	if got := most.Load(); got != concurrency {
		t.Errorf("at most %d handler calls at once, want %d", got, concurrency)
	}
	if got := handled.Load(); got != jobs {
		t.Errorf("handled %d jobs, want %d", got, jobs)
	}
	if got := running.Load(); got != 0 {
		t.Errorf("%d handler calls still running after Stop", got)
	}
}

func TestSubscribeStopsWithContext(t *testing.T) {
	b := mustOpen(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := b.Subscribe(ctx, StreamInbox, "apply", "", func(context.Context, jetstream.Msg) error { return nil }, ConsumeOptions{})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	cancel()
	waitFor(t, 5*time.Second, func() bool {
		select {
		case <-s.cc.Closed():
			return true
		default:
			return false
		}
	})
	s.Stop()
}

func TestSubscribeBadStream(t *testing.T) {
	b := mustOpen(t, Options{})
	_, err := b.Subscribe(context.Background(), "NOPE", "x", "", func(context.Context, jetstream.Msg) error { return nil }, ConsumeOptions{})
	if err == nil {
		t.Fatalf("Subscribe(NOPE) = nil error, want one")
	}
}

func TestDecodeEvent(t *testing.T) {
	ctx := context.Background()
	b := mustOpen(t, Options{})
	good := testEvents(7, 1)[0]
	body, _ := eventMsg(good)
	tests := []struct {
		name     string
		subject  string
		data     string
		want     node.Event
		terminal bool
	}{
		{"event", good.Subject, string(body.Data), good, false},
		{"not json", node.SubjectMemberJoined, "{", node.Event{}, true},
		{"subject mismatch", node.SubjectMemberJoined, string(body.Data), node.Event{}, true},
	}
	for _, tt := range tests {
		if _, err := b.JetStream().Publish(ctx, tt.subject, []byte(tt.data)); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	cons, err := b.JetStream().OrderedConsumer(ctx, StreamEvents, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("OrderedConsumer: %v", err)
	}
	for _, tt := range tests {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		got, err := DecodeEvent(msg)
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("DecodeEvent(%s) (-got +want):\n%s", tt.name, diff)
		}
		if gotTerm := errors.Is(err, ErrTerminal); gotTerm != tt.terminal || (err != nil) != tt.terminal {
			t.Errorf("DecodeEvent(%s) error = %v, want terminal %v", tt.name, err, tt.terminal)
		}
	}
}

// TestSubscribeSlowMessageDoesNotBlock shows that with Concurrency a slow
// message does not hold up the others.
func TestSubscribeSlowMessageDoesNotBlock(t *testing.T) {
	ctx := context.Background()
	b := mustOpen(t, Options{})
	for i := range 6 {
		if _, err := b.JetStream().Publish(ctx, fmt.Sprintf("%sinbox-%d", DeliveryPrefix, i), []byte("job")); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	release := make(chan struct{})
	var fast atomic.Int32
	h := func(ctx context.Context, msg jetstream.Msg) error {
		if strings.HasSuffix(msg.Subject(), "-0") {
			select { // the slow peer: it answers only once the others are done
			case <-release:
			case <-time.After(10 * time.Second):
				return fmt.Errorf("%w: never released", ErrTerminal)
			}
			return nil
		}
		if fast.Add(1) == 5 {
			close(release)
		}
		return nil
	}
	mustSubscribe(t, b, StreamDelivery, "workers", "", h, ConsumeOptions{Concurrency: 4})
	waitFor(t, 5*time.Second, func() bool {
		ci := consumerInfo(t, b, StreamDelivery, "workers")
		return ci.NumPending == 0 && ci.NumAckPending == 0
	})
	if got := fast.Load(); got != 5 {
		t.Errorf("handled %d fast jobs while the slow one waited, want 5", got)
	}
}
