package httpsig

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"strings"
)

// Digest returns the value of a Digest header (RFC 3230) for body:
// "SHA-256=" followed by the base64 of the body's SHA-256. This is the form
// Mastodon sends and accepts.
func Digest(body []byte) string {
	h := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(h[:])
}

// ContentDigest returns the value of a Content-Digest header (RFC 9530) for
// body: "sha-256=:" followed by the base64 of the body's SHA-256 and ":".
func ContentDigest(body []byte) string {
	h := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(h[:]) + ":"
}

// digestOf returns the digest of body for a lowercased algorithm name, or
// nil for an algorithm this package does not check.
func digestOf(alg string, body []byte) []byte {
	switch alg {
	case "sha-256":
		h := sha256.Sum256(body)
		return h[:]
	case "sha-512":
		h := sha512.Sum512(body)
		return h[:]
	}
	return nil
}

// checkDigest checks the Digest header: a comma-separated list of
// algorithm=base64 pairs. SHA-256 and SHA-512 are checked; other
// algorithms are ignored, but at least one checked digest must be present,
// and every checked one must match.
func checkDigest(values []string, body []byte) *Error {
	checked := 0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			alg, b64, ok := strings.Cut(part, "=")
			if !ok {
				return fail(ErrDigest, "malformed Digest header")
			}
			want := digestOf(strings.ToLower(strings.TrimSpace(alg)), body)
			if want == nil {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
			if err != nil {
				return fail(ErrDigest, "malformed Digest header")
			}
			if !bytes.Equal(got, want) {
				return fail(ErrDigest, "Digest does not match the body")
			}
			checked++
		}
	}
	if checked == 0 {
		return fail(ErrDigest, "no SHA-256 or SHA-512 Digest")
	}
	return nil
}

// checkContentDigest checks the Content-Digest header (RFC 9530), a
// structured dictionary of byte sequences, with the same rules as
// checkDigest for sha-256 and sha-512.
func checkContentDigest(values []string, body []byte) *Error {
	dict, err := parseDictionary(strings.Join(values, ", "))
	if err != nil {
		return fail(ErrDigest, "malformed Content-Digest header")
	}
	checked := 0
	for _, e := range dict {
		want := digestOf(e.key, body)
		if want == nil {
			continue
		}
		got, ok := e.member.item.([]byte)
		if e.member.inner || !ok {
			return fail(ErrDigest, "malformed Content-Digest header")
		}
		if !bytes.Equal(got, want) {
			return fail(ErrDigest, "Content-Digest does not match the body")
		}
		checked++
	}
	if checked == 0 {
		return fail(ErrDigest, "no sha-256 or sha-512 Content-Digest")
	}
	return nil
}

// checkBodyDigest checks the digest header that the scheme uses (Digest for
// draft-cavage, Content-Digest for RFC 9421). On a request with a body the
// header must be present; without a body it is checked only if present.
func checkBodyDigest(h http.Header, body []byte, hasBody, rfc9421 bool) *Error {
	name, check := "Digest", checkDigest
	if rfc9421 {
		name, check = "Content-Digest", checkContentDigest
	}
	values := h.Values(name)
	if len(values) == 0 {
		if hasBody {
			return fail(ErrDigest, "missing "+name+" header on a request with a body")
		}
		return nil
	}
	return check(values, body)
}
