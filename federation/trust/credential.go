package trust

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are the claims of an admission credential.
type Claims struct {
	Issuer   string `json:"iss"`     // the confederation's actor URL
	Subject  string `json:"sub"`     // the admitted node's actor URL
	Country  string `json:"country"` // ISO 3166-1 alpha-2
	Name     string `json:"name"`    // the national group's name
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
	ID       string `json:"jti"`
}

// ExpiresAt returns the expiry as a time.
func (c *Claims) ExpiresAt() time.Time { return time.Unix(c.Expires, 0).UTC() }

// Errors of Verify. Each wraps into a message that says what is wrong.
var (
	ErrMalformed = errors.New("credential malformed")
	ErrAlgorithm = errors.New("credential algorithm is not EdDSA")
	ErrSignature = errors.New("credential signature does not verify with the confederation key")
	ErrIssuer    = errors.New("credential issued by another confederation")
	ErrSubject   = errors.New("credential issued to another actor")
	ErrExpired   = errors.New("credential expired")
	ErrNotYet    = errors.New("credential not valid yet")
	ErrRevoked   = errors.New("credential revoked")
)

// Leeway is the clock skew allowed on iat and exp.
const Leeway = time.Minute

var b64 = base64.RawURLEncoding

// Issue signs a credential. ID and IssuedAt are filled in when empty.
func Issue(key ed25519.PrivateKey, c Claims, now time.Time) (string, Claims, error) {
	if c.ID == "" {
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			return "", c, err
		}
		c.ID = hex.EncodeToString(id[:])
	}
	if c.IssuedAt == 0 {
		c.IssuedAt = now.Unix()
	}
	if c.Issuer == "" || c.Subject == "" || c.Expires <= c.IssuedAt {
		return "", c, fmt.Errorf("%w: iss, sub and an exp after iat are required", ErrMalformed)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", c, err
	}
	return signCompact(key, payload), c, nil
}

// signCompact returns a compact JWT of payload, signed with EdDSA.
func signCompact(key ed25519.PrivateKey, payload []byte) string {
	signing := b64.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." + b64.EncodeToString(payload)
	return signing + "." + b64.EncodeToString(ed25519.Sign(key, []byte(signing)))
}

// splitCompact checks a compact JWT's form and EdDSA header and returns
// its payload, without verifying the signature.
func splitCompact(token string) (parts []string, payload []byte, err error) {
	parts = strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 8192 {
		return nil, nil, fmt.Errorf("%w: not a compact JWT", ErrMalformed)
	}
	var header struct {
		Alg string `json:"alg"`
	}
	h, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(h, &header) != nil {
		return nil, nil, fmt.Errorf("%w: bad header", ErrMalformed)
	}
	if header.Alg != "EdDSA" {
		return nil, nil, fmt.Errorf("%w (alg %q)", ErrAlgorithm, header.Alg)
	}
	if payload, err = b64.DecodeString(parts[1]); err != nil {
		return nil, nil, fmt.Errorf("%w: bad payload", ErrMalformed)
	}
	return parts, payload, nil
}

// verifyCompact checks a compact JWT's EdDSA signature with key and
// returns its payload.
func verifyCompact(token string, key ed25519.PublicKey) ([]byte, error) {
	parts, payload, err := splitCompact(token)
	if err != nil {
		return nil, err
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, ErrSignature
	}
	return payload, nil
}

// Parse reads a credential's claims without verifying it.
func Parse(token string) (*Claims, error) {
	_, payload, err := splitCompact(token)
	if err != nil {
		return nil, err
	}
	return parseClaims(payload)
}

func parseClaims(payload []byte) (*Claims, error) {
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: bad claims: %v", ErrMalformed, err)
	}
	if c.Issuer == "" || c.Subject == "" || c.ID == "" || c.Expires == 0 {
		return nil, fmt.Errorf("%w: iss, sub, jti and exp are required", ErrMalformed)
	}
	return &c, nil
}

// Expectation is what a verifier expects of a credential. Subject may be
// empty when any admitted node will do (listing the confederation's
// collection); Revoked reports revoked ids and may be nil.
type Expectation struct {
	Key     ed25519.PublicKey
	Issuer  string
	Subject string
	Now     time.Time
	Revoked func(jti string) bool
}

// Verify checks a credential: EdDSA only, a signature by the pinned key,
// the expected issuer and subject, iat and exp (with Leeway), and that
// its id is not revoked.
func Verify(token string, want Expectation) (*Claims, error) {
	payload, err := verifyCompact(token, want.Key)
	if err != nil {
		return nil, err
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Issuer != want.Issuer:
		return nil, fmt.Errorf("%w: %s, not %s", ErrIssuer, c.Issuer, want.Issuer)
	case want.Subject != "" && c.Subject != want.Subject:
		return nil, fmt.Errorf("%w: %s, not %s", ErrSubject, c.Subject, want.Subject)
	case want.Now.Add(-Leeway).Unix() >= c.Expires:
		return nil, fmt.Errorf("%w on %s", ErrExpired, c.ExpiresAt().Format(time.RFC3339))
	case c.IssuedAt > want.Now.Add(Leeway).Unix():
		return nil, ErrNotYet
	case want.Revoked != nil && want.Revoked(c.ID):
		return nil, fmt.Errorf("%w (jti %s)", ErrRevoked, c.ID)
	}
	return c, nil
}
