package trust_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/trust"
)

const (
	conf = "https://confederation.example/actor"
	it   = "https://it.example/actor"
)

func TestVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	issue := func(k ed25519.PrivateKey, c trust.Claims) string {
		t.Helper()
		tok, _, err := trust.Issue(k, c, now)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	base := trust.Claims{Issuer: conf, Subject: it, Country: "IT", Name: "e-toiles Italia", Expires: now.Add(365 * 24 * time.Hour).Unix()}
	good := issue(key, base)
	wrongIssuer := base
	wrongIssuer.Issuer = "https://rogue.example/actor"
	expired := base
	expired.IssuedAt, expired.Expires = now.Add(-48*time.Hour).Unix(), now.Add(-24*time.Hour).Unix()
	revoked := base
	revoked.ID = "revoked-one"
	b64 := base64.RawURLEncoding
	payload := b64.EncodeToString([]byte(`{"iss":"` + conf + `","sub":"` + it + `","jti":"x","exp":` + "9999999999" + `}`))
	none := b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + payload + "."
	hsHeader := b64.EncodeToString([]byte(`{"alg":"HS256"}`))
	mac := hmac.New(sha256.New, pub)
	mac.Write([]byte(hsHeader + "." + payload))
	hs := hsHeader + "." + payload + "." + b64.EncodeToString(mac.Sum(nil))
	// EdDSA header, HMAC signature: the signature check must fail too.
	edHeader := b64.EncodeToString([]byte(`{"alg":"EdDSA"}`))
	mac2 := hmac.New(sha256.New, pub)
	mac2.Write([]byte(edHeader + "." + payload))
	edHS := edHeader + "." + payload + "." + b64.EncodeToString(mac2.Sum(nil))

	want := trust.Expectation{Key: pub, Issuer: conf, Subject: it, Now: now, Revoked: func(jti string) bool { return jti == "revoked-one" }}
	tests := []struct {
		name  string
		token string
		want  trust.Expectation
		err   error
	}{
		{"good", good, want, nil},
		{"wrong issuer", issue(key, wrongIssuer), want, trust.ErrIssuer},
		{"wrong key", issue(otherKey, base), want, trust.ErrSignature},
		{"pinned another key", good, trust.Expectation{Key: otherPub, Issuer: conf, Subject: it, Now: now}, trust.ErrSignature},
		{"expired", issue(key, expired), want, trust.ErrExpired},
		{"another subject", good, trust.Expectation{Key: pub, Issuer: conf, Subject: "https://es.example/actor", Now: now}, trust.ErrSubject},
		{"alg none", none, want, trust.ErrAlgorithm},
		{"HS256 with the public key", hs, want, trust.ErrAlgorithm},
		{"EdDSA header with an HMAC", edHS, want, trust.ErrSignature},
		{"revoked jti", issue(key, revoked), want, trust.ErrRevoked},
		{"garbage", "not.a.jwt", want, trust.ErrMalformed},
		{"not yet valid", good, trust.Expectation{Key: pub, Issuer: conf, Subject: it, Now: now.Add(-time.Hour)}, trust.ErrNotYet},
	}
	for _, tt := range tests {
		c, err := trust.Verify(tt.token, tt.want)
		if tt.err == nil {
			if err != nil || c.Country != "IT" || c.ID == "" {
				t.Errorf("%s: Verify = %+v, %v, want the claims", tt.name, c, err)
			}
			continue
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: Verify error = %v, want %v", tt.name, err, tt.err)
		}
	}
}

func TestRevocationList(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	tok, err := trust.SignRevocations(key, conf, []string{"b", "a"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l, err := trust.VerifyRevocations(tok, pub, conf)
	if err != nil || len(l.Revoked) != 2 || l.Revoked[0] != "a" {
		t.Errorf("VerifyRevocations = %+v, %v", l, err)
	}
	if _, err := trust.VerifyRevocations(tok, otherPub, conf); !errors.Is(err, trust.ErrSignature) {
		t.Errorf("another key: %v, want ErrSignature", err)
	}
	if _, err := trust.VerifyRevocations(tok, pub, "https://rogue.example/actor"); !errors.Is(err, trust.ErrIssuer) {
		t.Errorf("another issuer: %v, want ErrIssuer", err)
	}
}
