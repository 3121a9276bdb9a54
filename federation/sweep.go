package federation

import (
	"context"
	"strconv"
	"time"
)

// sweepLoop queues again, every DeliverySweep, the pending deliveries
// whose job may be gone: SQLite is the truth about deliveries and the
// DELIVERY queue is rebuilt from it while the node runs, not only at
// start. A job lost to a failed publish, or dropped by JetStream, is thus
// retried within two sweeps instead of waiting for the next restart.
func (f *Federation) sweepLoop(ctx context.Context) {
	t := time.NewTicker(f.cfg.DeliverySweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := f.sweepDeliveries(ctx); err != nil && ctx.Err() == nil {
				f.log.WarnContext(ctx, "delivery sweep", "err", err)
			}
		}
	}
}

// sweepDeliveries queues the pending deliveries untouched for a whole
// sweep interval and not waiting for a retry. A job queued twice is
// attempted once at most per state (deliver checks the state first, and
// receivers are idempotent).
func (f *Federation) sweepDeliveries(ctx context.Context) error {
	now := f.now()
	ids, err := f.store.StaleDeliveries(ctx, now.Add(-f.cfg.DeliverySweep))
	if err != nil {
		return err
	}
	sweep := strconv.FormatInt(now.UnixNano(), 36)
	for _, id := range ids {
		msgID := "delivery-" + strconv.FormatInt(id, 10) + "-sweep-" + sweep
		if err := f.queue.Publish(ctx, SubjectDelivery, msgID, []byte(strconv.FormatInt(id, 10))); err != nil {
			return err
		}
	}
	if len(ids) > 0 {
		f.log.InfoContext(ctx, "pending deliveries without a job queued again", "deliveries", len(ids))
	}
	return nil
}
