package federation

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestForbiddenAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "169.254.1.1": true, "0.0.0.0": true, "100.64.0.1": true, "fd00:ec2::254": true,
		"fc00::1": true, "fe80::1": true, "224.0.0.1": true, "::ffff:127.0.0.1": true,
		"93.184.216.34": false, "2001:db8::1": false, "8.8.8.8": false,
	} {
		if got := forbidden(netip.MustParseAddr(addr)); got != want {
			t.Errorf("forbidden(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	strict := NewClient(false, false, "test")
	loose := NewClient(true, true, "test")
	tests := []struct {
		url           string
		strict, loose bool // allowed?
	}{
		{"https://it.example/actor", true, true},
		{"http://it.example/actor", false, true},
		{"https://127.0.0.1/actor", false, true},
		{"https://localhost/actor", false, true},
		{"https://[::1]:8443/actor", false, true},
		{"https://169.254.169.254/latest", false, true},
		{"ftp://it.example/actor", false, false},
		{"file:///etc/passwd", false, false},
		{"/actor", false, false},
	}
	for _, tt := range tests {
		if got := strict.CheckURL(tt.url) == nil; got != tt.strict {
			t.Errorf("strict CheckURL(%s) allowed = %v, want %v", tt.url, got, tt.strict)
		}
		if got := loose.CheckURL(tt.url) == nil; got != tt.loose {
			t.Errorf("loose CheckURL(%s) allowed = %v, want %v", tt.url, got, tt.loose)
		}
	}
}

func TestPermanentFailure(t *testing.T) {
	for err, want := range map[error]bool{
		&StatusError{Status: 400}: true, &StatusError{Status: 403}: true, &StatusError{Status: 404}: true, &StatusError{Status: 410}: true,
		&StatusError{Status: 401}: false, &StatusError{Status: 408}: false, &StatusError{Status: 429}: false,
		&StatusError{Status: 500}: false, &StatusError{Status: 503}: false,
		fmt.Errorf("dial: %w", ErrForbiddenAddress): true, errors.New("connection refused"): false,
	} {
		if got := permanentFailure(err); got != want {
			t.Errorf("permanentFailure(%v) = %v, want %v", err, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	f := &Federation{cfg: Config{RetryBase: time.Second, RetryMax: time.Minute}}
	for attempts, base := range map[int]time.Duration{0: time.Second, 1: 2 * time.Second, 3: 8 * time.Second, 10: time.Minute, 60: time.Minute} {
		for i := 0; i < 50; i++ {
			got := f.backoff(attempts)
			if got < base*8/10 || got > base*12/10 {
				t.Fatalf("backoff(%d) = %s, want %s ±20%%", attempts, got, base)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"120": 2 * time.Minute, "0": 0, "": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestRemoteMemberID(t *testing.T) {
	for apID, want := range map[string]string{
		"https://fr.example/members/scop-echo":    "scop-echo@fr.example",
		"https://fr.example/members/Écho%20Vidéo": "echo-20video@fr.example",
		"https://fr.example/":                     "member@fr.example",
	} {
		if got := remoteMemberID(apID, hostOf(apID)); got != want {
			t.Errorf("remoteMemberID(%s) = %q, want %q", apID, got, want)
		}
	}
}

func TestFindKey(t *testing.T) {
	actor := []byte(`{"id":"https://it.example/actor","type":"Group",
		"publicKey":[{"id":"https://it.example/actor#main-key","owner":"https://it.example/actor","publicKeyPem":"RSA"}],
		"etoiles:ed25519Key":{"id":"https://it.example/actor#ed25519-key","publicKeyPem":"ED"}}`)
	for keyID, want := range map[string]string{
		"https://it.example/actor#main-key":    "https://it.example/actor RSA",
		"https://it.example/actor#ed25519-key": "https://it.example/actor ED",
	} {
		owner, pem, err := findKey(actor, keyID)
		if got := owner + " " + pem; err != nil || got != want {
			t.Errorf("findKey(%s) = %q, %v, want %q", keyID, got, err, want)
		}
	}
	if _, _, err := findKey(actor, "https://it.example/actor#other"); err == nil {
		t.Error("findKey of an absent key succeeded")
	}
}
