package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

func TestPasswordReset(t *testing.T) {
	ctx := context.Background()
	a, now, db := MustAccounts(t)
	a.ResetKey = []byte("0123456789abcdef0123456789abcdef")
	token, _, err := a.CreateInvite(ctx, auth.RoleMember, "scop-echo", "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.AcceptInvite(ctx, token, "Echo", "echo@echo.example", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.ResetToken(ctx, "nobody@echo.example"); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("reset for an unknown address: %v, want not found", err)
	}
	reset, got, err := a.ResetToken(ctx, " ECHO@echo.example ")
	if err != nil || got.ID != u.ID {
		t.Fatalf("ResetToken = %v, %v", got, err)
	}
	_, session, err := a.Login(ctx, "echo@echo.example", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	// A forged or altered token fails.
	for _, bad := range []string{"", "x", reset + "x", "AAAAAAAAAAEAAAAAaZ5Fkw." + reset[len(reset)-43:], flip(reset, 12), flip(reset, 40)} {
		if _, err := a.CheckReset(ctx, bad); node.ErrorCode(err) != node.ENOTFOUND {
			t.Errorf("CheckReset(%q) = %v, want not found", bad, err)
		}
	}
	other := &auth.Accounts{Store: db, ResetKey: []byte("another key, another key, another"), Now: a.Now}
	if _, err := other.CheckReset(ctx, reset); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("a token checked with another key: %v", err)
	}
	if _, err := a.ResetPassword(ctx, reset, "short"); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("a short new password: %v, want invalid", err)
	}
	if _, err := a.ResetPassword(ctx, reset, "a brand new passphrase"); err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	if _, err := a.ResetPassword(ctx, reset, "yet another passphrase"); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("the token used twice: %v, want not found", err)
	}
	if _, err := a.Authenticate(ctx, session); node.ErrorCode(err) != node.EUNAUTHORIZED {
		t.Errorf("a session from before the reset: %v, want unauthorized", err)
	}
	if _, _, err := a.Login(ctx, "echo@echo.example", "a brand new passphrase"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	// Expiry.
	late, _, _ := a.ResetToken(ctx, "echo@echo.example")
	*now = now.Add(auth.DefaultResetTTL - time.Second)
	if _, err := a.CheckReset(ctx, late); err != nil {
		t.Errorf("a token just before expiry: %v", err)
	}
	*now = now.Add(time.Second)
	if _, err := a.CheckReset(ctx, late); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("an expired token: %v, want not found", err)
	}
	// No key, no reset.
	if _, _, err := (&auth.Accounts{Store: db}).ResetToken(ctx, "echo@echo.example"); node.ErrorCode(err) != node.EUNAVAILABLE {
		t.Errorf("ResetToken without a key: %v", err)
	}
}

// flip changes the character at i of a base64url string.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
