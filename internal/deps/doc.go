// Package deps holds the test that enforces the import directions of
// DESIGN.md §3: the domain core imports no transport, feature packages
// import only the core, federation leaves import only the standard
// library and go-ap, federation never reaches the SQLite store or NATS,
// and nothing imports cmd.
package deps
