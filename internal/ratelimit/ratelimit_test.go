package ratelimit

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func TestBucketsFloodDoesNotReset(t *testing.T) {
	b := New(rate.Every(time.Minute), 2, 100)
	b.Allow("victim", t0)
	b.Allow("victim", t0)
	for i := 0; i < 10000; i++ {
		b.Allow(fmt.Sprintf("junk-%d", i), t0)
	}
	if b.Len() > 100 {
		t.Errorf("Len = %d, want at most 100", b.Len())
	}
	if b.Allow("victim", t0) {
		t.Error("victim's empty bucket was forgotten by a flood of keys")
	}
	// Refilled buckets make room again.
	if !b.Allow("late", t0.Add(time.Hour)) {
		t.Error("a new key after everything refilled was refused")
	}
}

func TestClientKey(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tt := range []struct {
		remote, xff, want string
		trusted           []netip.Prefix
	}{
		{"192.0.2.7:5555", "", "192.0.2.7", nil},
		{"192.0.2.7:5555", "198.51.100.1", "192.0.2.7", nil},                  // XFF from an untrusted client is ignored
		{"10.1.2.3:80", "198.51.100.1", "198.51.100.1", proxies},              // behind our proxy
		{"10.1.2.3:80", "203.0.113.9, 198.51.100.1", "198.51.100.1", proxies}, // the client cannot choose its key by prepending
		{"10.1.2.3:80", "198.51.100.1, 10.9.9.9", "198.51.100.1", proxies},    // two of our proxies
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64", nil},
		{"[::ffff:192.0.2.8]:1", "", "192.0.2.8", nil},
	} {
		r := httptest.NewRequest("POST", "/inbox", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := ClientKey(r, tt.trusted); got != tt.want {
			t.Errorf("ClientKey(%s, XFF %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
		}
	}
}
