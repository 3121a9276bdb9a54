package trust

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// RevocationList is the confederation's signed list of revoked
// credential ids. It is published as a JWT (EdDSA, same key as the
// credentials) so that a node can check it came from the confederation
// whoever relays it.
type RevocationList struct {
	Issuer  string   `json:"iss"`
	Issued  int64    `json:"iat"`
	Revoked []string `json:"revoked"`
}

// SignRevocations signs the list of revoked ids.
func SignRevocations(key ed25519.PrivateKey, issuer string, revoked []string, now time.Time) (string, error) {
	ids := append([]string{}, revoked...)
	sort.Strings(ids)
	payload, err := json.Marshal(RevocationList{Issuer: issuer, Issued: now.Unix(), Revoked: ids})
	if err != nil {
		return "", err
	}
	header := b64.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`))
	signing := header + "." + b64.EncodeToString(payload)
	return signing + "." + b64.EncodeToString(ed25519.Sign(key, []byte(signing))), nil
}

// VerifyRevocations checks a signed revocation list.
func VerifyRevocations(token string, key ed25519.PublicKey, issuer string) (*RevocationList, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: revocation list is not a compact JWT", ErrMalformed)
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if h, err := b64.DecodeString(parts[0]); err != nil || json.Unmarshal(h, &header) != nil || header.Alg != "EdDSA" {
		return nil, ErrAlgorithm
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, ErrSignature
	}
	p, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: bad payload", ErrMalformed)
	}
	var l RevocationList
	if err := json.Unmarshal(p, &l); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if l.Issuer != issuer {
		return nil, fmt.Errorf("%w: %s", ErrIssuer, l.Issuer)
	}
	return &l, nil
}
