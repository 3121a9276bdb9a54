package httpsig

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCavageVectors checks draft-cavage-12 Appendix C: the signing string
// equals the vector's byte for byte and the signature verifies with the
// test key, in both header forms; then the full Verifier applies its
// policy, which only C.3 (the one signing digest) passes.
func TestCavageVectors(t *testing.T) {
	pub := MustPublicKey(t, "httpsig", "cavage", "test-key-rsa.pub.pem")
	tests := []struct {
		file    string
		wantErr error // from Verifier.Verify
	}{
		{"c1-default.json", ErrNotSigned}, // signs date only
		{"c2-basic.json", ErrNotSigned},   // a POST that does not sign digest
		{"c3-all-headers.json", nil},
	}
	for _, tt := range tests {
		var vec cavageVector
		MustReadJSON(t, &vec, "httpsig", "cavage", tt.file)
		for _, form := range []string{"Signature", "Authorization"} {
			t.Run(tt.file+"/"+form, func(t *testing.T) {
				r, body := MustReadRequest(t, vec.Request)
				value := vec.SignatureHeader
				if form == "Authorization" {
					value = vec.AuthorizationHeader
				}
				r.Header.Set(form, value)

				p, err := ParseCavage(value)
				if err != nil {
					t.Fatalf("ParseCavage: %v", err)
				}
				if diff := cmp.Diff(vec.Headers, p.Headers); diff != "" {
					t.Errorf("headers (-want +got):\n%s", diff)
				}
				if p.KeyID != vec.KeyID || p.Algorithm != vec.Algorithm {
					t.Errorf("keyId, algorithm = %q, %q, want %q, %q", p.KeyID, p.Algorithm, vec.KeyID, vec.Algorithm)
				}
				m := requestMessage(r, "")
				s, serr := p.signingString(m, m.requestTarget())
				if serr != nil {
					t.Fatalf("signingString: %v", serr)
				}
				if diff := cmp.Diff(vec.SigningString, s); diff != "" {
					t.Errorf("signing string (-want +got):\n%s", diff)
				}
				if err := verifySignature(AlgRSAPKCS1v15SHA256, pub, []byte(s), p.Signature, true); err != nil {
					t.Errorf("signature: %v", err)
				}

				date, _ := http.ParseTime(r.Header.Get("Date"))
				v := &Verifier{Now: func() time.Time { return date.Add(time.Minute) }}
				res, verr := v.Verify(r, body, keysOf(pub))
				if got := errorKind(verr); got != tt.wantErr {
					t.Fatalf("Verify = %v, want %v", verr, tt.wantErr)
				}
				if verr == nil && (res.Algorithm != AlgRSAPKCS1v15SHA256 || res.KeyID != "Test" || res.Scheme != SchemeCavage) {
					t.Errorf("Verify = %+v", res)
				}
			})
		}
	}
}

// TestCavageC3AsPrinted checks the draft-12 erratum that the README
// describes: the C.3 header as printed adds (created) and (expires), which
// draft-12 forbids with rsa-sha256, and which the printed signature does
// not cover.
func TestCavageC3AsPrinted(t *testing.T) {
	pub := MustPublicKey(t, "httpsig", "cavage", "test-key-rsa.pub.pem")
	var vec cavageVector
	MustReadJSON(t, &vec, "httpsig", "cavage", "c3-all-headers.json")
	r, body := MustReadRequest(t, vec.Request)
	r.Header.Set("Signature", vec.PrintedHeader)
	date, _ := http.ParseTime(r.Header.Get("Date"))
	v := &Verifier{Now: func() time.Time { return date }}
	if _, err := v.Verify(r, body, keysOf(pub)); errorKind(err) != ErrMalformed {
		t.Errorf("Verify(printed C.3) = %v, want %v", err, ErrMalformed)
	}

	// Even without the draft-12 rule, the signature does not cover the
	// signing string the printed header describes.
	p, err := ParseCavage(vec.PrintedHeader)
	if err != nil {
		t.Fatal(err)
	}
	p.Algorithm = "hs2019"
	m := requestMessage(r, "")
	s, serr := p.signingString(m, m.requestTarget())
	if serr != nil {
		t.Fatal(serr)
	}
	if s == vec.SigningString {
		t.Fatalf("printed signing string = vector signing string")
	}
	if err := verifySignature(AlgRSAPKCS1v15SHA256, pub, []byte(s), p.Signature, true); errorKind(err) != ErrBadSignature {
		t.Errorf("verify printed signing string = %v, want %v", err, ErrBadSignature)
	}
}

