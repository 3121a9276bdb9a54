package httpsig

import "errors"

// The sentinel errors below classify every failure of [Verifier.Verify].
// Test them with errors.Is. A server answers 401 to all of them.
var (
	// ErrMissing reports a request with no signature, or without a header
	// or parameter that the signature covers.
	ErrMissing = errors.New("missing")
	// ErrMalformed reports a signature header, parameter or date that
	// cannot be parsed.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupportedAlg reports an algorithm this package does not accept,
	// or a key of a type it cannot use.
	ErrUnsupportedAlg = errors.New("unsupported algorithm")
	// ErrDigest reports a missing Digest or Content-Digest header on a
	// request with a body, or one that does not match the body.
	ErrDigest = errors.New("digest")
	// ErrNotSigned reports a signature that does not cover a header or
	// component the policy requires.
	ErrNotSigned = errors.New("not signed")
	// ErrExpired reports a signature outside the accepted time window: too
	// old, too far in the future, or past its expires parameter.
	ErrExpired = errors.New("expired")
	// ErrKey reports that the key could not be obtained or does not fit the
	// algorithm.
	ErrKey = errors.New("key")
	// ErrBadSignature reports a signature that does not verify.
	ErrBadSignature = errors.New("bad signature")
)

// Error is the error returned by this package. Kind is one of the sentinel
// errors above; Reason says what failed, in words safe to log. Err is the
// underlying cause, if any, such as the error returned by a [KeyGetter].
type Error struct {
	Kind   error
	Reason string
	Err    error
}

// Error returns "httpsig: <kind>: <reason>[: <cause>]".
func (e *Error) Error() string {
	kind := "error"
	if e.Kind != nil {
		kind = e.Kind.Error()
	}
	s := "httpsig: " + kind + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause, so that errors.Is matches both.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func fail(kind error, reason string) *Error {
	return &Error{Kind: kind, Reason: reason}
}

func failWrap(kind error, reason string, err error) *Error {
	return &Error{Kind: kind, Reason: reason, Err: err}
}
