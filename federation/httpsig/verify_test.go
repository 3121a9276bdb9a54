package httpsig

import (
	"context"
	"crypto"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testBody = []byte(`{"type":"Create","actor":"https://fr.example/actor"}`)

// signedPOST returns a POST signed by Sign with testKeys.rsa[0] at t0, as
// a server receives it.
func signedPOST(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	r := MustNewRequest(t, "POST", "https://fr.example/inbox", testBody)
	r.Header.Set("Content-Type", "application/activity+json")
	if err := Sign(r, testBody, testKeys.rsa[0], testKeyID, t0); err != nil {
		t.Fatal(err)
	}
	return MustWire(t, r)
}

// signedGET returns a GET signed by Sign, as a server receives it.
func signedGET(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	r := MustNewRequest(t, "GET", "https://fr.example/users/a?page=1", nil)
	r.Header.Set("Accept", "application/activity+json")
	if err := Sign(r, nil, testKeys.rsa[0], testKeyID, t0); err != nil {
		t.Fatal(err)
	}
	return MustWire(t, r)
}

// signed9421 returns a POST signed by SignRFC9421 with testKeys.ed[0].
func signed9421(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	r := MustNewRequest(t, "POST", "https://fr.example/inbox", testBody)
	if err := SignRFC9421(r, testBody, testKeys.ed[0], testKeyID, t0); err != nil {
		t.Fatal(err)
	}
	return MustWire(t, r)
}

// custom returns a request for method with Date (t0), Digest and
// Content-Digest set but no signature, for mustSignCavage or mustSign9421,
// then sends it through the wire after sign.
func custom(t *testing.T, method string, body []byte, sign func(r *http.Request)) (*http.Request, []byte) {
	t.Helper()
	r := MustNewRequest(t, method, "https://fr.example/inbox?a=b", body)
	r.Header.Set("Date", t0.Format(http.TimeFormat))
	r.Header.Set("Accept", "application/activity+json")
	if body != nil {
		r.Header.Set("Digest", Digest(body))
		r.Header.Set("Content-Digest", ContentDigest(body))
	}
	sign(r)
	return MustWire(t, r)
}

// setParam replaces a parameter of a draft-cavage header.
func setParam(h, name, value string) string {
	i := strings.Index(h, name+`="`)
	if i < 0 {
		return h
	}
	j := strings.IndexByte(h[i+len(name)+2:], '"')
	return h[:i] + name + `="` + value + `"` + h[i+len(name)+2+j+1:]
}

// flip changes one character of a base64 string.
func flip(s string) string {
	c := byte('A')
	if s[10] == 'A' {
		c = 'B'
	}
	return s[:10] + string(c) + s[11:]
}

// TestVerifyRejects is the bad-input table: every request is refused with
// the sentinel error its failure calls for.
func TestVerifyRejects(t *testing.T) {
	mustTestKeys(t)
	rsa0, rsa1, ed0 := testKeys.rsa[0], testKeys.rsa[1], testKeys.ed[0]
	all9421 := []string{"@method", "@target-uri", "@authority", "content-digest"}
	okParams := []Param{{"created", t0.Unix()}, {"keyid", testKeyID}}
	tests := []struct {
		name  string
		req   func(t *testing.T) (*http.Request, []byte)
		keys  *fakeKeys     // default: keysOf(rsa0.Public())
		now   time.Duration // from t0; default 30 s
		setup func(v *Verifier)
		want  error
	}{
		{name: "valid POST", req: signedPOST, want: nil},
		{name: "valid GET", req: signedGET, want: nil},
		{name: "valid rfc9421", req: signed9421, keys: keysOf(ed0.Public()), want: nil},
		{name: "forged signature", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			p, _ := ParseCavage(r.Header.Get("Signature"))
			p.Signature[5] ^= 1
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "signature", encode(p.Signature)))
			return r, b
		}, want: ErrBadSignature},
		{name: "forged rfc9421 signature", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Set("Signature", "sig1=:"+flip(strings.TrimPrefix(r.Header.Get("Signature"), "sig1=:")))
			return r, b
		}, keys: keysOf(ed0.Public()), want: ErrBadSignature},
		{name: "wrong key", req: signedPOST, keys: keysOf(rsa1.Public()), want: ErrBadSignature},
		{name: "wrong key type", req: signedPOST, keys: keysOf(ed0.Public()), want: ErrKey},
		{name: "key fetch fails", req: signedPOST, keys: &fakeKeys{err: []error{errors.New("gone")}}, want: ErrKey},
		{name: "hmac secret as key", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", all9421, okParams)
			})
		}, keys: keysOf([]byte("secret")), want: ErrKey},
		{name: "tampered body", req: func(t *testing.T) (*http.Request, []byte) {
			r, _ := signedPOST(t)
			return r, []byte(`{"type":"Delete"}`)
		}, want: ErrDigest},
		{name: "tampered body rfc9421", req: func(t *testing.T) (*http.Request, []byte) {
			r, _ := signed9421(t)
			return r, []byte(`{"type":"Delete"}`)
		}, keys: keysOf(ed0.Public()), want: ErrDigest},
		{name: "missing digest on POST", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Del("Digest")
			return r, b
		}, want: ErrDigest},
		{name: "missing content-digest on rfc9421 POST", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Del("Content-Digest")
			return r, b
		}, keys: keysOf(ed0.Public()), want: ErrDigest},
		{name: "digest not signed on POST", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSignCavage(t, r, rsa0, "rsa-sha256", AlgRSAPKCS1v15SHA256, []string{"(request-target)", "host", "date"}, 0, 0)
			})
		}, want: ErrNotSigned},
		{name: "content-digest not covered", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", []string{"@method", "@target-uri"}, okParams)
			})
		}, keys: keysOf(ed0.Public()), want: ErrNotSigned},
		{name: "old Date (replay)", req: signedPOST, now: time.Hour + time.Second, want: ErrExpired},
		{name: "Date 59 minutes old", req: signedPOST, now: 59 * time.Minute, want: nil},
		{name: "far-future Date", req: signedPOST, now: -time.Hour - time.Second, want: ErrExpired},
		{name: "Date 59 minutes ahead", req: signedPOST, now: -59 * time.Minute, want: nil},
		{name: "MaxAge raised", req: signedPOST, now: 3 * time.Hour, setup: func(v *Verifier) { v.MaxAge = 12 * time.Hour }, want: nil},
		{name: "old created rfc9421", req: signed9421, keys: keysOf(ed0.Public()), now: 2 * time.Hour, want: ErrExpired},
		{name: "expired expires", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSignCavage(t, r, ed0, "hs2019", AlgEd25519, []string{"(request-target)", "(created)", "(expires)", "host", "digest"}, t0.Unix(), t0.Unix()+10)
			})
		}, keys: keysOf(ed0.Public()), want: ErrExpired},
		{name: "unexpired expires", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSignCavage(t, r, ed0, "hs2019", AlgEd25519, []string{"(request-target)", "(created)", "(expires)", "host", "digest"}, t0.Unix(), t0.Unix()+60)
			})
		}, keys: keysOf(ed0.Public()), want: nil},
		{name: "expired expires rfc9421", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", all9421, append(okParams, Param{"expires", t0.Unix() + 10}))
			})
		}, keys: keysOf(ed0.Public()), want: ErrExpired},
		{name: "unsigned host on GET", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "GET", nil, func(r *http.Request) {
				mustSignCavage(t, r, rsa0, "rsa-sha256", AlgRSAPKCS1v15SHA256, []string{"(request-target)", "date"}, 0, 0)
			})
		}, want: ErrNotSigned},
		{name: "neither date nor (created)", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "GET", nil, func(r *http.Request) {
				mustSignCavage(t, r, rsa0, "rsa-sha256", AlgRSAPKCS1v15SHA256, []string{"(request-target)", "host"}, 0, 0)
			})
		}, want: ErrNotSigned},
		{name: "rfc9421 without @method", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", []string{"@target-uri", "content-digest"}, okParams)
			})
		}, keys: keysOf(ed0.Public()), want: ErrNotSigned},
		{name: "rfc9421 @path without @query", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", []string{"@method", "@path", "@authority", "content-digest"}, okParams)
			})
		}, keys: keysOf(ed0.Public()), want: ErrNotSigned},
		{name: "rfc9421 @path and @query", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", []string{"@method", "@path", "@query", "@authority", "content-digest"}, okParams)
			})
		}, keys: keysOf(ed0.Public()), want: nil},
		{name: "rfc9421 date instead of created", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", append(all9421, "date"), []Param{{"keyid", testKeyID}})
			})
		}, keys: keysOf(ed0.Public()), want: nil},
		{name: "unknown algorithm", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "algorithm", "rsa-md5"))
			return r, b
		}, want: ErrUnsupportedAlg},
		{name: "hmac-sha256 refused", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "algorithm", "hmac-sha256"))
			return r, b
		}, want: ErrUnsupportedAlg},
		{name: "rfc9421 hmac-sha256 refused", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSign9421(t, r, ed0, AlgEd25519, "s", all9421, append(okParams, Param{"alg", "hmac-sha256"}))
			})
		}, keys: keysOf(ed0.Public()), want: ErrUnsupportedAlg},
		{name: "algorithm label does not fit key", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "algorithm", "ed25519"))
			return r, b
		}, want: ErrKey},
		{name: "hs2019 label with RSA", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "algorithm", "hs2019"))
			return r, b
		}, want: nil},
		{name: "rsa-sha512", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSignCavage(t, r, rsa0, "rsa-sha512", AlgRSAPKCS1v15SHA512, []string{"(request-target)", "host", "date", "digest"}, 0, 0)
			})
		}, want: nil},
		{name: "hs2019 with RSASSA-PSS", req: func(t *testing.T) (*http.Request, []byte) {
			return custom(t, "POST", testBody, func(r *http.Request) {
				mustSignCavage(t, r, rsa0, "hs2019", AlgRSAPSSSHA512, []string{"(request-target)", "host", "date", "digest"}, 0, 0)
			})
		}, want: nil},
		{name: "malformed Signature", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Signature", `keyId="a",signature`)
			return r, b
		}, want: ErrMalformed},
		{name: "Signature without signature parameter", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Signature", `keyId="a",headers="date"`)
			return r, b
		}, want: ErrMalformed},
		{name: "signature not base64", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "signature", "!!!"))
			return r, b
		}, want: ErrMalformed},
		{name: "malformed Date", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("Date", "yesterday")
			return r, b
		}, want: ErrMalformed},
		{name: "malformed Signature-Input", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Set("Signature-Input", `sig1=("@method"`)
			return r, b
		}, want: ErrMalformed},
		{name: "Signature not a byte sequence", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Set("Signature", `sig1="abc"`)
			return r, b
		}, want: ErrMalformed},
		{name: "unsupported component parameter", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), `"@authority"`, `"@authority";sf`, 1))
			return r, b
		}, keys: keysOf(ed0.Public()), want: ErrMalformed},
		{name: "no signature", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Del("Signature")
			return r, b
		}, want: ErrMissing},
		{name: "bearer authorization", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedGET(t)
			r.Header.Del("Signature")
			r.Header.Set("Authorization", "Bearer abc")
			return r, b
		}, want: ErrMissing},
		{name: "signed header absent", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedGET(t)
			r.Header.Del("Accept")
			return r, b
		}, want: ErrMissing},
		{name: "no Signature for the label", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "sig1=", "sig2=", 1))
			return r, b
		}, keys: keysOf(ed0.Public()), want: ErrMissing},
		{name: "host changed", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedGET(t)
			r.Host = "evil.example"
			return r, b
		}, want: ErrBadSignature},
		{name: "request target changed", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.RequestURI = "/users/b/inbox"
			return r, b
		}, want: ErrBadSignature},
		{name: "query dropped", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedGET(t)
			r.RequestURI = "/users/a"
			return r, b
		}, want: ErrBadSignature},
		{name: "request target without the query (older Mastodon)", req: func(t *testing.T) (*http.Request, []byte) {
			c := MustNewRequest(t, "GET", "https://fr.example/users/a", nil)
			c.Header.Set("Date", t0.Format(http.TimeFormat))
			mustSignCavage(t, c, rsa0, "rsa-sha256", AlgRSAPKCS1v15SHA256, []string{"(request-target)", "host", "date"}, 0, 0)
			r, b := MustWire(t, c)
			r.RequestURI = "/users/a?page=1"
			return r, b
		}, want: nil},
		{name: "rfc9421 scheme differs", req: signed9421, keys: keysOf(ed0.Public()),
			setup: func(v *Verifier) { v.Scheme = "http" }, want: ErrBadSignature},
		{name: "second label usable", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Set("Signature-Input", `bad=("@method");keyid="x";alg="hmac-sha256", `+r.Header.Get("Signature-Input"))
			r.Header.Set("Signature", `bad=:AAAA:, `+r.Header.Get("Signature"))
			return r, b
		}, keys: keysOf(ed0.Public()), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.req(t)
			keys := tt.keys
			if keys == nil {
				keys = keysOf(rsa0.Public())
			}
			now := tt.now
			if now == 0 {
				now = 30 * time.Second
			}
			v := &Verifier{Now: func() time.Time { return t0.Add(now) }, Scheme: "https"}
			if tt.setup != nil {
				tt.setup(v)
			}
			res, err := v.Verify(r, body, keys)
			t.Logf("Verify(%s) = %v", tt.name, err)
			if got := errorKind(err); got != tt.want {
				t.Fatalf("Verify(%s) = %v, want %v", tt.name, err, tt.want)
			}
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Errorf("Verify(%s) error %T is not an *Error", tt.name, err)
			}
			if (err == nil) != (res != nil) {
				t.Errorf("Verify(%s) = %v, %v: want exactly one of result and error", tt.name, res, err)
			}
		})
	}
}

