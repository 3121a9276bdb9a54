package httpsig

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Component is one covered component of an RFC 9421 signature: a derived
// component such as "@method", or a lowercase header field name, with its
// parameters (only name, on "@query-param", is supported).
type Component struct {
	Name   string
	Params []Param
}

// String returns the component identifier as serialized in a signature
// base, e.g. "@query-param";name="Pet".
func (c Component) String() string {
	b, _ := appendComponent(nil, c)
	return string(b)
}

func appendComponent(b []byte, c Component) ([]byte, bool) {
	b, ok := appendBareItem(b, c.Name)
	if !ok {
		return b, false
	}
	return appendParams(b, c.Params)
}

// SignatureInput is one member of a Signature-Input header (RFC 9421
// §4.1): a label, the covered components and the signature parameters.
// Created and Expires are zero when absent.
type SignatureInput struct {
	Label      string
	Components []Component
	// Params holds every signature parameter in the order received; the
	// fields below are the known ones, decoded.
	Params  []Param
	Created time.Time
	Expires time.Time
	KeyID   string
	Alg     string
	Nonce   string
	Tag     string
}

// SignatureParams returns the serialized inner list and parameters: the
// value of the @signature-params line of the signature base, and of the
// Signature-Input member.
func (in *SignatureInput) SignatureParams() string {
	b, _ := in.appendSignatureParams(nil)
	return string(b)
}

func (in *SignatureInput) appendSignatureParams(b []byte) ([]byte, bool) {
	b = append(b, '(')
	for i, c := range in.Components {
		if i > 0 {
			b = append(b, ' ')
		}
		var ok bool
		if b, ok = appendComponent(b, c); !ok {
			return b, false
		}
	}
	b = append(b, ')')
	return appendParams(b, in.Params)
}

// ParseSignatureInput parses a Signature-Input header value, an RFC 8941
// dictionary whose members are inner lists of strings, and returns its
// members in order. Combine several header lines with ", " first.
func ParseSignatureInput(header string) ([]SignatureInput, error) {
	dict, err := parseDictionary(header)
	if err != nil {
		return nil, fail(ErrMalformed, "Signature-Input is not a structured dictionary")
	}
	if len(dict) == 0 {
		return nil, fail(ErrMissing, "empty Signature-Input")
	}
	out := make([]SignatureInput, 0, len(dict))
	for _, e := range dict {
		in, err := signatureInput(e)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

func signatureInput(e sfDictEntry) (SignatureInput, *Error) {
	bad := func(why string) *Error {
		return fail(ErrMalformed, "Signature-Input "+e.key+": "+why)
	}
	if !e.member.inner {
		return SignatureInput{}, bad("not an inner list")
	}
	in := SignatureInput{Label: e.key, Params: e.member.params}
	seen := make(map[string]bool, len(e.member.items))
	for _, it := range e.member.items {
		name, ok := it.value.(string)
		if !ok {
			return SignatureInput{}, bad("component is not a string")
		}
		if name == "" || name != strings.ToLower(name) {
			return SignatureInput{}, bad("component name is not lowercase")
		}
		c := Component{Name: name, Params: it.params}
		id, ok := appendComponent(nil, c)
		if !ok {
			return SignatureInput{}, bad("component cannot be serialized")
		}
		if seen[string(id)] {
			return SignatureInput{}, bad("component " + string(id) + " repeated")
		}
		seen[string(id)] = true
		in.Components = append(in.Components, c)
	}
	for _, p := range in.Params {
		switch p.Key {
		case "created", "expires":
			n, ok := p.Value.(int64)
			if !ok {
				return SignatureInput{}, bad(p.Key + " is not an integer")
			}
			if p.Key == "created" {
				in.Created = time.Unix(n, 0)
			} else {
				in.Expires = time.Unix(n, 0)
			}
		case "keyid", "alg", "nonce", "tag":
			s, ok := p.Value.(string)
			if !ok {
				return SignatureInput{}, bad(p.Key + " is not a string")
			}
			switch p.Key {
			case "keyid":
				in.KeyID = s
			case "alg":
				in.Alg = s
			case "nonce":
				in.Nonce = s
			case "tag":
				in.Tag = s
			}
		}
	}
	if _, ok := in.appendSignatureParams(nil); !ok {
		return SignatureInput{}, bad("parameters cannot be serialized")
	}
	return in, nil
}

// ParseSignature parses an RFC 9421 Signature header value, an RFC 8941
// dictionary of byte sequences, into a map from label to signature bytes.
func ParseSignature(header string) (map[string][]byte, error) {
	dict, err := parseDictionary(header)
	if err != nil {
		return nil, fail(ErrMalformed, "Signature is not a structured dictionary")
	}
	if len(dict) == 0 {
		return nil, fail(ErrMissing, "empty Signature")
	}
	out := make(map[string][]byte, len(dict))
	for _, e := range dict {
		b, ok := e.member.item.([]byte)
		if e.member.inner || !ok {
			return nil, fail(ErrMalformed, "Signature "+e.key+" is not a byte sequence")
		}
		out[e.key] = b
	}
	return out, nil
}

// signatureBase builds the signature base of RFC 9421 §2.5 for m and in.
func signatureBase(m *message, in *SignatureInput) ([]byte, *Error) {
	b := make([]byte, 0, 512)
	for _, c := range in.Components {
		v, err := componentValue(m, c)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fail(ErrMalformed, "component "+c.String()+" contains a line break")
		}
		b, _ = appendComponent(b, c)
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, '\n')
		if len(b) > maxBase {
			return nil, fail(ErrMalformed, "signature base too long")
		}
	}
	b = append(b, `"@signature-params": `...)
	b, ok := in.appendSignatureParams(b)
	if !ok {
		return nil, fail(ErrMalformed, "signature parameters cannot be serialized")
	}
	return b, nil
}

