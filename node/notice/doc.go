// Package notice keeps the notices of member co-ops (matching
// opportunities, answers to their interests, later marketplace matches)
// and the secret URLs of their Atom feeds.
package notice
