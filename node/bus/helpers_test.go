package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/nats-io/nats.go/jetstream"
)

// mustOpen opens a bus with file storage in a fresh temporary directory,
// unless opts says otherwise, and closes it when the test ends.
func mustOpen(tb testing.TB, opts Options) *Bus {
	tb.Helper()
	if opts.StoreDir == "" && opts.URL == "" {
		opts.StoreDir = tb.TempDir()
	}
	b, err := Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := b.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return b
}

// waitFor polls cond until it holds, and fails the test after timeout.
func waitFor(tb testing.TB, timeout time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met after %v", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// streamInfo returns the state of a stream.
func streamInfo(tb testing.TB, b *Bus, name string) *jetstream.StreamInfo {
	tb.Helper()
	s, err := b.JetStream().Stream(context.Background(), name)
	if err != nil {
		tb.Fatalf("Stream(%s): %v", name, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		tb.Fatalf("Stream(%s).Info: %v", name, err)
	}
	return info
}

// streamEvents decodes every message of the EVENTS stream, in order.
func streamEvents(tb testing.TB, b *Bus) []node.Event {
	tb.Helper()
	ctx := context.Background()
	s, err := b.JetStream().Stream(ctx, StreamEvents)
	if err != nil {
		tb.Fatalf("Stream: %v", err)
	}
	info := streamInfo(tb, b, StreamEvents)
	var out []node.Event
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			tb.Fatalf("GetMsg(%d): %v", seq, err)
		}
		var ev node.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			tb.Fatalf("message %d: %v", seq, err)
		}
		if got, want := m.Header.Get(jetstream.MsgIDHeader), fmt.Sprint(ev.ID); got != want {
			tb.Errorf("message %d: Nats-Msg-Id = %q, want %q", seq, got, want)
		}
		out = append(out, ev)
	}
	return out
}

// testEvents returns n member events with ids first, first+1, ...
func testEvents(first int64, n int) []node.Event {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	evs := make([]node.Event, n)
	for i := range evs {
		id := first + int64(i)
		evs[i] = node.Event{
			ID:          id,
			Subject:     node.SubjectMemberUpdated,
			AggregateID: fmt.Sprintf("member-%d", id%97),
			Time:        t0.Add(time.Duration(id) * time.Second),
			Data:        json.RawMessage(fmt.Sprintf(`{"member":"member-%d","competences":["72413000","79341000"],"name":"Coopérative n°%d"}`, id%97, id)),
		}
	}
	return evs
}

// memOutbox is an in-memory Outbox. Failures can be injected.
type memOutbox struct {
	mu        sync.Mutex
	evs       []node.Event
	idx       map[int64]int
	published []bool
	head      int // every event before head is published
	marks     int // successful MarkPublished calls

	failPending int                     // fail this many PendingEvents calls
	failMark    int                     // fail this many MarkPublished calls
	onMark      func(ids []int64) error // called first by MarkPublished, if set
}

func newMemOutbox(evs ...node.Event) *memOutbox {
	ob := &memOutbox{idx: make(map[int64]int)}
	ob.add(evs...)
	return ob
}

// add appends events, as a committed transaction would.
func (ob *memOutbox) add(evs ...node.Event) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for _, ev := range evs {
		ob.idx[ev.ID] = len(ob.evs)
		ob.evs = append(ob.evs, ev)
		ob.published = append(ob.published, false)
	}
}

func (ob *memOutbox) PendingEvents(ctx context.Context, limit int) ([]node.Event, error) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.failPending > 0 {
		ob.failPending--
		return nil, fmt.Errorf("injected read failure")
	}
	for ob.head < len(ob.evs) && ob.published[ob.head] {
		ob.head++
	}
	var out []node.Event
	for i := ob.head; i < len(ob.evs) && len(out) < limit; i++ {
		if !ob.published[i] {
			out = append(out, ob.evs[i])
		}
	}
	return out, nil
}

func (ob *memOutbox) MarkPublished(ctx context.Context, ids []int64) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.onMark != nil {
		if err := ob.onMark(ids); err != nil {
			return err
		}
	}
	if ob.failMark > 0 {
		ob.failMark--
		return fmt.Errorf("injected mark failure")
	}
	for _, id := range ids {
		i, ok := ob.idx[id]
		if !ok {
			return fmt.Errorf("no event %d", id)
		}
		ob.published[i] = true
	}
	ob.marks++
	return nil
}

// unpublished returns the ids not marked published.
func (ob *memOutbox) unpublished() []int64 {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	var ids []int64
	for i, ev := range ob.evs {
		if !ob.published[i] {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

// runRelay runs r until the test ends.
func runRelay(tb testing.TB, r *Relay) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
}
