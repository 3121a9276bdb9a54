// Package node defines the co-op network's domain: member co-ops, their
// competences, opportunities and the events they raise. It imports no
// transport and nothing else from this module.
package node
