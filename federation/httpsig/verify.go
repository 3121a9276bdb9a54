package httpsig

import (
	"context"
	"crypto"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// KeyGetter returns the public key that keyID names and the actor that owns
// it. The caller fetches and caches remote keys. refresh is set when a
// signature failed to verify with the key returned before: the getter
// should then bypass its cache, in case the peer rotated its key.
type KeyGetter interface {
	GetKey(ctx context.Context, keyID string, refresh bool) (key crypto.PublicKey, owner string, err error)
}

// KeyGetterFunc adapts a function to [KeyGetter].
type KeyGetterFunc func(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error)

// GetKey calls f.
func (f KeyGetterFunc) GetKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	return f(ctx, keyID, refresh)
}

// Scheme names a signature scheme.
type Scheme string

// The signature schemes [Verifier.Verify] accepts.
const (
	SchemeCavage  Scheme = "draft-cavage"
	SchemeRFC9421 Scheme = "rfc9421"
)

// Result describes a verified signature.
type Result struct {
	Scheme Scheme
	KeyID  string
	// Owner is the actor that owns the key, as the KeyGetter said. The
	// caller checks that it is the actor of the activity.
	Owner string
	// Algorithm is the algorithm that verified, named as in RFC 9421
	// (e.g. "rsa-v1_5-sha256" for draft-cavage's rsa-sha256 and for RSA
	// keys under hs2019).
	Algorithm string
	// Label is the RFC 9421 signature label; empty for draft-cavage.
	Label string
	// Covered lists the signed headers (draft-cavage) or the serialized
	// component identifiers (RFC 9421).
	Covered []string
	// Created is the signing time that the window was checked against:
	// the created parameter or the Date header.
	Created time.Time
	// Refreshed is set when the key was fetched again with refresh.
	Refreshed bool
}

// Defaults of [Verifier].
const (
	// DefaultMaxAge is how old a signature may be. Mastodon, which signs
	// at each delivery attempt, accepts a Date up to 5 min + 1 h old
	// unless an expires parameter says more (capped at 12 h); honk
	// accepts 30 min. Nobody we know sends expires, so one hour covers
	// every sender and keeps the replay window short.
	DefaultMaxAge = time.Hour
	// DefaultSkew is how far in the future a signature may be dated, as
	// in Mastodon.
	DefaultSkew = time.Hour
)

// Limits on what Verify processes, so that a hostile header cannot make it
// work hard. Real signatures stay far below them.
const (
	maxCovered = 64       // signed headers or covered components
	maxLabels  = 8        // RFC 9421 labels considered, the first ones
	maxBase    = 64 << 10 // bytes in a signing string or signature base
)

