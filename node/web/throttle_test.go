package web

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)} }
func countAllowed(l *loginLimiter, ip, acct string, n int) (ok int) {
	for i := 0; i < n; i++ {
		if l.allow(ip, acct) {
			ok++
		}
	}
	return ok
}

// A flood of distinct e-mail addresses from one address neither resets the
// locked account's budget nor anyone else's: the address is counted first,
// so it creates no entries once it is refused.
func TestLoginThrottleFloodOfAccounts(t *testing.T) {
	c := newFakeClock()
	l := newLoginLimiter(LoginLimits{MaxKeys: 1000, Now: c.now})
	// The victim's account is spent from several addresses.
	for i := 0; i < 5; i++ {
		if !l.allow(fmt.Sprintf("198.51.100.%d", i), "admin@fr.example") {
			t.Fatalf("attempt %d on the account refused within its burst", i)
		}
	}
	if l.allow("198.51.100.9", "admin@fr.example") {
		t.Fatal("sixth attempt on the account allowed, want refused")
	}
	// The attacker floods junk accounts from one address.
	for i := 0; i < 100000; i++ {
		l.allow("203.0.113.7", fmt.Sprintf("junk%d@x.example", i))
	}
	if n := (l.ips.Len() + l.accounts.Len()); n > 2000 {
		t.Errorf("limiter holds %d keys, want at most 1000 per map", n)
	}
	if l.allow("198.51.100.10", "admin@fr.example") {
		t.Error("account allowed again after a flood of junk accounts, want still refused")
	}
	// The flooding address is itself limited.
	c.advance(time.Second)
	if l.allow("203.0.113.7", "other@fr.example") {
		t.Error("flooding address allowed, want refused")
	}
}

// A map full of buckets that still hold someone back refuses new keys
// rather than forgetting one: full never means fewer refusals.
func TestLoginThrottleFullRefusesRatherThanForgets(t *testing.T) {
	c := newFakeClock()
	l := newLoginLimiter(LoginLimits{MaxKeys: 20, BurstIP: 1, BurstAccount: 1, Now: c.now})
	for i := 0; i < 20; i++ { // 20 addresses and 20 accounts fill both maps, all spent
		l.allow(fmt.Sprintf("192.0.2.%d", i), fmt.Sprintf("a%d@x.example", i))
	}
	if l.allow("192.0.2.200", "new@x.example") {
		t.Error("new key allowed while every bucket is spent, want refused")
	}
	for i := 0; i < 20; i++ {
		if l.allow(fmt.Sprintf("192.0.2.%d", i), fmt.Sprintf("a%d@x.example", i)) {
			t.Errorf("spent key %d allowed again", i)
		}
	}
	// Once buckets have refilled they may be forgotten, and new keys fit.
	c.advance(time.Hour)
	if !l.allow("192.0.2.201", "late@x.example") {
		t.Error("new key refused after every bucket refilled, want allowed")
	}
	if n := (l.ips.Len() + l.accounts.Len()); n > 40 {
		t.Errorf("limiter holds %d keys, want at most 20 per map", n)
	}
}

// The budgets refill with the clock.
func TestLoginThrottleRefills(t *testing.T) {
	c := newFakeClock()
	l := newLoginLimiter(LoginLimits{Now: c.now})
	if got := countAllowed(l, "192.0.2.1", "a@x.example", 10); got != 5 {
		t.Fatalf("allowed %d of 10 attempts on one account, want 5", got)
	}
	c.advance(30 * time.Second)
	if got := countAllowed(l, "192.0.2.2", "a@x.example", 3); got != 1 {
		t.Errorf("after 30 s allowed %d, want 1", got)
	}
}
