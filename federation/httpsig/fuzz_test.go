package httpsig

import (
	"bufio"
	"context"
	"crypto"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The seeds come from the shared vectors, read where they are, plus a few
// written here. No corpus is kept in testdata/fuzz.

func cavageSeeds(f *testing.F) []cavageVector {
	var out []cavageVector
	for _, name := range []string{"c1-default.json", "c2-basic.json", "c3-all-headers.json"} {
		var v cavageVector
		MustReadJSON(f, &v, "httpsig", "cavage", name)
		out = append(out, v)
	}
	return out
}

func rfc9421Seeds(f *testing.F) []rfc9421Vector {
	var out []rfc9421Vector
	for _, name := range []string{"b21.json", "b22.json", "b23.json", "b24.json", "b25.json", "b26.json"} {
		var v rfc9421Vector
		MustReadJSON(f, &v, "httpsig", "rfc9421", name)
		out = append(out, v)
	}
	return out
}

// fuzzMessage is a request message for the parsers' fuzz targets.
var fuzzMessage = &message{
	method: "POST", scheme: "https", host: "example.com", path: "/foo",
	query: "param=Value&Pet=dog", hasQuery: true,
	header: http.Header{"Date": {"Tue, 20 Apr 2021 02:07:55 GMT"}, "Content-Type": {"application/json"}},
}

func FuzzParseCavage(f *testing.F) {
	for _, v := range cavageSeeds(f) {
		f.Add(v.SignatureHeader)
		f.Add(v.AuthorizationHeader)
		f.Add(v.PrintedHeader)
	}
	f.Add(`keyId="k",algorithm="hs2019",created=1,expires=2.5,headers="(created) (expires)",signature="AA=="`)
	f.Add(`keyId="a\"b",signature=AA==`)
	f.Fuzz(func(t *testing.T, header string) {
		p, err := ParseCavage(header)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseCavage error %v is not an *Error of kind ErrMalformed", err)
			}
			return
		}
		if p.KeyID == "" || len(p.Signature) == 0 || len(p.Headers) == 0 {
			t.Fatalf("ParseCavage(%q) = %+v: missing keyId, signature or headers", header, p)
		}
		for _, h := range p.Headers {
			if h == "" || h != strings.ToLower(h) {
				t.Fatalf("ParseCavage(%q): header %q", header, h)
			}
		}
		s, serr := p.signingString(fuzzMessage, fuzzMessage.requestTarget())
		if serr == nil && strings.Count(s, "\n") != len(p.Headers)-1 {
			t.Fatalf("signing string %q has the wrong number of lines for %v", s, p.Headers)
		}
	})
}

func FuzzParseSignatureInput(f *testing.F) {
	for _, v := range rfc9421Seeds(f) {
		f.Add(v.SignatureInput)
		f.Add(v.Signature)
	}
	f.Add(`sig1=("@method" "@query-param";name="a b");created=1;x=?0;y=1.5;z=tok;w=:AA==:, sig2=()`)
	f.Add(`a=( "x"  "y" );expires=5 ,b=("z"),a=("w");bs`)
	f.Fuzz(func(t *testing.T, header string) {
		if sigs, err := ParseSignature(header); err == nil && len(sigs) == 0 {
			t.Fatalf("ParseSignature(%q) = empty map, no error", header)
		}
		inputs, err := ParseSignatureInput(header)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseSignatureInput error %v is not an *Error", err)
			}
			return
		}
		// Serializing and parsing again gives the same inputs.
		parts := make([]string, len(inputs))
		for i := range inputs {
			parts[i] = inputs[i].Label + "=" + inputs[i].SignatureParams()
		}
		again, err := ParseSignatureInput(strings.Join(parts, ", "))
		if err != nil {
			t.Fatalf("ParseSignatureInput(%q) = %v after serializing %q", strings.Join(parts, ", "), err, header)
		}
		for i := range again {
			if a, b := again[i].SignatureParams(), inputs[i].SignatureParams(); a != b || again[i].Label != inputs[i].Label {
				t.Fatalf("round trip of %q: %s=%s, want %s=%s", header, again[i].Label, a, inputs[i].Label, b)
			}
		}
		for i := range inputs {
			base, berr := signatureBase(fuzzMessage, &inputs[i])
			if berr == nil && !strings.HasSuffix(string(base), `"@signature-params": `+inputs[i].SignatureParams()) {
				t.Fatalf("signature base %q does not end with the parameters", base)
			}
		}
	})
}

// fuzzKeys returns the vectors' public keys by key id.
func fuzzKeys(f *testing.F) KeyGetter {
	keys := map[string]crypto.PublicKey{
		"Test":              MustPublicKey(f, "httpsig", "cavage", "test-key-rsa.pub.pem"),
		"test-key-rsa":      MustPublicKey(f, "httpsig", "rfc9421", "test-key-rsa.pub.pem"),
		"test-key-rsa-pss":  MustPublicKey(f, "httpsig", "rfc9421", "test-key-rsa-pss.pub.pem"),
		"test-key-ecc-p256": MustPublicKey(f, "httpsig", "rfc9421", "test-key-ecc-p256.pub.pem"),
		"test-key-ed25519":  MustPublicKey(f, "httpsig", "rfc9421", "test-key-ed25519.pub.pem"),
	}
	return KeyGetterFunc(func(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
		k, ok := keys[keyID]
		if !ok {
			return nil, "", errors.New("unknown key")
		}
		return k, "https://example.com/actor", nil
	})
}

// withHeaders inserts header lines into a raw request.
func withHeaders(raw string, lines ...string) string {
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	return head + "\r\n" + strings.Join(lines, "\r\n") + "\r\n\r\n" + body
}

func FuzzVerify(f *testing.F) {
	for _, v := range cavageSeeds(f) {
		f.Add(withHeaders(v.Request, "Signature: "+v.SignatureHeader))
		f.Add(withHeaders(v.Request, "Authorization: "+v.AuthorizationHeader))
	}
	for _, v := range rfc9421Seeds(f) {
		if v.MessageType == "request" {
			f.Add(withHeaders(v.Request, "Signature-Input: "+v.SignatureInput, "Signature: "+v.Signature))
		}
	}
	keys := fuzzKeys(f)
	// The vectors date from 2014 and 2021: accept both.
	v := &Verifier{
		Now:    func() time.Time { return time.Date(2021, 4, 20, 2, 8, 0, 0, time.UTC) },
		MaxAge: 10 * 365 * 24 * time.Hour,
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			return
		}
		res, err := v.Verify(r, body, keys)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || res != nil {
				t.Fatalf("Verify = %v, %v: want a nil result and an *Error", res, err)
			}
			return
		}
		if res == nil || res.Owner != "https://example.com/actor" || res.Algorithm == "" {
			t.Fatalf("Verify = %+v, nil", res)
		}
	})
}
