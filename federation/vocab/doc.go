// Package vocab reads and writes the ActivityStreams 2.0 documents that
// etoiles nodes exchange. It wraps go-ap/activitypub and closes its gaps.
package vocab