// TestVerifyRefetch checks the key refetch: one call when the first key
// verifies, exactly one refetch otherwise, none when the failure is not
// about the key.
func TestVerifyRefetch(t *testing.T) {
	mustTestKeys(t)
	good, bad := testKeys.rsa[0].Public(), testKeys.rsa[1].Public()
	edGood, edBad := testKeys.ed[0].Public(), testKeys.ed[1].Public()
	gone := errors.New("gone")
	tests := []struct {
		name      string
		req       func(t *testing.T) (*http.Request, []byte)
		keys      []crypto.PublicKey
		errs      []error
		want      error
		wantCalls []bool
	}{
		{"first key verifies", signedPOST, []crypto.PublicKey{good}, nil, nil, []bool{false}},
		{"rotated key", signedPOST, []crypto.PublicKey{bad, good}, nil, nil, []bool{false, true}},
		{"rotated key rfc9421", signed9421, []crypto.PublicKey{edBad, edGood}, nil, nil, []bool{false, true}},
		{"rotated key type", signedPOST, []crypto.PublicKey{edGood, good}, nil, nil, []bool{false, true}},
		{"both wrong", signedPOST, []crypto.PublicKey{bad, bad}, nil, ErrBadSignature, []bool{false, true}},
		{"both wrong rfc9421", signed9421, []crypto.PublicKey{edBad, edBad}, nil, ErrBadSignature, []bool{false, true}},
		{"refetch fails", signedPOST, []crypto.PublicKey{bad}, []error{nil, gone}, ErrBadSignature, []bool{false, true}},
		{"fetch fails", signedPOST, []crypto.PublicKey{good}, []error{gone}, ErrKey, []bool{false}},
		{"digest fails first", func(t *testing.T) (*http.Request, []byte) {
			r, _ := signedPOST(t)
			return r, nil
		}, []crypto.PublicKey{good}, nil, ErrDigest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.req(t)
			keys := &fakeKeys{keys: tt.keys, err: tt.errs, owner: "https://fr.example/actor"}
			v := &Verifier{Now: func() time.Time { return t0 }, Scheme: "https"}
			res, err := v.Verify(r, body, keys)
			if got := errorKind(err); got != tt.want {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if tt.name == "refetch fails" && !errors.Is(err, gone) {
				t.Errorf("Verify = %v, want it to wrap %v", err, gone)
			}
			if diff := cmp.Diff(tt.wantCalls, keys.calls); diff != "" {
				t.Errorf("GetKey refresh arguments (-want +got):\n%s", diff)
			}
			for _, id := range keys.ids {
				if id != testKeyID {
					t.Errorf("GetKey(%q), want %q", id, testKeyID)
				}
			}
			if err == nil && res.Refreshed != (len(tt.wantCalls) == 2) {
				t.Errorf("Refreshed = %v, want %v", res.Refreshed, len(tt.wantCalls) == 2)
			}
		})
	}
}

