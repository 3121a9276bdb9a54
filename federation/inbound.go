package federation

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

// InboxLog is the durable log of accepted activities (spec/events.md,
// "The inbound path"). Append returns once the activity is on disk, which
// is when the inbox may answer 202; the processor reads the log, applies
// what it holds and removes what it applied. The SQLite adapter
// implements it in a file of its own.
type InboxLog interface {
	// Append stores a, setting a.Seq; added is false when an activity of
	// that id already waits.
	Append(ctx context.Context, a *node.Inbound) (added bool, err error)
	// Unapplied returns up to limit waiting activities after seq, oldest
	// first.
	Unapplied(ctx context.Context, after int64, limit int) ([]*node.Inbound, error)
	// Applied removes activities from the log.
	Applied(ctx context.Context, seqs ...int64) error
	// Backlog returns how many activities wait.
	Backlog() int64
}

// Batcher groups the store's writes: the processor applies several
// activities in one write transaction (Batch), each in a savepoint of it
// (Step), so that one failing activity undoes only its own writes.
type Batcher interface {
	Batch(ctx context.Context, fn func(ctx context.Context) error) error
	Step(ctx context.Context, fn func(ctx context.Context) error) error
}

const (
	// inboxBatch is the most activities one write transaction applies.
	inboxBatch = 256
	// defaultInboxBacklog is the default bound of the backlog above
	// which the inbox answers 429.
	defaultInboxBacklog = 50000
	// inboxRetryAfter is the Retry-After of a 429 for a full backlog, in
	// seconds.
	inboxRetryAfter = "30"
	retryFirst      = time.Second
	retryMax        = 5 * time.Minute
)

// inboundStats counts what the inbound path did, for the metrics.
type inboundStats struct {
	accepted, refused, applied, failed atomic.Uint64
}

// InboundStats are the inbound path's counters since start.
type InboundStats struct {
	Accepted uint64 // activities answered 202 and stored
	Refused  uint64 // answered 429 because the backlog was full
	Applied  uint64 // applied or dropped as permanently wrong
	Failed   uint64 // attempts that failed on our side, to be retried
	Backlog  int64  // accepted and waiting
}

// InboundStats returns the inbound path's counters.
func (f *Federation) InboundStats() InboundStats {
	return InboundStats{
		Accepted: f.inStats.accepted.Load(), Refused: f.inStats.refused.Load(),
		Applied: f.inStats.applied.Load(), Failed: f.inStats.failed.Load(),
		Backlog: f.cfg.Inbox.Backlog(),
	}
}

// wakeProcessor tells the processor that the log has new activities.
func (f *Federation) wakeProcessor() {
	select {
	case f.inboxWake <- struct{}{}:
	default:
	}
}

// retrying is an activity whose application failed on our side.
type retrying struct {
	in       *node.Inbound
	attempts int
	due      time.Time
}

// startProcessor runs the inbox processor until the returned stop is
// called. It starts from the beginning of the log: whatever the last
// process accepted and did not apply is applied now.
func (f *Federation) startProcessor(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.processLoop(ctx)
	}()
	return func() { cancel(); <-done }
}

func (f *Federation) processLoop(ctx context.Context) {
	var cursor int64
	retries := map[int64]*retrying{}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		work, next := dueRetries(retries, f.now())
		fresh, err := f.cfg.Inbox.Unapplied(ctx, cursor, inboxBatch)
		if err != nil && ctx.Err() == nil {
			f.log.ErrorContext(ctx, "inbox: read the log", "err", err)
		}
		if len(fresh) > 0 {
			cursor = fresh[len(fresh)-1].Seq
		}
		work = append(work, fresh...)
		if len(work) == 0 {
			wait := time.Hour
			if !next.IsZero() {
				wait = max(next.Sub(f.now()), time.Millisecond)
			}
			timer.Reset(wait)
			select {
			case <-ctx.Done():
			case <-f.inboxWake:
			case <-timer.C:
			}
			timer.Stop()
			continue
		}
		failed := f.applyInbound(ctx, work)
		for _, in := range work {
			r := retries[in.Seq]
			if _, bad := failed[in.Seq]; !bad {
				delete(retries, in.Seq)
				continue
			}
			if r == nil {
				r = &retrying{in: in}
				retries[in.Seq] = r
			}
			r.attempts++
			r.due = f.now().Add(min(retryFirst<<min(r.attempts-1, 20), retryMax))
		}
	}
}

// dueRetries returns the retries due now, and when the next one is due.
func dueRetries(retries map[int64]*retrying, now time.Time) (due []*node.Inbound, next time.Time) {
	for _, r := range retries {
		if !r.due.After(now) {
			due = append(due, r.in)
			r.due = now.Add(retryMax) // until the attempt sets it
		} else if next.IsZero() || r.due.Before(next) {
			next = r.due
		}
	}
	return due, next
}

