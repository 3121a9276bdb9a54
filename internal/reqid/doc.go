// Package reqid gives every HTTP request an id: it is sent back in the
// X-Request-Id header, written in every log line about the request, and
// shown on the error page of a server error, so an admin can find in the
// log what a person saw.
package reqid