// TestVerifierZeroValue checks that a zero Verifier, and a nil one, work
// with the real clock.
func TestVerifierZeroValue(t *testing.T) {
	mustTestKeys(t)
	r := MustNewRequest(t, "GET", "https://fr.example/users/a", nil)
	if err := Sign(r, nil, testKeys.rsa[0], testKeyID, time.Now()); err != nil {
		t.Fatal(err)
	}
	var v Verifier
	if _, err := v.Verify(r, nil, keysOf(testKeys.rsa[0].Public())); err != nil {
		t.Errorf("Verifier{}.Verify = %v", err)
	}
	var nilV *Verifier
	if _, err := nilV.Verify(r, nil, keysOf(testKeys.rsa[0].Public())); err != nil {
		t.Errorf("(*Verifier)(nil).Verify = %v", err)
	}
	if _, err := v.Verify(nil, nil, keysOf()); errorKind(err) != ErrMissing {
		t.Errorf("Verify(nil) = %v, want %v", err, ErrMissing)
	}
	if _, err := v.Verify(r, nil, nil); errorKind(err) != ErrKey {
		t.Errorf("Verify(nil keys) = %v, want %v", err, ErrKey)
	}
	var f KeyGetter = KeyGetterFunc(func(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
		return testKeys.rsa[0].Public(), "owner", nil
	})
	if res, err := v.Verify(r, nil, f); err != nil || res.Owner != "owner" {
		t.Errorf("Verify(KeyGetterFunc) = %+v, %v", res, err)
	}
}