// componentValue returns the value of one covered component.
func componentValue(m *message, c Component) (string, *Error) {
	if c.Name == "@query-param" {
		return queryParam(m, c)
	}
	if len(c.Params) > 0 {
		return "", fail(ErrMalformed, "unsupported component parameter on "+c.String())
	}
	response := m.status != 0
	switch c.Name {
	case "@status":
		if !response {
			return "", fail(ErrMalformed, "@status on a request")
		}
		return m.statusText(), nil
	case "@signature-params":
		return "", fail(ErrMalformed, "@signature-params is covered")
	}
	if strings.HasPrefix(c.Name, "@") {
		if response {
			return "", fail(ErrMalformed, "request component "+c.Name+" on a response")
		}
		switch c.Name {
		case "@method":
			return m.method, nil
		case "@target-uri":
			return m.targetURI(), nil
		case "@authority":
			return m.authority(), nil
		case "@scheme":
			return m.scheme, nil
		case "@request-target":
			return m.requestTarget(), nil
		case "@path":
			return m.path, nil
		case "@query":
			return "?" + m.query, nil
		}
		return "", fail(ErrMalformed, "unknown derived component "+c.Name)
	}
	v, ok := m.headerValue(c.Name)
	if !ok {
		return "", fail(ErrMissing, "covered header "+c.Name+" is absent")
	}
	return v, nil
}

var queryParamEscaper = strings.NewReplacer("+", "%20", "~", "%7E", "%2A", "*")

// queryParam returns the @query-param value of RFC 9421 §2.2.8: the named
// parameter's value, decoded then percent-encoded again. The parameter must
// occur exactly once: repeated parameters would need one line each.
func queryParam(m *message, c Component) (string, *Error) {
	if m.status != 0 {
		return "", fail(ErrMalformed, "@query-param on a response")
	}
	if len(c.Params) != 1 || c.Params[0].Key != "name" {
		return "", fail(ErrMalformed, "@query-param needs exactly a name parameter")
	}
	name, ok := c.Params[0].Value.(string)
	if !ok {
		return "", fail(ErrMalformed, "@query-param name is not a string")
	}
	wantName, err := url.QueryUnescape(name)
	if err != nil {
		return "", fail(ErrMalformed, "@query-param name is not percent-encoded")
	}
	values, ok := m.queryParamValues(wantName)
	if !ok {
		return "", fail(ErrMalformed, "query is not percent-encoded")
	}
	switch len(values) {
	case 0:
		return "", fail(ErrMissing, "covered query parameter "+name+" is absent")
	case 1:
		// Go's QueryEscape differs from the WHATWG form-urlencoded set
		// that RFC 9421 names on three characters.
		return queryParamEscaper.Replace(url.QueryEscape(values[0])), nil
	}
	return "", fail(ErrMalformed, "covered query parameter "+name+" is repeated")
}

