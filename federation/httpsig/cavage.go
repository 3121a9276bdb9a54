package httpsig

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// CavageParams holds the parameters of a draft-cavage-12 signature, from a
// Signature header or an "Authorization: Signature" header.
type CavageParams struct {
	KeyID string
	// Algorithm is the algorithm label, lowercased; empty when absent.
	Algorithm string
	// Headers lists the signed headers, lowercased, in order. It is
	// ["date"] when the headers parameter is absent, as in draft-cavage
	// up to version 10 and in Mastodon.
	Headers []string
	// Signature is the decoded signature.
	Signature []byte
	// Created and Expires are zero when absent.
	Created time.Time
	Expires time.Time

	createdText, expiresText string // as sent, for the signing string
}

// ParseCavage parses the value of a draft-cavage Signature header, or of an
// Authorization header with the Signature scheme (the leading "Signature "
// is then skipped). keyId and signature are required; parameter names are
// matched without regard to case; unknown parameters are ignored; a
// repeated parameter is an error.
func ParseCavage(header string) (*CavageParams, error) {
	s := strings.Trim(header, " \t")
	if len(s) > len("signature ") && strings.EqualFold(s[:len("signature")], "signature") &&
		(s[len("signature")] == ' ' || s[len("signature")] == '\t') {
		s = strings.TrimLeft(s[len("signature"):], " \t")
	}
	bad := func(why string) (*CavageParams, error) {
		return nil, fail(ErrMalformed, "signature header: "+why)
	}
	p := &CavageParams{}
	seen := make(map[string]bool, 6)
	i := 0
	skip := func(set string) {
		for i < len(s) && strings.IndexByte(set, s[i]) >= 0 {
			i++
		}
	}
	for {
		skip(" \t")
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && isTChar(s[i]) {
			i++
		}
		if i == start {
			return bad("expected a parameter name")
		}
		name := strings.ToLower(s[start:i])
		skip(" \t")
		if i == len(s) || s[i] != '=' {
			return bad("expected = after " + name)
		}
		i++
		skip(" \t")
		var value string
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				i++
				if c == '"' {
					closed = true
					break
				}
				if c == '\\' {
					if i == len(s) {
						break
					}
					c = s[i]
					i++
				}
				if c < 0x20 && c != '\t' || c == 0x7f {
					return bad("control character in " + name)
				}
				b.WriteByte(c)
			}
			if !closed {
				return bad("unterminated quoted string in " + name)
			}
			value = b.String()
		} else {
			start := i
			for i < len(s) && (isTChar(s[i]) || s[i] == '/') {
				i++
			}
			value = s[start:i]
		}
		if seen[name] {
			return bad("repeated parameter " + name)
		}
		seen[name] = true
		switch name {
		case "keyid":
			p.KeyID = value
		case "algorithm":
			p.Algorithm = strings.ToLower(value)
		case "headers":
			p.Headers = strings.Fields(strings.ToLower(value))
			if len(p.Headers) == 0 {
				return bad("empty headers")
			}
		case "signature":
			sig, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				sig, err = base64.RawStdEncoding.DecodeString(value)
			}
			if err != nil || len(sig) == 0 {
				return bad("signature is not base64")
			}
			p.Signature = sig
		case "created":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 || value[0] == '+' {
				return bad("created is not an integer")
			}
			p.Created, p.createdText = time.Unix(n, 0), value
		case "expires":
			t, ok := parseUnixDecimal(value)
			if !ok {
				return bad("expires is not a number")
			}
			p.Expires, p.expiresText = t, value
		}
		skip(" \t")
		if i == len(s) {
			break
		}
		if s[i] != ',' {
			return bad("expected , after " + name)
		}
		i++
	}
	if p.KeyID == "" {
		return bad("missing keyId")
	}
	if p.Signature == nil {
		return bad("missing signature")
	}
	if p.Headers == nil {
		p.Headers = []string{"date"}
	}
	return p, nil
}

// parseUnixDecimal parses seconds since the epoch, with an optional
// fraction of up to 9 digits.
func parseUnixDecimal(s string) (time.Time, bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (frac == "" || len(frac) > 9)) {
		return time.Time{}, false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if !isDigit(part[i]) {
				return time.Time{}, false
			}
		}
	}
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var nsec int64
	if hasFrac {
		n, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		nsec = n
	}
	return time.Unix(sec, nsec), true
}

