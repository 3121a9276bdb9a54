// Package integration runs real etoiles nodes in Docker containers on a
// private network (dockertest): the network scenarios and the faults a
// network of small co-ops meets.
//
// The tests build the FROM scratch images of the repository's Dockerfile
// and Dockerfile.nats from freshly built static binaries, once per go test
// run, and reuse an image whose tag already holds the same binary. Each
// test gets its own Docker network, volumes and containers, labelled
// io.etoiles.integration=<run id> and removed when the test ends, failed
// or not.
//
// The tests skip only when no Docker engine answers; under CI=true a
// missing engine is a failure. See README.md for what they cover and what
// comes next.
package integration
