package federation

import (
	"testing"
	"time"
)

func TestKeyFetchesOncePerInterval(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	k := newKeyFetches(time.Minute, func() time.Time { return now })
	const a, b = "https://it.example/actor#main-key", "https://es.example/actor#main-key"
	steps := []struct {
		advance time.Duration
		key     string
		want    bool
	}{
		{0, a, true},                 // first fetch
		{0, a, false},                // a bad signature right after: no refetch
		{30 * time.Second, a, false}, // still within the interval
		{0, b, true},                 // another key has its own interval
		{30 * time.Second, a, true},  // a minute after the first fetch
		{time.Second, a, false},
		{time.Minute, a, true},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := k.allow(s.key); got != s.want {
			t.Errorf("step %d: allow(%s) at %s = %v, want %v", i, s.key, now.Format(time.TimeOnly), got, s.want)
		}
	}
}

func TestKeyFetchesForget(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	k := newKeyFetches(time.Minute, func() time.Time { return now })
	for i := 0; i < maxKeyFetches; i++ {
		k.allow(time.Duration(i).String())
	}
	now = now.Add(2 * time.Minute)
	k.allow("one more")
	if len(k.last) != 1 {
		t.Errorf("after the interval, %d fetch times kept, want 1", len(k.last))
	}
}
