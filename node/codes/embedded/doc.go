// Package embedded ships the EU code lists (CPV 2008, NUTS 2024 and the
// countries, CC BY 4.0, Publications Office of the European Union) inside
// the binary, gzipped, and loads them into the node's store once: a fresh
// node has labels without importing anything. The compressed files are
// made by `go generate` from the shared test data (see gen.go and NOTICE).
package embedded
