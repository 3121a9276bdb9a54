package httpsig

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"
)

// BenchmarkSignRSAPKCS1v15Raw is the floor for BenchmarkSignRequest: one
// RSA 2048 PKCS#1 v1.5 signature of a SHA-256 digest.
func BenchmarkSignRSAPKCS1v15Raw(b *testing.B) {
	mustTestKeys(b)
	key := testKeys.rsa[0]
	digest := sha256.Sum256([]byte("(request-target): post /inbox"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignRequest is Sign on a POST with a 2 KB body, RSA 2048.
func BenchmarkSignRequest(b *testing.B) {
	mustTestKeys(b)
	key := testKeys.rsa[0]
	body := bytes.Repeat([]byte("x"), 2048)
	r := MustNewRequest(b, "POST", "https://fr.example/users/a/inbox", body)
	r.Header.Set("Content-Type", "application/activity+json")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := Sign(r, body, key, testKeyID, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCavage is Verify on a POST signed by Sign with RSA 2048,
// as a server receives it.
func BenchmarkVerifyCavage(b *testing.B) {
	mustTestKeys(b)
	body := bytes.Repeat([]byte("x"), 2048)
	c := MustNewRequest(b, "POST", "https://fr.example/users/a/inbox", body)
	c.Header.Set("Content-Type", "application/activity+json")
	if err := Sign(c, body, testKeys.rsa[0], testKeyID, t0); err != nil {
		b.Fatal(err)
	}
	r, body := MustWire(b, c)
	v := &Verifier{Now: func() time.Time { return t0 }, Scheme: "https"}
	keys := keysOf(testKeys.rsa[0].Public())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body, keys); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRFC9421Ed25519 is Verify on a POST signed by SignRFC9421
// with Ed25519, as a server receives it.
func BenchmarkVerifyRFC9421Ed25519(b *testing.B) {
	mustTestKeys(b)
	body := bytes.Repeat([]byte("x"), 2048)
	c := MustNewRequest(b, "POST", "https://fr.example/users/a/inbox", body)
	if err := SignRFC9421(c, body, testKeys.ed[0], testKeyID, t0); err != nil {
		b.Fatal(err)
	}
	r, body := MustWire(b, c)
	v := &Verifier{Now: func() time.Time { return t0 }, Scheme: "https"}
	keys := keysOf(testKeys.ed[0].Public())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body, keys); err != nil {
			b.Fatal(err)
		}
	}
}