// signs reports whether the signature covers header h.
func (p *CavageParams) signs(h string) bool {
	for _, x := range p.Headers {
		if x == h {
			return true
		}
	}
	return false
}

// signingString builds the draft-cavage §2.3 signing string for m, with
// target as the (request-target) path and query.
func (p *CavageParams) signingString(m *message, target string) (string, *Error) {
	var b strings.Builder
	for i, h := range p.Headers {
		if i > 0 {
			b.WriteByte('\n')
		}
		var v string
		switch h {
		case "(request-target)":
			v = strings.ToLower(m.method) + " " + target
		case "(created)", "(expires)":
			// Draft-12 §2.3: these cannot be used with algorithms that
			// name their hash, because such signers predate them.
			if a := p.Algorithm; strings.HasPrefix(a, "rsa") || strings.HasPrefix(a, "hmac") || strings.HasPrefix(a, "ecdsa") {
				return "", fail(ErrMalformed, h+" is not allowed with algorithm "+a)
			}
			v = p.createdText
			if h == "(expires)" {
				v = p.expiresText
			}
			if v == "" {
				return "", fail(ErrMissing, h+" is signed but its parameter is absent")
			}
		default:
			if strings.HasPrefix(h, "(") {
				return "", fail(ErrMalformed, "unknown pseudo-header "+h)
			}
			var ok bool
			v, ok = m.headerValue(h)
			if !ok {
				return "", fail(ErrMissing, "signed header "+h+" is absent")
			}
			if strings.ContainsAny(v, "\r\n") {
				return "", fail(ErrMalformed, "header "+h+" contains a line break")
			}
		}
		b.WriteString(h)
		b.WriteString(": ")
		b.WriteString(v)
		if b.Len() > maxBase {
			return "", fail(ErrMalformed, "signing string too long")
		}
	}
	return b.String(), nil
}

// verifyCavage verifies a draft-cavage signature header.
func (v *Verifier) verifyCavage(ctx context.Context, m *message, header string, body []byte, keys KeyGetter) (*Result, error) {
	p, err := ParseCavage(header)
	if err != nil {
		return nil, err
	}
	if len(p.Headers) > maxCovered {
		return nil, fail(ErrMalformed, "too many signed headers")
	}
	var algs []string // nil: from the key type
	if p.Algorithm != "" && p.Algorithm != "hs2019" {
		var ok bool
		if algs, ok = cavageAlgorithms[p.Algorithm]; !ok {
			return nil, fail(ErrUnsupportedAlg, "algorithm "+strconv.Quote(p.Algorithm))
		}
	}
	withBody := hasBody(m.method, body)
	if err := checkBodyDigest(m.header, body, withBody, false); err != nil {
		return nil, err
	}
	// Mastodon's rules.
	switch {
	case !p.signs("date") && !p.signs("(created)"):
		return nil, fail(ErrNotSigned, "neither date nor (created) is signed")
	case !p.signs("digest") && !p.signs("(request-target)"):
		return nil, fail(ErrNotSigned, "neither digest nor (request-target) is signed")
	case withBody && !p.signs("digest"):
		return nil, fail(ErrNotSigned, "digest is not signed on a request with a body")
	case !withBody && !p.signs("host"):
		return nil, fail(ErrNotSigned, "host is not signed on a request without a body")
	}
	var created, expires time.Time
	if p.signs("(created)") && !p.Created.IsZero() {
		created = p.Created
	} else if p.signs("date") {
		var derr *Error
		if created, derr = m.dateHeader(); derr != nil {
			return nil, derr
		}
	} else {
		return nil, fail(ErrMissing, "(created) is signed but its parameter is absent")
	}
	if p.signs("(expires)") {
		expires = p.Expires
	}
	// Build the signing strings before the time check, so that a malformed
	// signature is reported as such whatever its age.
	s, serr := p.signingString(m, m.requestTarget())
	if serr != nil {
		return nil, serr
	}
	msgs := [][]byte{[]byte(s)}
	if m.hasQuery && p.signs("(request-target)") {
		if alt, err := p.signingString(m, m.path); err == nil {
			msgs = append(msgs, []byte(alt))
		}
	}
	if err := v.checkTime(created, expires); err != nil {
		return nil, err
	}
	res := &Result{
		Scheme:  SchemeCavage,
		KeyID:   p.KeyID,
		Covered: p.Headers,
		Created: created,
	}
	return withKey(ctx, keys, res, tryAlgorithms(algs, msgs, p.Signature, true))
}
