// Package sqlite implements the node's stores on an embedded SQLite
// database (pure Go, no cgo): WAL journal, foreign keys on, embedded
// migrations, FTS5 catalogue search, and the transactional outbox whose
// rows the bus relay publishes to JetStream. SQLite is the node's source
// of truth.
package sqlite