// TestVerifyLimits checks that hostile sizes are refused before much work
// is done.
func TestVerifyLimits(t *testing.T) {
	mustTestKeys(t)
	ed0 := testKeys.ed[0]
	v := &Verifier{Now: func() time.Time { return t0 }, Scheme: "https"}
	tests := []struct {
		name string
		req  func(t *testing.T) (*http.Request, []byte)
		want error
	}{
		{"65 signed headers", func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			headers := "(request-target) host date digest" + strings.Repeat(" date", 61)
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "headers", headers))
			return r, b
		}, ErrMalformed},
		{"signing string over 64 KiB", func(t *testing.T) (*http.Request, []byte) {
			r, b := signedPOST(t)
			r.Header.Set("X-Big", strings.Repeat("x", 40<<10))
			r.Header.Set("Signature", setParam(r.Header.Get("Signature"), "headers", "(request-target) host date digest x-big x-big"))
			return r, b
		}, ErrMalformed},
		{"65 covered components", func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			var extra strings.Builder
			for i := range 61 {
				extra.WriteString(` "x-` + strconv.Itoa(i) + `"`)
			}
			in := strings.Replace(r.Header.Get("Signature-Input"), `"content-digest"`, `"content-digest"`+extra.String(), 1)
			r.Header.Set("Signature-Input", in)
			return r, b
		}, ErrMalformed},
		{"signature base over 64 KiB", func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			r.Header.Set("X-Big", strings.Repeat("x", 70<<10))
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), `"content-digest"`, `"content-digest" "x-big"`, 1))
			return r, b
		}, ErrMalformed},
		{"valid label after 8 others", func(t *testing.T) (*http.Request, []byte) {
			r, b := signed9421(t)
			in, sig := r.Header.Get("Signature-Input"), r.Header.Get("Signature")
			for i := range 8 {
				l := "bad" + strconv.Itoa(i)
				in = l + `=("@method");keyid="x", ` + in
				sig = l + `=:AAAA:, ` + sig
			}
			r.Header.Set("Signature-Input", in)
			r.Header.Set("Signature", sig)
			return r, b
		}, ErrNotSigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.req(t)
			keys := keysOf(testKeys.rsa[0].Public())
			if r.Header.Get("Signature-Input") != "" {
				keys = keysOf(ed0.Public())
			}
			_, err := v.Verify(r, body, keys)
			if got := errorKind(err); got != tt.want {
				t.Errorf("Verify(%s) = %v, want %v", tt.name, err, tt.want)
			}
			if len(keys.calls) != 0 {
				t.Errorf("Verify(%s) fetched the key %d times, want 0", tt.name, len(keys.calls))
			}
		})
	}
}
