package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientKey names the client of a request for rate limiting: its
// connecting address, or, when that address is one of the trusted
// proxies, the nearest address in X-Forwarded-For that is not. An IPv6
// client is keyed by its /64 (one host commonly holds a whole /64).
func ClientKey(r *http.Request, trusted []netip.Prefix) string {
	a := remoteAddr(r.RemoteAddr)
	if a.IsValid() && isTrusted(a, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // an unreadable hop: stop at the last proxy we trust
			}
			a = h.Unmap()
			if !isTrusted(a, trusted) {
				break
			}
		}
	}
	if !a.IsValid() {
		return r.RemoteAddr
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

func remoteAddr(s string) netip.Addr {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
