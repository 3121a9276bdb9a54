// Package ratelimit keeps token buckets per key (a client address, an
// account, a verified signer) in a bounded map that an attacker cannot
// empty by flooding it with new keys, and derives a client's key from a
// request, trusting X-Forwarded-For only from configured proxies.
package ratelimit
