package web

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LoginLimits throttles login attempts per client address and per
// account. The zero value allows a burst of 10 per address and 5 per
// account, then one every 6 and 30 seconds, and remembers at most
// 100,000 addresses and accounts.
type LoginLimits struct {
	PerIP, PerAccount rate.Limit
	BurstIP           int
	BurstAccount      int
	// MaxKeys bounds how many addresses and accounts are remembered.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// loginLimiter keeps one token bucket per client address and per account
// in a bounded map. Only a bucket that has refilled completely is ever
// forgotten to make room (forgetting it changes no answer); when no such
// bucket is at hand the attempt is refused, so a full map never refuses
// fewer attempts. The address is counted first: an address that is
// refused creates no account entry.
type loginLimiter struct {
	lim LoginLimits
	mu  sync.Mutex
	m   map[string]*list.Element // of *bucket, most recently used in front
	lru *list.List
}

type bucket struct {
	key   string
	burst int
	lim   *rate.Limiter
}

// evictScan is how many of the least recently used buckets are looked at
// for one that has refilled.
const evictScan = 16

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
	return &loginLimiter{lim: l, m: map[string]*list.Element{}, lru: list.New()}
}

// allow takes one attempt from the address's budget, then from the
// account's.
func (l *loginLimiter) allow(ip, account string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.lim.Now()
	b := l.get(now, "ip:"+ip, l.lim.PerIP, l.lim.BurstIP)
	if b == nil || !b.lim.AllowN(now, 1) {
		return false
	}
	b = l.get(now, "account:"+strings.ToLower(account), l.lim.PerAccount, l.lim.BurstAccount)
	return b != nil && b.lim.AllowN(now, 1)
}

// get returns the bucket of key, making one when there is room; nil when
// the map is full of buckets that still hold back someone.
func (l *loginLimiter) get(now time.Time, key string, r rate.Limit, burst int) *bucket {
	if e, ok := l.m[key]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*bucket)
	}
	if l.lru.Len() >= l.lim.MaxKeys && !l.evictOne(now) {
		return nil
	}
	b := &bucket{key: key, burst: burst, lim: rate.NewLimiter(r, burst)}
	l.m[key] = l.lru.PushFront(b)
	return b
}

// evictOne forgets one refilled bucket among the least recently used.
func (l *loginLimiter) evictOne(now time.Time) bool {
	e := l.lru.Back()
	for i := 0; e != nil && i < evictScan; i++ {
		b := e.Value.(*bucket)
		if b.lim.TokensAt(now) >= float64(b.burst) {
			l.lru.Remove(e)
			delete(l.m, b.key)
			return true
		}
		e = e.Prev()
	}
	return false
}
