// Package trust holds the admission credentials of the e-toiles network:
// the confederation signs one for each national node it admits (a JWT
// signed with EdDSA, algorithm pinned), national nodes show theirs in
// their actor document, and peers verify it against the confederation key
// they pinned. It also holds the revocation list. It imports only the
// standard library: a JWT of one algorithm is small enough to check here,
// in full view.
package trust
