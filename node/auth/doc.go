// Package auth issues and verifies the node's API tokens: JWTs signed
// with the node's Ed25519 key (EdDSA, algorithm pinned), carrying a role
// (admin, member bound to one member co-op, confederation). A member
// token stops working the moment its co-op leaves, without a restart.
package auth