// decoded is one logged activity ready to apply.
type decoded struct {
	in  *node.Inbound
	act *vocab.Item
	err error
}

// applyInbound applies activities from the log, removes from it those
// applied or refused for good, and returns those that failed on our side.
func (f *Federation) applyInbound(ctx context.Context, work []*node.Inbound) (failed map[int64]error) {
	failed = map[int64]error{}
	items := decodeAll(work)
	var done []int64
	for start := 0; start < len(items); {
		run := batchRun(items[start:])
		if run == 1 && !batchable(items[start].act) {
			d := items[start]
			if err := f.applyOne(ctx, d); err != nil {
				failed[d.in.Seq] = err
			} else {
				done = append(done, d.in.Seq)
			}
			start++
			continue
		}
		batch := items[start : start+run]
		start += run
		errs := make([]error, len(batch))
		err := f.store.Batch(ctx, func(ctx context.Context) error {
			for i, d := range batch {
				errs[i] = f.applyOne(ctx, d)
			}
			return nil
		})
		for i, d := range batch {
			switch {
			case err != nil:
				failed[d.in.Seq] = err
			case errs[i] != nil:
				failed[d.in.Seq] = errs[i]
			default:
				done = append(done, d.in.Seq)
			}
		}
		if err == nil && f.committed != nil {
			f.committed()
		}
	}
	for seq, err := range failed {
		f.inStats.failed.Add(1)
		if ctx.Err() == nil {
			f.log.WarnContext(ctx, "inbox: apply failed, will retry", "seq", seq, "err", err)
		}
	}
	if err := f.cfg.Inbox.Applied(context.WithoutCancel(ctx), done...); err != nil {
		// Applied again at the next start: the store skips activities it
		// applied.
		f.log.ErrorContext(ctx, "inbox: remove applied activities from the log", "err", err)
	}
	f.inStats.applied.Add(uint64(len(done)))
	return failed
}

// decodeAll decodes the activities on every core.
func decodeAll(work []*node.Inbound) []decoded {
	items := make([]decoded, len(work))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (len(work)+15)/16) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(work); i = int(next.Add(1)) - 1 {
				act, err := vocab.Decode(work[i].Body)
				items[i] = decoded{in: work[i], act: act, err: err}
			}
		}()
	}
	wg.Wait()
	return items
}

// batchable reports whether an activity may share a transaction with
// others: creations, updates and deletions of objects, whose effects are
// all in the store. Peering and offers (which fetch actors and send
// answers) are applied one at a time.
func batchable(act *vocab.Item) bool {
	return act != nil && (act.Is("Create") || act.Is("Update") || act.Is("Delete"))
}

// batchRun returns how many of items, from the first, form one batch:
// batchable activities of distinct ids about distinct objects (reads
// outside the transaction do not see the batch's own writes). It is at
// least 1.
func batchRun(items []decoded) int {
	seen := map[string]bool{}
	n := 0
	for _, d := range items {
		if n == inboxBatch || !batchable(d.act) {
			break
		}
		obj := ""
		if o := d.act.Object(); o != nil {
			obj = o.ID()
		}
		if seen[d.act.ID()] || obj != "" && seen["object "+obj] {
			break
		}
		seen[d.act.ID()] = true
		seen["object "+obj] = true
		n++
	}
	return max(n, 1)
}

// applyOne applies one logged activity in a step of the batch ctx may
// carry. It is idempotent: an activity id applied before is skipped. A
// malformed or forbidden activity is recorded as processed and dropped
// (permanent error); a failure of ours is returned, to be retried.
func (f *Federation) applyOne(ctx context.Context, d decoded) error {
	if d.err != nil {
		f.log.InfoContext(ctx, "inbox: unreadable activity dropped", "seq", d.in.Seq, "err", d.err)
		return nil
	}
	act, signer := d.act, d.in.Signer
	done, err := f.store.ActivityProcessed(ctx, act.ID())
	if err != nil || done {
		return err
	}
	err = f.store.Step(ctx, func(ctx context.Context) error {
		recorded, err := f.apply(ctx, act, signer)
		if err == nil && !recorded {
			err = f.store.MarkProcessed(ctx, act.ID(), signer, firstType(act))
		}
		return err
	})
	var perm *permanentError
	if errors.As(err, &perm) {
		f.log.InfoContext(ctx, "inbox: activity refused", "id", act.ID(), "type", act.Types(), "actor", signer, "err", err)
		return f.store.Step(ctx, func(ctx context.Context) error {
			return f.store.MarkProcessed(ctx, act.ID(), signer, firstType(act))
		})
	}
	return err
}
