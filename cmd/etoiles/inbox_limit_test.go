package main

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// TestInboxRateLimitByAddress: the inbox counts requests by the connecting
// address (behind a trusted proxy, by the client it names), so neither new
// keyId hosts nor Host headers get an attacker a fresh bucket, and a
// peer's budget is not spent by someone quoting its keyId.
func TestInboxRateLimitByAddress(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR", func(c *Config) {
		c.InboxRate = 0.5 // a burst of 5, then one every 2 s
		c.TrustedProxies = prefixList{netip.MustParsePrefix("127.0.0.1/32")}
	})
	peer := newFakePeer(t)
	if s, b, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, b)
	}
	inbox := "http://" + n.addr + "/inbox"
	from := func(addr string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-Forwarded-For", addr) }
	}
	statuses := map[int]int{}
	for i := 0; i < 12; i++ {
		keyID := fmt.Sprintf("http://h%d.attacker.example/actor#main-key", i)
		body := organization(fmt.Sprintf("http://h%d.attacker.example/m/%d", i, i), fmt.Sprintf("http://h%d.attacker.example/actor", i), "X")
		s, _ := post(t, inbox, body, peer.key, keyID, time.Now(), func(r *http.Request) {
			from("203.0.113.9")(r)
			r.Host = fmt.Sprintf("vhost%d.example", i)
		})
		statuses[s]++
	}
	if statuses[429] < 6 {
		t.Errorf("12 requests from one address with new keyId hosts and Host headers: statuses %v, want at least 6 × 429", statuses)
	}
	// The attacker also quoted the real peer's keyId: the peer, from its
	// own address, is not held back.
	for i := 0; i < 3; i++ {
		post(t, inbox, organization(peer.srv.URL+"/m/spoof", peer.actor(), "Spoof"), peer.key, peer.keyID(), time.Now(), from("203.0.113.9"))
	}
	if s, b := post(t, inbox, organization(peer.srv.URL+"/m/ok", peer.actor(), "Cooperativa OK"), peer.key, peer.keyID(), time.Now(), from("198.51.100.20")); s != 202 {
		t.Errorf("the real peer from its own address: %d %s, want 202", s, b)
	}
}
