package trust

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"sort"
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
	return signCompact(key, payload), nil
}

// VerifyRevocations checks a signed revocation list.
func VerifyRevocations(token string, key ed25519.PublicKey, issuer string) (*RevocationList, error) {
	payload, err := verifyCompact(token, key)
	if err != nil {
		return nil, err
	}
	var l RevocationList
	if err := json.Unmarshal(payload, &l); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if l.Issuer != issuer {
		return nil, fmt.Errorf("%w: %s", ErrIssuer, l.Issuer)
	}
	return &l, nil
}