// verifyRFC9421 verifies the first usable label of an RFC 9421 signature.
func (v *Verifier) verifyRFC9421(ctx context.Context, m *message, body []byte, keys KeyGetter) (*Result, error) {
	inputs, err := ParseSignatureInput(strings.Join(m.header.Values("Signature-Input"), ", "))
	if err != nil {
		return nil, err
	}
	values := m.header.Values("Signature")
	if len(values) == 0 {
		return nil, fail(ErrMissing, "Signature-Input without Signature")
	}
	sigs, err := ParseSignature(strings.Join(values, ", "))
	if err != nil {
		return nil, err
	}
	var first *Error
	for i := range inputs[:min(len(inputs), maxLabels)] {
		res, check, err := v.prepareRFC9421(m, &inputs[i], sigs, body)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		return withKey(ctx, keys, res, check)
	}
	if first == nil {
		return nil, fail(ErrMissing, "no signature in Signature-Input")
	}
	return nil, first
}

// prepareRFC9421 runs every check on one label except the signature
// itself, and returns the checker for it.
func (v *Verifier) prepareRFC9421(m *message, in *SignatureInput, sigs map[string][]byte, body []byte) (*Result, checker, *Error) {
	sig, ok := sigs[in.Label]
	if !ok {
		return nil, nil, fail(ErrMissing, "no Signature for label "+in.Label)
	}
	if len(in.Components) > maxCovered {
		return nil, nil, fail(ErrMalformed, "too many covered components")
	}
	var algs []string // nil: from the key type
	if in.Alg != "" {
		if !rfc9421Algorithms[in.Alg] {
			return nil, nil, fail(ErrUnsupportedAlg, "alg "+strconv.Quote(in.Alg))
		}
		algs = []string{in.Alg}
	}
	if in.KeyID == "" {
		return nil, nil, fail(ErrMissing, "no keyid in "+in.Label)
	}
	withBody := hasBody(m.method, body)
	if err := checkBodyDigest(m.header, body, withBody, true); err != nil {
		return nil, nil, err
	}
	covers := func(name string) bool {
		for _, c := range in.Components {
			if c.Name == name && len(c.Params) == 0 {
				return true
			}
		}
		return false
	}
	switch {
	case !covers("@method"):
		return nil, nil, fail(ErrNotSigned, "@method is not covered")
	case !covers("@target-uri") && !covers("@request-target") &&
		!(covers("@path") && (!m.hasQuery || covers("@query"))):
		return nil, nil, fail(ErrNotSigned, "the request target is not covered")
	case !covers("@authority") && !covers("host") && !covers("@target-uri"):
		return nil, nil, fail(ErrNotSigned, "the authority is not covered")
	case in.Created.IsZero() && !covers("date"):
		return nil, nil, fail(ErrNotSigned, "neither created nor date is signed")
	case withBody && !covers("content-digest"):
		return nil, nil, fail(ErrNotSigned, "content-digest is not covered on a request with a body")
	}
	created := in.Created
	if created.IsZero() {
		var err *Error
		if created, err = m.dateHeader(); err != nil {
			return nil, nil, err
		}
	}
	base, err := signatureBase(m, in)
	if err != nil {
		return nil, nil, err
	}
	if err := v.checkTime(created, in.Expires); err != nil {
		return nil, nil, err
	}
	res := &Result{
		Scheme:  SchemeRFC9421,
		KeyID:   in.KeyID,
		Label:   in.Label,
		Created: created,
	}
	for _, c := range in.Components {
		res.Covered = append(res.Covered, c.String())
	}
	return res, tryAlgorithms(algs, [][]byte{base}, sig, false), nil
}
