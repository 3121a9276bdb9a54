package ratelimit

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Buckets holds one token bucket per key, at most Max of them. Only a
// bucket that has refilled completely is ever forgotten to make room
// (forgetting it changes no answer); when none of the least recently used
// has, a new key is refused, so a full map never refuses fewer requests.
type Buckets struct {
	rate  rate.Limit
	burst int
	max   int

	mu  sync.Mutex
	m   map[string]*list.Element // of *bucket, most recently used in front
	lru *list.List
}

type bucket struct {
	key string
	lim *rate.Limiter
}

// evictScan is how many of the least recently used buckets are looked at
// for one that has refilled.
const evictScan = 16

// New returns buckets of the given rate and burst (at least 1) for at
// most maxKeys keys (at least 1).
func New(r rate.Limit, burst, maxKeys int) *Buckets {
	return &Buckets{rate: r, burst: max(burst, 1), max: max(maxKeys, 1), m: map[string]*list.Element{}, lru: list.New()}
}

// Allow takes one token from key's bucket at now, making the bucket when
// there is room; false when the bucket is empty or there is no room.
func (b *Buckets) Allow(key string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.m[key]; ok {
		b.lru.MoveToFront(e)
		return e.Value.(*bucket).lim.AllowN(now, 1)
	}
	if b.lru.Len() >= b.max && !b.evictOne(now) {
		return false
	}
	bk := &bucket{key: key, lim: rate.NewLimiter(b.rate, b.burst)}
	b.m[key] = b.lru.PushFront(bk)
	return bk.lim.AllowN(now, 1)
}

// Len is the number of keys held.
func (b *Buckets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lru.Len()
}

func (b *Buckets) evictOne(now time.Time) bool {
	e := b.lru.Back()
	for i := 0; e != nil && i < evictScan; i++ {
		bk := e.Value.(*bucket)
		if bk.lim.TokensAt(now) >= float64(b.burst) {
			b.lru.Remove(e)
			delete(b.m, bk.key)
			return true
		}
		e = e.Prev()
	}
	return false
}
