package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Password reset links carry a token that needs no table: the user's id,
// an expiry and an HMAC over both and the user's current password hash,
// keyed with Accounts.ResetKey. Setting a new password changes the hash,
// so a token works once; it also stops at its expiry, and when the key
// changes.

// DefaultResetTTL is how long a reset link works when ResetTTL is zero.
const DefaultResetTTL = time.Hour

func invalidReset() error {
	return &node.Error{Code: node.ENOTFOUND, Op: "password reset", Message: "this password reset link is not valid, was already used or has expired"}
}

func (a *Accounts) resetMAC(id, expires int64, passwordHash string) []byte {
	m := hmac.New(sha256.New, a.ResetKey)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(id))
	binary.BigEndian.PutUint64(b[8:], uint64(expires))
	m.Write([]byte("etoiles password reset\x00"))
	m.Write(b[:])
	m.Write([]byte(passwordHash))
	return m.Sum(nil)
}

// ResetToken returns a reset token for the account with this email, and
// the account. It fails with ENOTFOUND when no account has the email, and
// EFORBIDDEN when the account may not log in (its co-op left): callers
// must answer the same in every case, so that nobody learns which
// addresses have an account.
func (a *Accounts) ResetToken(ctx context.Context, email string) (string, *User, error) {
	if len(a.ResetKey) < 16 {
		return "", nil, &node.Error{Code: node.EUNAVAILABLE, Op: "password reset", Message: "password reset has no key"}
	}
	u, err := a.Store.UserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		return "", nil, err
	}
	if err := a.checkActive(ctx, u); err != nil {
		return "", nil, err
	}
	ttl := a.ResetTTL
	if ttl <= 0 {
		ttl = DefaultResetTTL
	}
	expires := a.now().Add(ttl).Unix()
	var head [16]byte
	binary.BigEndian.PutUint64(head[:8], uint64(u.ID))
	binary.BigEndian.PutUint64(head[8:], uint64(expires))
	token := base64.RawURLEncoding.EncodeToString(head[:]) + "." + base64.RawURLEncoding.EncodeToString(a.resetMAC(u.ID, expires, u.PasswordHash))
	return token, u, nil
}

// CheckReset returns the account of a reset token that still works.
func (a *Accounts) CheckReset(ctx context.Context, token string) (*User, error) {
	if len(a.ResetKey) < 16 {
		return nil, invalidReset()
	}
	h, m, ok := strings.Cut(token, ".")
	head, err1 := base64.RawURLEncoding.DecodeString(h)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if !ok || err1 != nil || err2 != nil || len(head) != 16 {
		return nil, invalidReset()
	}
	id, expires := int64(binary.BigEndian.Uint64(head[:8])), int64(binary.BigEndian.Uint64(head[8:]))
	if a.now().Unix() >= expires {
		return nil, invalidReset()
	}
	u, err := a.Store.UserByID(ctx, id)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil, invalidReset()
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, a.resetMAC(id, expires, u.PasswordHash)) {
		return nil, invalidReset()
	}
	if err := a.checkActive(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// ResetPassword sets a new password with a reset token; the token then
// stops working and the account's sessions end.
func (a *Accounts) ResetPassword(ctx context.Context, token, password string) (*User, error) {
	u, err := a.CheckReset(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := a.SetPassword(ctx, u.ID, password); err != nil {
		return nil, err
	}
	return u, nil
}
