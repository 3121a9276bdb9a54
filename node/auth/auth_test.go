package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/golang-jwt/jwt/v5"
)

type revocations struct {
	tokens  map[string]bool
	members map[string]bool
	left    map[string]time.Time
}

func (r revocations) MemberLeftAt(_ context.Context, id string) (time.Time, error) {
	return r.left[id], nil
}

func (r revocations) TokenRevoked(_ context.Context, jti string) (bool, error) {
	return r.tokens[jti], nil
}
func (r revocations) MemberActive(_ context.Context, id string) (bool, error) {
	return r.members[id], nil
}

func mustKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.LoadOrCreateKey(filepath.Join(t.TempDir(), "jwt.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyIsStable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jwt.pem")
	k1, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Error("the key changed between two loads")
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	key := mustKey(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	iss := &auth.Issuer{Key: key, Name: "http://fr.test", Now: clock}
	rev := revocations{tokens: map[string]bool{}, members: map[string]bool{"coop-a": true, "coop-back": true},
		left: map[string]time.Time{"coop-back": now.Add(-10 * time.Minute)}}
	v := &auth.Verifier{Key: key.Public().(ed25519.PublicKey), Revocations: rev, Now: clock, Issuer: "http://fr.test"}
	before, _, err := (&auth.Issuer{Key: key, Name: "http://fr.test", Now: func() time.Time { return now.Add(-20 * time.Minute) }}).Issue(auth.RoleMember, "coop-back", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := (&auth.Issuer{Key: key, Name: "http://fr.test", Now: func() time.Time { return now.Add(-5 * time.Minute) }}).Issue(auth.RoleMember, "coop-back", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherNode, _, err := (&auth.Issuer{Key: key, Name: "http://it.test", Now: clock}).Issue(auth.RoleAdmin, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	noIss, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"role": "admin", "exp": now.Add(time.Hour).Unix(), "aud": "http://fr.test/api/v1"}).SignedString(key)
	otherAud, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"role": "admin", "exp": now.Add(time.Hour).Unix(), "iss": "http://fr.test", "aud": "http://fr.test/other"}).SignedString(key)

	admin, _, err := iss.Issue(auth.RoleAdmin, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	member, _, err := iss.Issue(auth.RoleMember, "coop-a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	revoked, rc, err := iss.Issue(auth.RoleAdmin, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rev.tokens[rc.ID] = true
	gone, _, err := iss.Issue(auth.RoleMember, "coop-gone", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired, _, err := (&auth.Issuer{Key: key, Name: "http://fr.test", Now: func() time.Time { return now.Add(-2 * time.Hour) }}).Issue(auth.RoleAdmin, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	withinLeeway, _, err := (&auth.Issuer{Key: key, Name: "http://fr.test", Now: func() time.Time { return now.Add(-time.Hour - 10*time.Second) }}).Issue(auth.RoleAdmin, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"role": "admin", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	noneTok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hsTok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key.Public().(ed25519.PublicKey)))
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsTok, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(rsaKey)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	otherTok, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(other)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"role": "admin"}).SignedString(key)
	badRole, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"role": "root", "exp": now.Add(time.Hour).Unix(), "iss": "http://fr.test", "aud": "http://fr.test/api/v1"}).SignedString(key)

	tests := []struct {
		name    string
		token   string
		role    string
		wantMsg string
	}{
		{"admin", admin, auth.RoleAdmin, ""},
		{"member", member, auth.RoleMember, ""},
		{"expired within leeway", withinLeeway, auth.RoleAdmin, ""},
		{"missing", "", "", "missing"},
		{"garbage", "not.a.token", "", "invalid"},
		{"expired", expired, "", "expired"},
		{"revoked", revoked, "", "revoked"},
		{"member left", gone, "", "no longer an active member"},
		{"member rejoined, token from before", before, "", "issued before member coop-back lapsed or left"},
		{"member rejoined, token from after", after, auth.RoleMember, ""},
		{"another node's token", otherNode, "", "issued by another node"},
		{"no issuer", noIss, "", "no issuer (iss)"},
		{"another audience", otherAud, "", "not for this node's API"},
		{"alg none", noneTok, "", "EdDSA"},
		{"HS256 with the public key", hsTok, "", "EdDSA"},
		{"RS256", rsTok, "", "EdDSA"},
		{"another key", otherTok, "", "signature"},
		{"no exp", noExp, "", "expiry"},
		{"unknown role", badRole, "", "role"},
	}
	for _, tt := range tests {
		p, err := v.Verify(ctx, tt.token)
		if tt.wantMsg == "" {
			if err != nil || p.Role != tt.role {
				t.Errorf("%s: Verify = %+v, %v, want role %s", tt.name, p, err, tt.role)
			}
			continue
		}
		if node.ErrorCode(err) != node.EUNAUTHORIZED || !strings.Contains(node.ErrorMessage(err), tt.wantMsg) {
			t.Errorf("%s: Verify error = %v, want unauthorized mentioning %q", tt.name, err, tt.wantMsg)
		}
	}
}

func TestIssueRefusesBadInput(t *testing.T) {
	iss := &auth.Issuer{Key: mustKey(t)}
	for _, c := range []struct {
		role, member string
		ttl          time.Duration
	}{
		{"root", "", time.Hour},
		{auth.RoleMember, "", time.Hour},
		{auth.RoleAdmin, "coop-a", time.Hour},
		{auth.RoleAdmin, "", 0},
		{auth.RoleAdmin, "", 400 * 24 * time.Hour},
	} {
		if _, _, err := iss.Issue(c.role, c.member, c.ttl); node.ErrorCode(err) != node.EINVALID {
			t.Errorf("Issue(%q, %q, %s) = %v, want invalid", c.role, c.member, c.ttl, err)
		}
	}
}
