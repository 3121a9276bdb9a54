// Package federation is the ActivityPub edge of a node: it turns domain
// events into activities for peers and applies remote activities through
// the node's services. It never imports the SQLite store or NATS directly.
package federation
