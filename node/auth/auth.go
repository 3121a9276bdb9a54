package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/golang-jwt/jwt/v5"
)

// Roles.
const (
	RoleAdmin         = "admin"
	RoleMember        = "member"
	RoleConfederation = "confederation"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	return r == RoleAdmin || r == RoleMember || r == RoleConfederation
}

// Leeway is the clock skew allowed on exp, nbf and iat.
const Leeway = 30 * time.Second

// MaxTTL caps the lifetime of a token.
const MaxTTL = 366 * 24 * time.Hour

// Claims are the claims of an API token.
type Claims struct {
	Role   string `json:"role"`
	Member string `json:"member,omitempty"`
	jwt.RegisteredClaims
}

// Principal is who a verified token speaks for.
type Principal struct {
	Role      string
	Member    string
	TokenID   string
	ExpiresAt time.Time
}

// Is reports whether the principal has one of the roles.
func (p *Principal) Is(roles ...string) bool {
	for _, r := range roles {
		if p != nil && p.Role == r {
			return true
		}
	}
	return false
}

// LoadOrCreateKey reads the Ed25519 signing key at path (PKCS#8 PEM),
// creating it with mode 0600 when it does not exist.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate token key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("generate token key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreateKey(path) // another process made it first
		}
		if err != nil {
			return nil, fmt.Errorf("write token key: %w", err)
		}
		if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
			f.Close()
			return nil, fmt.Errorf("write token key: %w", err)
		}
		return key, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("read token key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("read token key %s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read token key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("read token key %s: not an Ed25519 key", path)
	}
	return key, nil
}

// Audience is the aud claim of the API tokens of the node at publicURL.
func Audience(publicURL string) string {
	return strings.TrimRight(publicURL, "/") + "/api/v1"
}

// Issuer signs tokens.
type Issuer struct {
	Key ed25519.PrivateKey
	// Name goes in the iss claim (the node's public URL); the aud claim
	// is Audience(Name).
	Name string
	Now  func() time.Time
}

// Issue returns a signed token for role (and member, for the member role)
// valid for ttl.
func (i *Issuer) Issue(role, member string, ttl time.Duration) (string, *Claims, error) {
	var p node.Problems
	if !ValidRole(role) {
		p.Add("role", "must be admin, member or confederation")
	}
	if role == RoleMember && !node.ValidSlug(member) {
		p.Add("member", "a member token needs the member's id")
	}
	if role != RoleMember && member != "" {
		p.Add("member", "only member tokens are bound to a member")
	}
	if ttl <= 0 || ttl > MaxTTL {
		p.Add("ttl", "must be between 1s and %s", MaxTTL)
	}
	if err := p.Err("issue token"); err != nil {
		return "", nil, err
	}
	now := time.Now()
	if i.Now != nil {
		now = i.Now()
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", nil, err
	}
	sub := role
	if member != "" {
		sub = "member:" + member
	}
	c := &Claims{Role: role, Member: member, RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    strings.TrimRight(i.Name, "/"),
		Audience:  jwt.ClaimStrings{Audience(i.Name)},
		Subject:   sub,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		ID:        hex.EncodeToString(id[:]),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c).SignedString(i.Key)
	if err != nil {
		return "", nil, fmt.Errorf("issue token: %w", err)
	}
	return s, c, nil
}

// Revocations answers whether a token or its member was revoked.
type Revocations interface {
	TokenRevoked(ctx context.Context, jti string) (bool, error)
	MemberActive(ctx context.Context, id string) (bool, error)
	// MemberLeftAt is when the member last lapsed or left; zero if never.
	MemberLeftAt(ctx context.Context, id string) (time.Time, error)
}

// Verifier checks tokens.
type Verifier struct {
	Key         ed25519.PublicKey
	Revocations Revocations
	// Issuer, when set, is the node's public URL: tokens must carry it as
	// iss and Audience(Issuer) as aud.
	Issuer string
	Now    func() time.Time
}

func unauthorized(msg string) error {
	return &node.Error{Code: node.EUNAUTHORIZED, Op: "authenticate", Message: msg}
}

// Verify checks a token's signature (EdDSA only), its expiry (required),
// and that neither it nor its member was revoked.
func (v *Verifier) Verify(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, unauthorized("missing bearer token")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
	}
	if v.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(v.Now))
	}
	if v.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(strings.TrimRight(v.Issuer, "/")), jwt.WithAudience(Audience(v.Issuer)))
	}
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) { return v.Key, nil }, opts...)
	switch {
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return nil, unauthorized("token was issued by another node (iss is not " + strings.TrimRight(v.Issuer, "/") + ")")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, unauthorized("token is not for this node's API (aud is not " + Audience(v.Issuer) + ")")
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, unauthorized("token expired")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing) && c.ExpiresAt == nil:
		return nil, unauthorized("token has no expiry (exp)")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing) && c.Issuer == "":
		return nil, unauthorized("token has no issuer (iss)")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return nil, unauthorized("token has no audience (aud)")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return nil, unauthorized("token signature invalid or algorithm not EdDSA")
	case err != nil:
		return nil, unauthorized("token invalid: " + strings.TrimPrefix(err.Error(), "token has invalid claims: "))
	}
	if !ValidRole(c.Role) || (c.Role == RoleMember) != (c.Member != "") {
		return nil, unauthorized("token has no valid role")
	}
	if v.Revocations != nil {
		if c.ID != "" {
			revoked, err := v.Revocations.TokenRevoked(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			if revoked {
				return nil, unauthorized("token revoked")
			}
		}
		if c.Role == RoleMember {
			active, err := v.Revocations.MemberActive(ctx, c.Member)
			if err != nil {
				return nil, err
			}
			if !active {
				return nil, unauthorized("token revoked: member " + c.Member + " is no longer an active member")
			}
			left, err := v.Revocations.MemberLeftAt(ctx, c.Member)
			if err != nil {
				return nil, err
			}
			if !left.IsZero() && (c.IssuedAt == nil || !c.IssuedAt.After(left)) {
				return nil, unauthorized("token revoked: it was issued before member " + c.Member + " lapsed or left")
			}
		}
	}
	p := &Principal{Role: c.Role, Member: c.Member, TokenID: c.ID}
	if c.ExpiresAt != nil {
		p.ExpiresAt = c.ExpiresAt.Time
	}
	return p, nil
}
