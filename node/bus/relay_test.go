package bus

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

func TestRelayPublishes(t *testing.T) {
	b := mustOpen(t, Options{})
	evs := testEvents(1, 10)
	ob := newMemOutbox(evs...)
	r := NewRelay(b, ob, RelayOptions{PollInterval: time.Hour})
	runRelay(t, r)

	waitFor(t, 5*time.Second, func() bool { return len(ob.unpublished()) == 0 })
	if diff := cmp.Diff(streamEvents(t, b), evs); diff != "" {
		t.Errorf("EVENTS stream (-got +want):\n%s", diff)
	}
	got := r.Stats()
	want := RelayStats{Published: 10, LastPublishedID: 10}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Stats() (-got +want):\n%s", diff)
	}
}

func TestRelayNotify(t *testing.T) {
	b := mustOpen(t, Options{})
	ob := newMemOutbox()
	// An hour of polling: only Notify can wake the relay up in time.
	r := NewRelay(b, ob, RelayOptions{PollInterval: time.Hour})
	runRelay(t, r)

	for round := range 3 {
		ob.add(testEvents(int64(1+5*round), 5)...)
		r.Notify()
		r.Notify() // never blocks
		waitFor(t, 5*time.Second, func() bool { return len(ob.unpublished()) == 0 })
	}
	if got, want := streamInfo(t, b, StreamEvents).State.Msgs, uint64(15); got != want {
		t.Errorf("EVENTS msgs = %d, want %d", got, want)
	}
}

func TestRelayFullBatchesWithoutWaiting(t *testing.T) {
	for _, n := range []int{9, 10} { // a multiple of the batch, and not
		b := mustOpen(t, Options{})
		ob := newMemOutbox(testEvents(1, n)...)
		r := NewRelay(b, ob, RelayOptions{Batch: 3, PollInterval: time.Hour})
		runRelay(t, r)
		waitFor(t, 5*time.Second, func() bool { return len(ob.unpublished()) == 0 })
		if got := streamInfo(t, b, StreamEvents).State.Msgs; got != uint64(n) {
			t.Errorf("%d events, batch 3: EVENTS msgs = %d, want %d", n, got, n)
		}
	}
}

// TestRelayMarkFailsOnce is the crash between publish and mark, in one
// process: the relay publishes the same ids again and JetStream drops them.
func TestRelayMarkFailsOnce(t *testing.T) {
	b := mustOpen(t, Options{})
	evs := testEvents(1, 20)
	ob := newMemOutbox(evs...)
	ob.failMark = 1
	r := NewRelay(b, ob, RelayOptions{PollInterval: time.Hour})
	runRelay(t, r)

	waitFor(t, 5*time.Second, func() bool { return len(ob.unpublished()) == 0 })
	if diff := cmp.Diff(streamEvents(t, b), evs); diff != "" {
		t.Errorf("EVENTS stream, each event once (-got +want):\n%s", diff)
	}
	st := r.Stats()
	if st.Duplicates != 20 || st.Published != 20 || st.Errors != 1 {
		t.Errorf("Stats() = %+v, want 20 duplicates, 20 published, 1 error", st)
	}
}

func TestRelayReadFails(t *testing.T) {
	b := mustOpen(t, Options{})
	ob := newMemOutbox(testEvents(1, 3)...)
	ob.failPending = 2
	r := NewRelay(b, ob, RelayOptions{PollInterval: time.Hour})
	runRelay(t, r)
	waitFor(t, 5*time.Second, func() bool { return len(ob.unpublished()) == 0 })
	if got := r.Stats().Errors; got != 2 {
		t.Errorf("Stats().Errors = %d, want 2", got)
	}
}

// TestRelayNoAckNoMark removes the EVENTS stream under the relay: publishes
// fail, and nothing may be marked published until the stream is back.
func TestRelayNoAckNoMark(t *testing.T) {
	ctx := context.Background()
	b := mustOpen(t, Options{})
	ob := newMemOutbox(testEvents(1, 5)...)
	r := NewRelay(b, ob, RelayOptions{PollInterval: time.Hour})
	runRelay(t, r)
	waitFor(t, 5*time.Second, func() bool { return len(ob.unpublished()) == 0 })

	if err := b.JetStream().DeleteStream(ctx, StreamEvents); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	ob.add(testEvents(6, 5)...)
	r.Notify()
	waitFor(t, 5*time.Second, func() bool { return r.Stats().Errors >= 2 })
	if got, want := ob.unpublished(), []int64{6, 7, 8, 9, 10}; !slices.Equal(got, want) {
		t.Fatalf("unpublished without a stream = %v, want %v", got, want)
	}
	if got, want := r.Stats().Pending, 5; got != want {
		t.Errorf("Stats().Pending = %d, want %d", got, want)
	}

	if err := b.declareStreams(ctx, Options{StoreDir: "file storage"}); err != nil {
		t.Fatalf("declareStreams: %v", err)
	}
	waitFor(t, 10*time.Second, func() bool { return len(ob.unpublished()) == 0 })
	if diff := cmp.Diff(streamEvents(t, b), testEvents(6, 5)); diff != "" {
		t.Errorf("EVENTS stream after it is back (-got +want):\n%s", diff)
	}
}

