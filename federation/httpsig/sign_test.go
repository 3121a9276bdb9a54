package httpsig

import (
	"crypto"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const testKeyID = "https://fr.example/actor#main-key"

// TestSignVerify signs requests with Sign and SignRFC9421, checks the
// headers they set, and verifies them both as built by the client and as
// parsed by a server.
func TestSignVerify(t *testing.T) {
	mustTestKeys(t)
	activity := []byte(`{"type":"Create","actor":"https://fr.example/actor"}`)
	tests := []struct {
		name    string
		method  string
		url     string
		body    []byte
		header  map[string]string
		rfc9421 bool
		key     crypto.Signer
		// want
		alg       string
		covered   []string
		sigHeader string // regexp for Signature (cavage) or Signature-Input
	}{
		{
			name: "cavage GET", method: "GET", url: "https://fr.example/users/a/outbox?page=2",
			header: map[string]string{"Accept": "application/activity+json"},
			key:    testKeys.rsa[0], alg: AlgRSAPKCS1v15SHA256,
			covered:   []string{"(request-target)", "host", "date", "accept"},
			sigHeader: `^keyId="https://fr\.example/actor#main-key",algorithm="rsa-sha256",headers="\(request-target\) host date accept",signature="[A-Za-z0-9+/]{342}=="$`,
		},
		{
			name: "cavage GET without accept", method: "GET", url: "https://fr.example/users/a",
			key: testKeys.rsa[0], alg: AlgRSAPKCS1v15SHA256,
			covered:   []string{"(request-target)", "host", "date"},
			sigHeader: `headers="\(request-target\) host date",`,
		},
		{
			name: "cavage POST", method: "POST", url: "https://fr.example/inbox", body: activity,
			header: map[string]string{"Content-Type": "application/activity+json"},
			key:    testKeys.rsa[0], alg: AlgRSAPKCS1v15SHA256,
			covered:   []string{"(request-target)", "host", "date", "digest", "content-type"},
			sigHeader: `^keyId="[^"]+",algorithm="rsa-sha256",headers="\(request-target\) host date digest content-type",signature="[^"]+"$`,
		},
		{
			name: "cavage POST with port", method: "POST", url: "https://fr.example:8443/inbox", body: activity,
			key: testKeys.rsa[0], alg: AlgRSAPKCS1v15SHA256,
			covered:   []string{"(request-target)", "host", "date", "digest"},
			sigHeader: `headers="\(request-target\) host date digest",`,
		},
		{
			name: "cavage POST ed25519", method: "POST", url: "https://fr.example/inbox", body: activity,
			key: testKeys.ed[0], alg: AlgEd25519,
			covered:   []string{"(request-target)", "host", "date", "digest"},
			sigHeader: `algorithm="hs2019"`,
		},
		{
			name: "cavage GET ecdsa", method: "GET", url: "https://fr.example/users/a",
			key: testKeys.ecdsa, alg: AlgECDSAP256SHA256,
			covered:   []string{"(request-target)", "host", "date"},
			sigHeader: `algorithm="hs2019"`,
		},
		{
			name: "rfc9421 POST rsa", method: "POST", url: "https://fr.example/inbox?x=1", body: activity, rfc9421: true,
			key: testKeys.rsa[0], alg: AlgRSAPKCS1v15SHA256,
			covered:   []string{`"@method"`, `"@target-uri"`, `"@authority"`, `"content-digest"`},
			sigHeader: `^sig1=\("@method" "@target-uri" "@authority" "content-digest"\);created=1772366400;keyid="https://fr\.example/actor#main-key";alg="rsa-v1_5-sha256"$`,
		},
		{
			name: "rfc9421 POST ed25519", method: "POST", url: "https://fr.example/inbox", body: activity, rfc9421: true,
			key: testKeys.ed[0], alg: AlgEd25519,
			covered:   []string{`"@method"`, `"@target-uri"`, `"@authority"`, `"content-digest"`},
			sigHeader: `;alg="ed25519"$`,
		},
		{
			name: "rfc9421 GET ed25519", method: "GET", url: "https://FR.example:443/users/a", rfc9421: true,
			key: testKeys.ed[0], alg: AlgEd25519,
			covered:   []string{`"@method"`, `"@target-uri"`, `"@authority"`},
			sigHeader: `^sig1=\("@method" "@target-uri" "@authority"\);`,
		},
		{
			name: "rfc9421 POST ecdsa", method: "POST", url: "https://fr.example/inbox", body: activity, rfc9421: true,
			key: testKeys.ecdsa, alg: AlgECDSAP256SHA256,
			covered:   []string{`"@method"`, `"@target-uri"`, `"@authority"`, `"content-digest"`},
			sigHeader: `;alg="ecdsa-p256-sha256"$`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustNewRequest(t, tt.method, tt.url, tt.body)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			sign, name := Sign, "Signature"
			if tt.rfc9421 {
				sign, name = SignRFC9421, "Signature-Input"
			}
			if err := sign(r, tt.body, tt.key, testKeyID, t0); err != nil {
				t.Fatalf("sign: %v", err)
			}
			if got := r.Header.Get(name); !regexp.MustCompile(tt.sigHeader).MatchString(got) {
				t.Errorf("%s = %s, want match for %s", name, got, tt.sigHeader)
			}
			if got, want := r.Header.Get("Date"), "Sun, 01 Mar 2026 12:00:00 GMT"; got != want {
				t.Errorf("Date = %s, want %s", got, want)
			}
			digestName, digest := "Digest", Digest
			if tt.rfc9421 {
				digestName, digest = "Content-Digest", ContentDigest
			}
			if got, want := r.Header.Get(digestName), digest(tt.body); tt.body != nil && got != want {
				t.Errorf("%s = %s, want %s", digestName, got, want)
			}

			want := &Result{
				Scheme:    SchemeCavage,
				KeyID:     testKeyID,
				Owner:     "https://fr.example/actor",
				Algorithm: tt.alg,
				Covered:   tt.covered,
				Created:   t0,
			}
			if tt.rfc9421 {
				want.Scheme, want.Label = SchemeRFC9421, "sig1"
			}
			v := &Verifier{Now: func() time.Time { return t0.Add(30 * time.Second) }}
			got, err := v.Verify(r, tt.body, keysOf(tt.key.Public()))
			if err != nil {
				t.Fatalf("Verify(client request) = %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Verify(client request) (-want +got):\n%s", diff)
			}

			sr, body := MustWire(t, r)
			v.Scheme = "https"
			got, err = v.Verify(sr, body, keysOf(tt.key.Public()))
			if err != nil {
				t.Fatalf("Verify(server request) = %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Verify(server request) (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSignUnsupportedKey checks that Sign refuses a key it cannot use.
func TestSignUnsupportedKey(t *testing.T) {
	r := MustNewRequest(t, "GET", "https://fr.example/", nil)
	if err := Sign(r, nil, opaqueSigner{}, testKeyID, t0); errorKind(err) != ErrUnsupportedAlg {
		t.Errorf("Sign = %v, want %v", err, ErrUnsupportedAlg)
	}
	if err := SignRFC9421(r, nil, opaqueSigner{}, testKeyID, t0); errorKind(err) != ErrUnsupportedAlg {
		t.Errorf("SignRFC9421 = %v, want %v", err, ErrUnsupportedAlg)
	}
}

type opaqueSigner struct{}

func (opaqueSigner) Public() crypto.PublicKey { return "opaque" }
func (opaqueSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, nil
}

// TestDoubleKnock acts as Fedify against a test server: an RFC 9421 first
// knock, then draft-cavage after a 401. The server answers 401 to every
// verification error.
func TestDoubleKnock(t *testing.T) {
	mustTestKeys(t)
	key := testKeys.rsa[0]
	tests := []struct {
		name       string
		scheme     string // the server's Verifier.Scheme
		wantStatus []int  // of each knock
		wantScheme Scheme
	}{
		// The server sees the URL the client signed: the first knock works.
		{"first knock", "", []int{http.StatusAccepted}, SchemeRFC9421},
		// A proxy misconfiguration makes @target-uri differ: the first
		// knock gets a 401 and draft-cavage, which does not sign the
		// scheme, works.
		{"second knock", "https", []int{http.StatusUnauthorized, http.StatusAccepted}, SchemeCavage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotScheme Scheme
			v := &Verifier{Now: func() time.Time { return t0 }, Scheme: tt.scheme}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				res, err := v.Verify(r, body, keysOf(key.Public()))
				if err != nil {
					http.Error(w, "signature: "+err.Error(), http.StatusUnauthorized)
					return
				}
				gotScheme = res.Scheme
				w.WriteHeader(http.StatusAccepted)
			}))
			defer srv.Close()

			body := []byte(`{"type":"Follow"}`)
			var statuses []int
			for _, sign := range []func(*http.Request, []byte, crypto.Signer, string, time.Time) error{SignRFC9421, Sign} {
				r := MustNewRequest(t, "POST", srv.URL+"/inbox", body)
				r.Header.Set("Content-Type", "application/activity+json")
				if err := sign(r, body, key, testKeyID, t0); err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Do(r)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
				if resp.StatusCode != http.StatusUnauthorized {
					break
				}
			}
			if diff := cmp.Diff(tt.wantStatus, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if gotScheme != tt.wantScheme {
				t.Errorf("scheme = %s, want %s", gotScheme, tt.wantScheme)
			}
		})
	}
}

// mustSignCavage sets a draft-cavage Signature header on r over headers,
// with any algorithm label and optional created/expires parameters: it
// builds signatures that Sign would never make.
func mustSignCavage(tb testing.TB, r *http.Request, key crypto.Signer, label, alg string, headers []string, created, expires int64) {
	tb.Helper()
	p := &CavageParams{KeyID: testKeyID, Algorithm: label, Headers: headers}
	if created != 0 {
		p.createdText = strconv.FormatInt(created, 10)
	}
	if expires != 0 {
		p.expiresText = strconv.FormatInt(expires, 10)
	}
	m := requestMessage(r, "")
	s, err := p.signingString(m, m.requestTarget())
	if err != nil {
		tb.Fatal(err)
	}
	sig, serr := createSignature(alg, key, []byte(s), true)
	if serr != nil {
		tb.Fatal(serr)
	}
	h := `keyId="` + testKeyID + `"`
	if label != "" {
		h += `,algorithm="` + label + `"`
	}
	if p.createdText != "" {
		h += ",created=" + p.createdText
	}
	if p.expiresText != "" {
		h += ",expires=" + p.expiresText
	}
	h += `,headers="` + strings.Join(headers, " ") + `",signature="` + base64.StdEncoding.EncodeToString(sig) + `"`
	r.Header.Set("Signature", h)
}

// mustSign9421 sets RFC 9421 headers on r under label over components
// (bare names) with params, signed with alg.
func mustSign9421(tb testing.TB, r *http.Request, key crypto.Signer, alg, label string, components []string, params []Param) {
	tb.Helper()
	in := &SignatureInput{Label: label, Params: params}
	for _, c := range components {
		in.Components = append(in.Components, Component{Name: c})
	}
	base, err := signatureBase(requestMessage(r, ""), in)
	if err != nil {
		tb.Fatal(err)
	}
	sig, serr := createSignature(alg, key, base, false)
	if serr != nil {
		tb.Fatal(serr)
	}
	r.Header.Set("Signature-Input", label+"="+in.SignatureParams())
	r.Header.Set("Signature", label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
}
