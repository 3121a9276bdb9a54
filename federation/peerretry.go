package federation

import (
	"context"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// UnreachableWarnAfter is how long a peer may stay unreachable during
// automatic peering before it is logged as a warning. Nodes of a network
// often start one after the other: until then a refused connection is
// normal and logged at INFO ("peer not reachable yet, retrying in …").
const UnreachableWarnAfter = 5 * time.Minute

// unreachable remembers, per actor, when automatic peering first failed to
// reach it, so that the log says INFO at first and WARN once past
// UnreachableWarnAfter.
type unreachable struct {
	since  map[string]time.Time
	warned map[string]bool
}

// peerUnreachable logs that actor could not be reached, at INFO until it
// has been so for UnreachableWarnAfter, then once at WARN.
func (f *Federation) peerUnreachable(ctx context.Context, actor string, retryIn time.Duration, err error) {
	f.mu.Lock()
	if f.unreach.since == nil {
		f.unreach = unreachable{since: map[string]time.Time{}, warned: map[string]bool{}}
	}
	now := f.now()
	first, ok := f.unreach.since[actor]
	if !ok {
		first = now
		f.unreach.since[actor] = now
	}
	warn := now.Sub(first) >= UnreachableWarnAfter && !f.unreach.warned[actor]
	if warn {
		f.unreach.warned[actor] = true
	}
	f.mu.Unlock()
	switch {
	case warn:
		f.log.WarnContext(ctx, "peer still not reachable, retrying", "peer", actor, "since", first.UTC().Format(time.RFC3339), "retry_in", retryIn, "err", err)
	case now.Sub(first) < UnreachableWarnAfter:
		f.log.InfoContext(ctx, "peer not reachable yet, retrying", "peer", actor, "retry_in", retryIn, "err", err)
	}
}

// peerReached forgets that actor was unreachable; it returns whether it was.
func (f *Federation) peerReached(actor string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, was := f.unreach.since[actor]
	delete(f.unreach.since, actor)
	delete(f.unreach.warned, actor)
	return was
}

// autoPeerRetry is the wait before automatic peering tries again the
// nodes it could not reach: 1 s, doubling, at most a minute.
func autoPeerRetry(prev time.Duration) time.Duration {
	if prev <= 0 {
		return time.Second
	}
	return min(2*prev, time.Minute)
}

// isUnreachable reports whether err says a peer could not be fetched (as
// opposed to refusing us or showing a bad credential).
func isUnreachable(err error) bool { return node.ErrorCode(err) == node.EUNAVAILABLE }
