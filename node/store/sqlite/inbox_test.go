package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

func mustOpenInbox(tb testing.TB, path string) *sqlite.Inbox {
	tb.Helper()
	in, err := sqlite.OpenInbox(context.Background(), path, "full")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { in.Close() })
	return in
}

func TestInboxLogKeepsWhatItAcknowledged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.InboxFile)
	in := mustOpenInbox(t, path)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := &node.Inbound{ActivityID: fmt.Sprintf("https://it.example/a/%d", i), Signer: "https://it.example/actor",
				Received: time.Now(), Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
			if added, err := in.Append(ctx, a); err != nil || !added || a.Seq == 0 {
				errs <- fmt.Errorf("Append(%d) = %v, %v, seq %d; want added with a seq", i, added, err, a.Seq)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	again := &node.Inbound{ActivityID: "https://it.example/a/7", Signer: "https://it.example/actor", Received: time.Now(), Body: []byte(`{}`)}
	if added, err := in.Append(ctx, again); err != nil || added {
		t.Errorf("Append of a waiting id = %v, %v; want not added, no error", added, err)
	}
	if got := in.Backlog(); got != n {
		t.Errorf("Backlog() = %d, want %d", got, n)
	}
	first, err := in.Unapplied(ctx, 0, 10)
	if err != nil || len(first) != 10 {
		t.Fatalf("Unapplied(0, 10) = %d items, %v", len(first), err)
	}
	var seqs []int64
	for _, a := range first {
		seqs = append(seqs, a.Seq)
	}
	if err := in.Applied(ctx, seqs...); err != nil {
		t.Fatal(err)
	}
	// What was acknowledged and not applied is there after a reopen.
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Append(ctx, again); !errors.Is(err, sqlite.ErrInboxClosed) {
		t.Errorf("Append after Close = %v, want ErrInboxClosed", err)
	}
	re := mustOpenInbox(t, path)
	if got := re.Backlog(); got != n-10 {
		t.Errorf("Backlog() after reopen = %d, want %d", got, n-10)
	}
	rest, err := re.Unapplied(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range rest {
		seen[a.ActivityID] = true
		if a.Seq <= seqs[len(seqs)-1] || a.Signer != "https://it.example/actor" || len(a.Body) == 0 || a.Received.IsZero() {
			t.Errorf("after reopen: %+v", a)
		}
	}
	if len(seen) != n-10 {
		t.Errorf("after reopen %d distinct activities, want %d", len(seen), n-10)
	}
}

func TestOpenInboxRefusesAnUnknownSyncLevel(t *testing.T) {
	if _, err := sqlite.OpenInbox(context.Background(), filepath.Join(t.TempDir(), "x.db"), "off"); err == nil {
		t.Error("OpenInbox with synchronous off: no error")
	}
}

func TestBatchStepUndoesOnlyTheFailedStep(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	injected := errors.New("injected")
	err := db.Batch(ctx, func(ctx context.Context) error {
		for i, id := range []string{"a1", "a2", "a3"} {
			err := db.Step(ctx, func(ctx context.Context) error {
				if err := db.MarkProcessed(ctx, id, "https://it.example/actor", "Create"); err != nil {
					return err
				}
				if i == 1 {
					return injected // after its write: undone
				}
				return nil
			})
			if (err != nil) != (i == 1) {
				t.Errorf("step %d: %v", i, err)
			}
		}
		// Not committed yet: the reader pool does not see it.
		if done, _ := db.ActivityProcessed(ctx, "a1"); done {
			t.Error("a1 visible before the batch committed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"a1": true, "a2": false, "a3": true} {
		if got, err := db.ActivityProcessed(ctx, id); err != nil || got != want {
			t.Errorf("ActivityProcessed(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	// A batch that fails leaves nothing.
	err = db.Batch(ctx, func(ctx context.Context) error {
		if err := db.MarkProcessed(ctx, "b1", "https://it.example/actor", "Create"); err != nil {
			return err
		}
		return injected
	})
	if !errors.Is(err, injected) {
		t.Errorf("Batch = %v, want the injected error", err)
	}
	if got, _ := db.ActivityProcessed(ctx, "b1"); got {
		t.Error("b1 stored by a batch that failed")
	}
}
