package federation

import (
	"errors"
	"sync"
	"time"
)

// ErrKeyCooldown reports a key this node fetched less than
// Config.KeyRefetchInterval ago: it is not fetched again, so that bad
// signatures naming an actor cannot make the node send a request to that
// actor's host for each of them.
var ErrKeyCooldown = errors.New("key fetched a moment ago; not fetching it again yet")

// maxKeyFetches bounds the fetch times kept: past it, the entries older
// than the interval are forgotten.
const maxKeyFetches = 4096

// keyFetches remembers when each key was last fetched (successfully or
// not) and allows one fetch per key per interval. The zero value allows
// nothing; newKeyFetches makes one.
type keyFetches struct {
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	last  map[string]time.Time
	locks map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

func newKeyFetches(interval time.Duration, now func() time.Time) *keyFetches {
	return &keyFetches{interval: interval, now: now, last: make(map[string]time.Time), locks: make(map[string]*keyLock)}
}

// lock serialises the lookups of one key, so that requests arriving
// together while its first fetch is in flight wait for that fetch and
// read its result from the cache instead of being refused by the
// cooldown. It returns the unlock function.
func (k *keyFetches) lock(keyID string) func() {
	k.mu.Lock()
	l := k.locks[keyID]
	if l == nil {
		l = &keyLock{}
		k.locks[keyID] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, keyID)
		}
		k.mu.Unlock()
	}
}

// allow reports whether keyID may be fetched now, and if so records the
// fetch.
func (k *keyFetches) allow(keyID string) bool {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if t, ok := k.last[keyID]; ok && now.Sub(t) < k.interval && !now.Before(t) {
		return false
	}
	if len(k.last) >= maxKeyFetches {
		for id, t := range k.last {
			if now.Sub(t) >= k.interval {
				delete(k.last, id)
			}
		}
	}
	k.last[keyID] = now
	return true
}