// TestCavageSignAgain signs C.2's signing string with the test private key
// and gets the vector's signature bytes (PKCS#1 v1.5 is deterministic).
func TestCavageSignAgain(t *testing.T) {
	key := MustPrivateKey(t, "httpsig", "cavage", "test-key-rsa.pem")
	var vec cavageVector
	MustReadJSON(t, &vec, "httpsig", "cavage", "c2-basic.json")
	sig, err := createSignature(AlgRSAPKCS1v15SHA256, key, []byte(vec.SigningString), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.StdEncoding.EncodeToString(sig); got != vec.Signature {
		t.Errorf("signature = %s, want %s", got, vec.Signature)
	}
}

// TestDigestVector checks Digest against the Digest header of C.3's
// request, and ContentDigest's format.
func TestDigestVector(t *testing.T) {
	var vec cavageVector
	MustReadJSON(t, &vec, "httpsig", "cavage", "c3-all-headers.json")
	r, body := MustReadRequest(t, vec.Request)
	if got, want := Digest(body), r.Header.Get("Digest"); got != want {
		t.Errorf("Digest = %s, want %s", got, want)
	}
	if got, want := ContentDigest([]byte{}), "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"; got != want {
		t.Errorf("ContentDigest(empty) = %s, want %s", got, want)
	}
}

// message9421 returns the message of an RFC 9421 vector with its body.
func message9421(t *testing.T, vec *rfc9421Vector, raw string) (*message, *http.Request, []byte) {
	t.Helper()
	if vec.MessageType == "request" {
		r, body := MustReadRequest(t, raw)
		return requestMessage(r, ""), r, body
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &message{status: resp.StatusCode, header: resp.Header}, nil, nil
}

// TestRFC9421Vectors checks RFC 9421 Appendix B.2: parsing and
// re-serializing Signature-Input, the signature base byte for byte, and the
// signature with the published key. B.2.4 is a response and is built from
// response_consistent_with_signature_base (see the README). B.2.5 is HMAC,
// which the Verifier refuses; the test recomputes it here only. Then the
// full Verifier applies its policy to the requests: only B.2.3 covers
// @method, the target, the authority and content-digest.
func TestRFC9421Vectors(t *testing.T) {
	tests := []struct {
		file    string
		wantErr error // from Verifier.Verify; requests only
	}{
		{"b21.json", ErrNotSigned},
		{"b22.json", ErrNotSigned},
		{"b23.json", nil},
		{"b24.json", nil},
		{"b25.json", ErrNotSigned},
		{"b26.json", ErrNotSigned},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var vec rfc9421Vector
			MustReadJSON(t, &vec, "httpsig", "rfc9421", tt.file)
			raw := vec.Request
			if vec.MessageType == "response" {
				raw = vec.ConsistentResp
			}
			m, r, body := message9421(t, &vec, raw)

			inputs, err := ParseSignatureInput(vec.SignatureInput)
			if err != nil {
				t.Fatalf("ParseSignatureInput: %v", err)
			}
			if len(inputs) != 1 || inputs[0].Label != vec.Label {
				t.Fatalf("ParseSignatureInput = %+v, want one input labelled %s", inputs, vec.Label)
			}
			in := &inputs[0]
			if got := in.SignatureParams(); got != vec.SignatureParams {
				t.Errorf("SignatureParams = %s, want %s", got, vec.SignatureParams)
			}
			if in.KeyID != vec.KeyID || in.Created.Unix() != 1618884473 {
				t.Errorf("keyid, created = %q, %v", in.KeyID, in.Created)
			}
			sigs, err := ParseSignature(vec.Signature)
			if err != nil {
				t.Fatalf("ParseSignature: %v", err)
			}
			sig := sigs[vec.Label]
			if got := base64.StdEncoding.EncodeToString(sig); got != vec.SignatureValueB64 {
				t.Errorf("signature = %s, want %s", got, vec.SignatureValueB64)
			}

			base, berr := signatureBase(m, in)
			if berr != nil {
				t.Fatalf("signatureBase: %v", berr)
			}
			if diff := cmp.Diff(vec.SignatureBase, string(base)); diff != "" {
				t.Errorf("signature base (-want +got):\n%s", diff)
			}

			if vec.Algorithm == "hmac-sha256" {
				secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(MustReadFile(t, "httpsig", "rfc9421", vec.KeyFile))))
				if err != nil {
					t.Fatal(err)
				}
				mac := hmac.New(sha256.New, secret)
				mac.Write(base)
				if !hmac.Equal(mac.Sum(nil), sig) {
					t.Errorf("hmac-sha256 does not match")
				}
			} else {
				pub := MustPublicKey(t, "httpsig", "rfc9421", vec.PublicKeyFile)
				if err := verifySignature(vec.Algorithm, pub, base, sig, false); err != nil {
					t.Errorf("verify %s: %v", vec.Algorithm, err)
				}
				// The alg parameter is absent from the vectors: the key
				// type alone must find the algorithm.
				if alg, err := tryAlgorithms(nil, [][]byte{base}, sig, false)(pub); err != nil || alg != vec.Algorithm {
					t.Errorf("algorithm from key = %q, %v, want %q", alg, err, vec.Algorithm)
				}
				if vec.Deterministic {
					key := MustPrivateKey(t, "httpsig", "rfc9421", vec.KeyFile)
					again, err := createSignature(vec.Algorithm, key, base, false)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(again, sig) {
						t.Errorf("signing again = %x, want %x", again, sig)
					}
				}
			}

			if r == nil {
				return
			}
			r.Header.Set("Signature-Input", vec.SignatureInput)
			r.Header.Set("Signature", vec.Signature)
			var keys KeyGetter = keysOf()
			if vec.PublicKeyFile != "" {
				keys = keysOf(MustPublicKey(t, "httpsig", "rfc9421", vec.PublicKeyFile))
			}
			v := &Verifier{Now: func() time.Time { return in.Created.Add(time.Minute) }}
			res, verr := v.Verify(r, body, keys)
			if got := errorKind(verr); got != tt.wantErr {
				t.Fatalf("Verify = %v, want %v", verr, tt.wantErr)
			}
			if verr == nil {
				want := &Result{
					Scheme:    SchemeRFC9421,
					KeyID:     vec.KeyID,
					Owner:     "https://fr.example/actor",
					Algorithm: vec.Algorithm,
					Label:     vec.Label,
					Covered:   strings.Split(strings.Trim(strings.SplitN(vec.SignatureParams, ";", 2)[0], "()"), " "),
					Created:   in.Created,
				}
				if diff := cmp.Diff(want, res); diff != "" {
					t.Errorf("Verify (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestRFC9421B24AsPublished checks the README's caveat: the response as
// printed in RFC 9421 carries a Content-Digest that is not the body's, so
// its signature base differs from the published one and the signature
// fails.
func TestRFC9421B24AsPublished(t *testing.T) {
	var vec rfc9421Vector
	MustReadJSON(t, &vec, "httpsig", "rfc9421", "b24.json")
	m, _, _ := message9421(t, &vec, vec.Response)
	inputs, err := ParseSignatureInput(vec.SignatureInput)
	if err != nil {
		t.Fatal(err)
	}
	base, berr := signatureBase(m, &inputs[0])
	if berr != nil {
		t.Fatal(berr)
	}
	if string(base) == vec.SignatureBase {
		t.Fatalf("base from the published response equals signature_base")
	}
	sigs, _ := ParseSignature(vec.Signature)
	pub := MustPublicKey(t, "httpsig", "rfc9421", vec.PublicKeyFile)
	if err := verifySignature(vec.Algorithm, pub, base, sigs[vec.Label], false); errorKind(err) != ErrBadSignature {
		t.Errorf("verify = %v, want %v", err, ErrBadSignature)
	}
}

// TestPEMVectors parses every key of the shared test data and checks that
// each private key matches its public key.
func TestPEMVectors(t *testing.T) {
	pairs := [][2]string{
		{"cavage/test-key-rsa.pem", "cavage/test-key-rsa.pub.pem"},             // PKCS#1, SPKI
		{"rfc9421/test-key-rsa.pem", "rfc9421/test-key-rsa.pub.pem"},           // PKCS#1, PKCS#1
		{"rfc9421/test-key-rsa-pss.pem", "rfc9421/test-key-rsa-pss.pub.pem"},   // PKCS#8 id-RSASSA-PSS, SPKI
		{"rfc9421/test-key-ecc-p256.pem", "rfc9421/test-key-ecc-p256.pub.pem"}, // SEC 1, SPKI
		{"rfc9421/test-key-ed25519.pem", "rfc9421/test-key-ed25519.pub.pem"},   // PKCS#8, SPKI
	}
	for _, p := range pairs {
		t.Run(p[0], func(t *testing.T) {
			priv := MustPrivateKey(t, append([]string{"httpsig"}, strings.Split(p[0], "/")...)...)
			pub := MustPublicKey(t, append([]string{"httpsig"}, strings.Split(p[1], "/")...)...)
			if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Errorf("private key %s does not match %s", p[0], p[1])
			}
		})
	}
}
