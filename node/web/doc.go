// Package web serves the node's HTML user interface: server-rendered pages
// (html/template, embedded), no JavaScript, sessions with CSRF tokens,
// message catalogs in five languages and an accessible stylesheet. It
// talks to the node's feature services and to small interfaces (peers)
// that the composition root wires; it never reaches federation, NATS or
// the store directly.
package web
