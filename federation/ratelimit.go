package federation

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// hostLimiter keeps one token bucket per remote host, forgetting hosts
// idle for ten minutes.
type hostLimiter struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	hosts map[string]*hostBucket
	last  time.Time
}

type hostBucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newHostLimiter(perSecond float64, burst int) *hostLimiter {
	return &hostLimiter{rate: rate.Limit(perSecond), burst: max(burst, 1), hosts: map[string]*hostBucket{}}
}

// Allow reports whether host may make one more request now.
func (h *hostLimiter) Allow(host string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.last) > time.Minute {
		for k, b := range h.hosts {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(h.hosts, k)
			}
		}
		h.last = now
	}
	b, ok := h.hosts[host]
	if !ok {
		b = &hostBucket{l: rate.NewLimiter(h.rate, h.burst)}
		h.hosts[host] = b
	}
	b.seen = now
	return b.l.AllowN(now, 1)
}
