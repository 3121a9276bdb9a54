package federation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// deliver makes one attempt at one delivery job. The outcome is recorded
// in the store; a failure that may pass is retried with exponential
// back-off and jitter (or after the peer's Retry-After on 429 and 503)
// until the delivery is older than MaxDeliveryAge, when it is
// dead-lettered and the peer shows as unreachable.
func (f *Federation) deliver(ctx context.Context, data []byte) error {
	id, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return &permanentError{fmt.Errorf("delivery job %q: %w", data, err)}
	}
	d, err := f.store.Delivery(ctx, id)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return &permanentError{err}
	}
	if err != nil {
		return err
	}
	if d.State != node.DeliveryPending {
		return nil
	}
	if d.PeerID != 0 {
		p, err := f.store.PeerByID(ctx, d.PeerID)
		if err == nil && p.Blocked {
			return f.store.RecordAttempt(ctx, id, node.DeliveryDead, "peer blocked", time.Time{})
		}
		if err == nil && p.CredentialLapsed && !p.Allowed {
			// Its admission expired since the fan-out: end it now (the
			// sweep would an hour later), which cancels what it may no
			// longer receive, then look at this delivery again.
			if err := f.expireAdmissions(ctx); err != nil {
				return err
			}
			if d, err = f.store.Delivery(ctx, id); err != nil || d.State != node.DeliveryPending {
				return err
			}
		}
	}
	now := f.now()
	if wait := f.inboxWait(d.Inbox, now); wait > 0 && now.Sub(d.CreatedAt) <= f.cfg.MaxDeliveryAge {
		// The inbox failed a moment ago: try again when its back-off ends
		// rather than tie up a worker on a peer that does not answer.
		return &retryError{err: fmt.Errorf("%s is failing; retrying in %s", d.Inbox, wait), after: wait}
	}
	if now.Sub(d.CreatedAt) > f.cfg.MaxDeliveryAge {
		f.log.WarnContext(ctx, "delivery dead-lettered", "inbox", d.Inbox, "activity", d.ActivityID, "attempts", d.Attempts, "last_error", d.LastError)
		return f.store.RecordAttempt(ctx, id, node.DeliveryDead, "gave up after "+f.cfg.MaxDeliveryAge.String()+": "+d.LastError, time.Time{})
	}
	err = f.client.Post(ctx, f.signer, d.Inbox, d.Body)
	f.inboxResult(d.Inbox, err, now)
	if err == nil {
		f.log.DebugContext(ctx, "delivered", "inbox", d.Inbox, "activity", d.ActivityID)
		return f.store.RecordAttempt(ctx, id, node.DeliveryDelivered, "", time.Time{})
	}
	if permanentFailure(err) {
		f.log.WarnContext(ctx, "delivery refused", "inbox", d.Inbox, "activity", d.ActivityID, "err", err)
		return f.store.RecordAttempt(ctx, id, node.DeliveryDead, err.Error(), time.Time{})
	}
	delay := f.backoff(d.Attempts)
	var se *StatusError
	if errors.As(err, &se) && (se.Status == 429 || se.Status == 503) && se.RetryAfter > 0 {
		delay = min(se.RetryAfter, f.cfg.RetryMax)
	}
	f.log.InfoContext(ctx, "delivery failed", "inbox", d.Inbox, "activity", d.ActivityID, "attempt", d.Attempts+1, "retry_in", delay, "err", err)
	if rerr := f.store.RecordAttempt(ctx, id, node.DeliveryPending, err.Error(), now.Add(delay)); rerr != nil {
		return rerr
	}
	return &retryError{err: err, after: delay}
}

// permanentFailure reports whether retrying cannot help: a refused
// address, or a 4xx answer other than 401 (the peer may not have fetched
// our key yet), 408 and 429.
func permanentFailure(err error) bool {
	if errors.Is(err, ErrForbiddenAddress) {
		return true
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status >= 400 && se.Status < 500 && se.Status != 401 && se.Status != 408 && se.Status != 429
	}
	return false
}

// backoff returns the delay after the attempts-th failure: RetryBase
// doubled per attempt, capped at RetryMax, with ±20% jitter so that many
// deliveries to a peer that comes back do not all retry at once.
func (f *Federation) backoff(attempts int) time.Duration {
	d := f.cfg.RetryBase
	for i := 0; i < attempts && d < f.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, f.cfg.RetryMax)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// inboxGate remembers inboxes that just failed, so that the deliveries
// queued behind a failed one wait for its back-off instead of each making
// a connection that will time out.
type inboxGate struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// inboxWait returns how long deliveries to inbox should wait.
func (f *Federation) inboxWait(inbox string, now time.Time) time.Duration {
	f.gate.mu.Lock()
	defer f.gate.mu.Unlock()
	if u, ok := f.gate.until[inbox]; ok && now.Before(u) {
		return u.Sub(now)
	}
	return 0
}

// inboxResult records the outcome of an attempt: a failure (other than a
// permanent refusal of one activity) closes the inbox for RetryBase.
func (f *Federation) inboxResult(inbox string, err error, now time.Time) {
	f.gate.mu.Lock()
	defer f.gate.mu.Unlock()
	if f.gate.until == nil {
		f.gate.until = map[string]time.Time{}
	}
	if err == nil || permanentFailure(err) {
		delete(f.gate.until, inbox)
		return
	}
	f.gate.until[inbox] = now.Add(f.cfg.RetryBase)
}
