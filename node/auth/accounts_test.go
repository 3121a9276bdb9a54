package auth_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("HashPassword = %q, %v", h, err)
	}
	h2, _ := auth.HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if ok, err := auth.CheckPassword(h, pw); ok != want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v, want %v", pw, ok, err, want)
		}
	}
	if _, err := auth.CheckPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Error("CheckPassword accepted a hash that is not argon2id")
	}
}

// MustAccounts returns the account service on a fresh SQLite database,
// with a clock the test moves, and one active and one lapsed member.
func MustAccounts(tb testing.TB) (*auth.Accounts, *time.Time, *sqlite.DB) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	for _, m := range []*node.Member{{ID: "scop-echo", Name: "Scop Écho", Country: "FR", Status: node.StatusMember},
		{ID: "old-coop", Name: "Old", Country: "FR", Status: node.StatusLapsed}} {
		m.Normalize()
		if err := db.CreateMember(ctx, m, node.StatusChange{MemberID: m.ID, To: m.Status, At: time.Now()}, nil); err != nil {
			tb.Fatal(err)
		}
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return &auth.Accounts{Store: db, Now: func() time.Time { return now }}, &now, db
}

func TestInviteLoginSession(t *testing.T) {
	ctx := context.Background()
	a, now, db := MustAccounts(t)

	if _, _, err := a.CreateInvite(ctx, auth.RoleMember, "old-coop", "", "admin"); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("invite for a lapsed co-op: %v, want invalid", err)
	}
	if _, _, err := a.CreateInvite(ctx, "root", "", "", "admin"); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("invite with an unknown role: %v, want invalid", err)
	}
	token, inv, err := a.CreateInvite(ctx, auth.RoleMember, "scop-echo", "lea@echo.example", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if inv.TokenHash == token || inv.TokenHash != auth.HashToken(token) {
		t.Error("the store must keep only the token's hash")
	}
	if _, err := a.AcceptInvite(ctx, token, "Léa", "other@x.example", "short"); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("short password: %v, want invalid", err)
	}
	u, err := a.AcceptInvite(ctx, token, "Léa", "other@x.example", "correct horse battery")
	if err != nil || u.Email != "lea@echo.example" || u.Member != "scop-echo" {
		t.Fatalf("AcceptInvite = %+v, %v; want the invite's email and co-op", u, err)
	}
	if _, err := a.AcceptInvite(ctx, token, "Eve", "eve@x.example", "correct horse battery"); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("invite used twice: %v, want conflict", err)
	}

	expired, _, _ := a.CreateInvite(ctx, auth.RoleAdmin, "", "", "admin")
	*now = now.Add(8 * 24 * time.Hour)
	if _, err := a.CheckInvite(ctx, expired); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("expired invite: %v, want conflict", err)
	}

	if _, _, err := a.Login(ctx, "LEA@echo.example", "wrong password!"); node.ErrorCode(err) != node.EUNAUTHORIZED {
		t.Errorf("wrong password: %v", err)
	}
	if _, _, err := a.Login(ctx, "nobody@echo.example", "correct horse battery"); node.ErrorCode(err) != node.EUNAUTHORIZED {
		t.Errorf("unknown email: %v", err)
	}
	_, s1, err := a.Login(ctx, "LEA@echo.example", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	_, s2, _ := a.Login(ctx, "lea@echo.example", "correct horse battery")
	if s1 == s2 {
		t.Error("two logins got the same session token")
	}
	if got, err := a.Authenticate(ctx, s1); err != nil || got.ID != u.ID {
		t.Errorf("Authenticate = %v, %v", got, err)
	}
	if err := a.Logout(ctx, s1); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, s1); node.ErrorCode(err) != node.EUNAUTHORIZED {
		t.Errorf("after logout: %v, want unauthorized", err)
	}

	// The co-op leaves: the open session stops at once, and login fails.
	m, _ := db.GetMember(ctx, "scop-echo")
	m.Status = node.StatusAlumni
	if err := db.SetMemberStatus(ctx, m, node.StatusChange{MemberID: m.ID, From: node.StatusMember, To: node.StatusAlumni, At: *now}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, s2); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("session of a departed co-op: %v, want forbidden", err)
	}
	if _, _, err := a.Login(ctx, "lea@echo.example", "correct horse battery"); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("login of a departed co-op: %v, want forbidden", err)
	}

	// It rejoins: the session begun before it left stays ended; a new
	// login works.
	*now = now.Add(time.Minute)
	m.Status = node.StatusMember
	if err := db.SetMemberStatus(ctx, m, node.StatusChange{MemberID: m.ID, From: node.StatusAlumni, To: node.StatusMember, At: *now}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, s2); node.ErrorCode(err) != node.EUNAUTHORIZED {
		t.Errorf("session from before the departure, after the rejoin: %v, want unauthorized", err)
	}
	*now = now.Add(time.Second)
	_, s3, err := a.Login(ctx, "lea@echo.example", "correct horse battery")
	if err != nil {
		t.Fatalf("login after the rejoin: %v", err)
	}
	if _, err := a.Authenticate(ctx, s3); err != nil {
		t.Errorf("session begun after the rejoin: %v, want it to work", err)
	}

	*now = now.Add(13 * time.Hour)
	if _, err := a.Authenticate(ctx, s3); node.ErrorCode(err) != node.EUNAUTHORIZED {
		t.Errorf("expired session: %v, want unauthorized", err)
	}
}