// Verifier verifies the HTTP signatures of inbound requests. The zero value
// is ready to use, with the defaults documented on each field.
type Verifier struct {
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// MaxAge is how old the signing time (the created parameter or the
	// Date header) may be. Default: DefaultMaxAge.
	MaxAge time.Duration
	// Skew is how far in the future the signing time may be. Default:
	// DefaultSkew. An expires parameter, when signed, must not have
	// passed; no skew applies to it.
	Skew time.Duration
	// Scheme is the scheme of the URL the peer sent the request to,
	// "https" or "http", used by the RFC 9421 components @scheme and
	// @target-uri. Default: r.URL.Scheme if set, else "https" when the
	// request came over TLS, else "http". Set it to "https" behind a
	// reverse proxy that terminates TLS.
	Scheme string
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify verifies the signature of r, an inbound request, whose body the
// caller has read into body (nil for none). The checks and their order are
// described in the package documentation. keys is called once, and once
// more with refresh set if the signature does not verify with the first
// key. An RFC 9421 signature (a Signature-Input header) is preferred over
// a draft-cavage one; among several RFC 9421 labels, the first that passes
// every check but the signature itself is verified, and the others are
// ignored. The context of r is passed to keys.
//
// A draft-cavage (request-target) is first checked with the path and query;
// if that fails and there is a query, it is checked with the path alone,
// which older Mastodon versions sign.
//
// Every error is an [*Error]; callers answer 401 to all of them.
func (v *Verifier) Verify(r *http.Request, body []byte, keys KeyGetter) (*Result, error) {
	if v == nil {
		v = &Verifier{}
	}
	if r == nil {
		return nil, fail(ErrMissing, "no request")
	}
	if keys == nil {
		return nil, fail(ErrKey, "no key getter")
	}
	m := requestMessage(r, v.Scheme)
	ctx := r.Context()
	if len(r.Header.Values("Signature-Input")) > 0 {
		return v.verifyRFC9421(ctx, m, body, keys)
	}
	if s := r.Header.Get("Signature"); s != "" {
		return v.verifyCavage(ctx, m, s, body, keys)
	}
	if a := r.Header.Get("Authorization"); len(a) > len("signature ") && strings.EqualFold(a[:len("signature ")], "signature ") {
		return v.verifyCavage(ctx, m, a, body, keys)
	}
	return nil, fail(ErrMissing, "no Signature, Signature-Input or Authorization: Signature header")
}

// checkTime applies the time window to the signing time and expiry.
func (v *Verifier) checkTime(created, expires time.Time) *Error {
	maxAge, skew := v.MaxAge, v.Skew
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if skew <= 0 {
		skew = DefaultSkew
	}
	now := v.now()
	if created.After(now.Add(skew)) {
		return fail(ErrExpired, fmt.Sprintf("signed %s in the future", created.Sub(now).Round(time.Second)))
	}
	if age := now.Sub(created); age > maxAge {
		return fail(ErrExpired, fmt.Sprintf("signed %s ago", age.Round(time.Second)))
	}
	if !expires.IsZero() && now.After(expires) {
		return fail(ErrExpired, "past its expires parameter")
	}
	return nil
}

// dateHeader returns the parsed Date header.
func (m *message) dateHeader() (time.Time, *Error) {
	s, ok := m.headerValue("date")
	if !ok {
		return time.Time{}, fail(ErrMissing, "signed date header is absent")
	}
	t, err := http.ParseTime(s)
	if err != nil {
		return time.Time{}, fail(ErrMalformed, "Date header is not an HTTP date")
	}
	return t, nil
}

// checker verifies the signature with a public key and returns the
// algorithm that verified.
type checker func(pub crypto.PublicKey) (string, *Error)

// tryAlgorithms returns a checker that tries each algorithm (or those that
// fit the key when algs is nil) on each message.
func tryAlgorithms(algs []string, msgs [][]byte, sig []byte, der bool) checker {
	return func(pub crypto.PublicKey) (string, *Error) {
		candidates := algs
		if candidates == nil {
			candidates = algorithmsForKey(pub)
			if len(candidates) == 0 {
				return "", fail(ErrKey, fmt.Sprintf("key type %T is not supported", pub))
			}
		}
		var first *Error
		for _, a := range candidates {
			for _, msg := range msgs {
				err := verifySignature(a, pub, msg, sig, der)
				if err == nil {
					return a, nil
				}
				if first == nil || first.Kind == ErrKey && err.Kind == ErrBadSignature {
					first = err
				}
			}
		}
		return "", first
	}
}

// withKey fetches the key, checks the signature, and on failure fetches
// the key once more with refresh and checks again. It fills res.
func withKey(ctx context.Context, keys KeyGetter, res *Result, check checker) (*Result, error) {
	pub, owner, err := keys.GetKey(ctx, res.KeyID, false)
	if err != nil {
		return nil, failWrap(ErrKey, "get key "+res.KeyID, err)
	}
	var alg string
	var cerr *Error
	if pub == nil {
		cerr = fail(ErrKey, "no key for "+res.KeyID)
	} else {
		alg, cerr = check(pub)
	}
	if cerr != nil {
		if cerr.Kind != ErrBadSignature && cerr.Kind != ErrKey {
			return nil, cerr
		}
		pub, owner, err = keys.GetKey(ctx, res.KeyID, true)
		res.Refreshed = true
		if err != nil {
			return nil, failWrap(cerr.Kind, cerr.Reason+"; refetching the key failed", err)
		}
		if pub == nil {
			return nil, fail(ErrKey, "no key for "+res.KeyID)
		}
		if alg, cerr = check(pub); cerr != nil {
			return nil, cerr
		}
	}
	res.Owner, res.Algorithm = owner, alg
	return res, nil
}