// TestRelayBadEvent checks that an event the stream cannot take stays in
// the outbox while the others go through.
func TestRelayBadEvent(t *testing.T) {
	b := mustOpen(t, Options{})
	evs := testEvents(1, 4)
	evs[1].Subject = "etoiles.inbox.oops"
	ob := newMemOutbox(evs...)
	r := NewRelay(b, ob, RelayOptions{PollInterval: time.Hour})
	if err := r.Flush(context.Background()); err == nil {
		t.Errorf("Flush with a bad event = nil, want an error")
	}
	if got, want := ob.unpublished(), []int64{2}; !slices.Equal(got, want) {
		t.Errorf("unpublished = %v, want %v", got, want)
	}
	if got, want := streamInfo(t, b, StreamEvents).State.Msgs, uint64(3); got != want {
		t.Errorf("EVENTS msgs = %d, want %d", got, want)
	}
}

func TestRelayFlush(t *testing.T) {
	ctx := context.Background()
	b := mustOpen(t, Options{})
	ob := newMemOutbox(testEvents(1, 25)...)
	ob.failMark = 1
	r := NewRelay(b, ob, RelayOptions{Batch: 10})

	if err := r.Flush(ctx); err == nil {
		t.Errorf("Flush with a failing store = nil, want an error")
	}
	if got := len(ob.unpublished()); got != 25 {
		t.Errorf("unpublished after a failed Flush = %d, want 25", got)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if got := ob.unpublished(); len(got) != 0 {
		t.Errorf("unpublished after Flush = %v, want none", got)
	}
	if got, want := streamInfo(t, b, StreamEvents).State.Msgs, uint64(25); got != want {
		t.Errorf("EVENTS msgs = %d, want %d", got, want)
	}
	if got, want := r.Stats().Duplicates, uint64(10); got != want {
		t.Errorf("Stats().Duplicates = %d, want %d (the first batch, again)", got, want)
	}
}

// TestRelayAcrossRestart publishes, stops the server before the events are
// marked, restarts it on the same directory and publishes again.
func TestRelayAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	evs := testEvents(1, 30)
	ob := newMemOutbox(evs...)
	ob.onMark = func([]int64) error { return errors.New("crash before the commit") }

	b1, err := Open(ctx, Options{StoreDir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := NewRelay(b1, ob, RelayOptions{}).Flush(ctx); err == nil {
		t.Fatalf("Flush = nil, want the injected error")
	}
	if err := b1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	ob.onMark = nil
	b2 := mustOpen(t, Options{StoreDir: dir})
	if diff := cmp.Diff(streamEvents(t, b2), evs); diff != "" {
		t.Fatalf("EVENTS after restart (-got +want):\n%s", diff)
	}
	r := NewRelay(b2, ob, RelayOptions{})
	if err := r.Flush(ctx); err != nil {
		t.Fatalf("Flush after restart: %v", err)
	}
	if diff := cmp.Diff(streamEvents(t, b2), evs); diff != "" {
		t.Errorf("EVENTS after republishing (-got +want):\n%s", diff)
	}
	if got := r.Stats().Duplicates; got != 30 {
		t.Errorf("Stats().Duplicates = %d, want 30", got)
	}
}

func TestRelayCollector(t *testing.T) {
	ctx := context.Background()
	b := mustOpen(t, Options{})
	evs := testEvents(1, 4) // the oldest at 12:00:01
	now := evs[0].Time.Add(90 * time.Second)
	ob := newMemOutbox(evs...)
	ob.failMark = 1
	r := NewRelay(b, ob, RelayOptions{Now: func() time.Time { return now }})
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(r.Collector()); err != nil {
		t.Fatalf("Register: %v", err)
	}

	gather := func() map[string]float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("Gather: %v", err)
		}
		out := make(map[string]float64)
		for _, mf := range mfs {
			m := mf.GetMetric()[0]
			switch {
			case m.GetGauge() != nil:
				out[mf.GetName()] = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				out[mf.GetName()] = m.GetCounter().GetValue()
			}
		}
		return out
	}

	if err := r.Flush(ctx); err == nil {
		t.Fatalf("Flush = nil, want the injected error")
	}
	got := gather()
	want := map[string]float64{
		"etoiles_outbox_pending":          4,
		"etoiles_outbox_lag_seconds":      90,
		"etoiles_outbox_published_total":  0,
		"etoiles_outbox_duplicates_total": 0,
		"etoiles_outbox_errors_total":     1,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("metrics while stuck (-got +want):\n%s", diff)
	}

	if err := r.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	got = gather()
	want = map[string]float64{
		"etoiles_outbox_pending":          0,
		"etoiles_outbox_lag_seconds":      0,
		"etoiles_outbox_published_total":  4,
		"etoiles_outbox_duplicates_total": 4,
		"etoiles_outbox_errors_total":     1,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("metrics after the flush (-got +want):\n%s", diff)
	}
	if got := r.Stats().OldestPending; !got.IsZero() {
		t.Errorf("Stats().OldestPending = %v, want zero", got)
	}
}

func TestRelayRunReturnsOnCancel(t *testing.T) {
	b := mustOpen(t, Options{})
	ob := newMemOutbox()
	ob.failPending = 1 << 30 // keep it backing off
	r := NewRelay(b, ob, RelayOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitFor(t, 5*time.Second, func() bool { return r.Stats().Errors >= 1 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Run did not return after cancel")
	}
}

var _ Outbox = (*memOutbox)(nil)
