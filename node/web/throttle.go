package web

import (
	"strings"
	"time"

	"github.com/e-toiles/etoiles/internal/ratelimit"
	"golang.org/x/time/rate"
)

// LoginLimits throttles login attempts per client address and per
// account. The zero value allows a burst of 10 per address and 5 per
// account, then one every 6 and 30 seconds, and remembers at most
// 100,000 addresses and as many accounts.
type LoginLimits struct {
	PerIP, PerAccount rate.Limit
	BurstIP           int
	BurstAccount      int
	// MaxKeys bounds how many addresses (and how many accounts) are
	// remembered.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// loginLimiter counts the address first: an address that is refused takes
// nothing from, and creates no entry for, the account it names. Neither
// map forgets a bucket that still holds someone back (see
// ratelimit.Buckets).
type loginLimiter struct {
	now           func() time.Time
	ips, accounts *ratelimit.Buckets
}

func newLoginLimiter(l LoginLimits) *loginLimiter {
	if l.PerIP == 0 {
		l.PerIP = rate.Every(6 * time.Second)
	}
	if l.PerAccount == 0 {
		l.PerAccount = rate.Every(30 * time.Second)
	}
	if l.BurstIP == 0 {
		l.BurstIP = 10
	}
	if l.BurstAccount == 0 {
		l.BurstAccount = 5
	}
	if l.MaxKeys == 0 {
		l.MaxKeys = 100000
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return &loginLimiter{now: l.Now,
		ips:      ratelimit.New(l.PerIP, l.BurstIP, l.MaxKeys),
		accounts: ratelimit.New(l.PerAccount, l.BurstAccount, l.MaxKeys)}
}

// allow takes one attempt from the address's budget, then from the
// account's.
func (l *loginLimiter) allow(ip, account string) bool {
	now := l.now()
	return l.ips.Allow(ip, now) && l.accounts.Allow(strings.ToLower(account), now)
}
