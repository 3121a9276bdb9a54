// Package integration runs real etoiles nodes in Docker containers on a
// private network (dockertest): the whole network scenario and the faults
// a network of small co-ops meets. Its tests skip only when no Docker
// engine answers, and fail instead under CI=true. The harness arrives with
// the Docker integration issue; this package holds its place.
package integration
