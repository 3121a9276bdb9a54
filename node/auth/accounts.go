package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/e-toiles/etoiles/node"
)

// User is a person who logs in to the web UI. A member user acts for one
// local member co-op (Member); an admin for the national group.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	Member       string
	PasswordHash string
	CreatedAt    time.Time
}

// Session is a logged-in browser. Only the hash of its token is stored.
type Session struct {
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Invite lets one person create an account with a role (and, for
// members, a co-op) once, before it expires.
type Invite struct {
	ID        int64
	TokenHash string
	Role      string
	Member    string
	Email     string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
}

// Used reports whether the invite was accepted.
func (i *Invite) Used() bool { return !i.UsedAt.IsZero() }

// AccountStore keeps users, sessions and invites.
type AccountStore interface {
	// UserByEmail returns the user with that email (any case); ENOTFOUND if none.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UserByID returns a user; ENOTFOUND if none.
	UserByID(ctx context.Context, id int64) (*User, error)
	// SetPassword replaces a user's password hash.
	SetPassword(ctx context.Context, id int64, hash string) error
	// CreateSession stores a session.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns a session; ENOTFOUND if none.
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	// DeleteSession removes a session; removing a missing one is no error.
	DeleteSession(ctx context.Context, hash string) error
	// CreateInvite stores an invite and sets its ID.
	CreateInvite(ctx context.Context, inv *Invite) error
	// InviteByHash returns an invite; ENOTFOUND if none.
	InviteByHash(ctx context.Context, hash string) (*Invite, error)
	// Invites lists invites, newest first.
	Invites(ctx context.Context) ([]*Invite, error)
	// AcceptInvite creates u and marks the invite used at u.CreatedAt, in
	// one transaction; ECONFLICT when it was used meanwhile or the email
	// is taken.
	AcceptInvite(ctx context.Context, hash string, u *User) error
	// MemberActive reports whether a local member is in status member.
	MemberActive(ctx context.Context, id string) (bool, error)
	// MemberLeftAt is when the member last lapsed or left; zero if never.
	MemberLeftAt(ctx context.Context, id string) (time.Time, error)
}

// Accounts implements logging in, sessions and invitations. Store is
// required; the zero values of the other fields work.
type Accounts struct {
	Store AccountStore
	// SessionTTL is how long a session lasts; zero means 12 hours.
	SessionTTL time.Duration
	// InviteTTL is how long an invite lasts; zero means 7 days.
	InviteTTL time.Duration
	// ResetKey keys password reset tokens (at least 16 bytes); without
	// it there is no password reset.
	ResetKey []byte
	// ResetTTL is how long a reset link works; zero means an hour.
	ResetTTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

func (a *Accounts) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// NewToken returns a random URL-safe token of 32 bytes.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a session or invite token, as the
// store keeps it.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func loginFailed() error {
	return &node.Error{Code: node.EUNAUTHORIZED, Op: "log in", Message: "wrong email or password"}
}

// dummyHash is checked when no user has the email, so that a wrong email
// takes as long as a wrong password. It is made on first use.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a password of anyone")
	return h
})

// Login checks an email and password and opens a new session. It returns
// the session token for the cookie. A member whose co-op is no longer an
// active member cannot log in.
func (a *Accounts) Login(ctx context.Context, email, password string) (*User, string, error) {
	u, err := a.Store.UserByEmail(ctx, strings.TrimSpace(email))
	if node.ErrorCode(err) == node.ENOTFOUND {
		_, _ = CheckPassword(dummyHash(), password)
		return nil, "", loginFailed()
	}
	if err != nil {
		return nil, "", err
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil || !ok {
		return nil, "", loginFailed()
	}
	if err := a.checkActive(ctx, u); err != nil {
		return nil, "", err
	}
	token := NewToken()
	now := a.now()
	ttl := a.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	s := &Session{TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.Store.CreateSession(ctx, s); err != nil {
		return nil, "", err
	}
	return u, token, nil
}

func (a *Accounts) checkActive(ctx context.Context, u *User) error {
	if u.Role != RoleMember {
		return nil
	}
	active, err := a.Store.MemberActive(ctx, u.Member)
	if err != nil {
		return err
	}
	if !active {
		return &node.Error{Code: node.EFORBIDDEN, Op: "authenticate", Message: "the co-op " + u.Member + " is no longer an active member"}
	}
	return nil
}

// Authenticate returns the user of a session token. It fails with
// EUNAUTHORIZED for an unknown or expired session and EFORBIDDEN when a
// member's co-op has left, checked on every call.
func (a *Accounts) Authenticate(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, unauthorized("no session")
	}
	s, err := a.Store.SessionByHash(ctx, HashToken(token))
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil, unauthorized("no such session")
	}
	if err != nil {
		return nil, err
	}
	if !a.now().Before(s.ExpiresAt) {
		_ = a.Store.DeleteSession(ctx, s.TokenHash)
		return nil, unauthorized("session expired")
	}
	u, err := a.Store.UserByID(ctx, s.UserID)
	if err != nil {
		return nil, err
	}
	if err := a.checkActive(ctx, u); err != nil {
		return nil, err
	}
	if u.Role == RoleMember {
		// A session begun before the co-op lapsed or left stays ended
		// when it rejoins.
		left, err := a.Store.MemberLeftAt(ctx, u.Member)
		if err != nil {
			return nil, err
		}
		if !left.IsZero() && !s.CreatedAt.After(left) {
			_ = a.Store.DeleteSession(ctx, s.TokenHash)
			return nil, unauthorized("session ended: the co-op " + u.Member + " lapsed or left since it began")
		}
	}
	return u, nil
}

// Logout ends a session.
func (a *Accounts) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return a.Store.DeleteSession(ctx, HashToken(token))
}

// CreateInvite makes an invite for role (admin or member; a member invite
// names an active local co-op) and returns its token, shown once.
func (a *Accounts) CreateInvite(ctx context.Context, role, member, email, createdBy string) (string, *Invite, error) {
	var p node.Problems
	switch role {
	case RoleAdmin:
		if member != "" {
			p.Add("member", "only member invites name a co-op")
		}
	case RoleMember:
		if !node.ValidSlug(member) {
			p.Add("member", "a member invite needs the co-op")
		} else if active, err := a.Store.MemberActive(ctx, member); err != nil {
			return "", nil, err
		} else if !active {
			p.Add("member", "%q is not an active member co-op of this node", member)
		}
	default:
		p.Add("role", "must be admin or member")
	}
	email = strings.TrimSpace(email)
	if email != "" {
		if _, err := mail.ParseAddress(email); err != nil {
			p.Add("email", "is not an email address")
		}
	}
	if err := p.Err("create invite"); err != nil {
		return "", nil, err
	}
	ttl := a.InviteTTL
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	token := NewToken()
	now := a.now()
	inv := &Invite{TokenHash: HashToken(token), Role: role, Member: member, Email: email, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.Store.CreateInvite(ctx, inv); err != nil {
		return "", nil, err
	}
	return token, inv, nil
}

// Invites lists the invites, newest first.
func (a *Accounts) Invites(ctx context.Context) ([]*Invite, error) { return a.Store.Invites(ctx) }

// CheckInvite returns the invite of a token if it can still be used.
func (a *Accounts) CheckInvite(ctx context.Context, token string) (*Invite, error) {
	inv, err := a.Store.InviteByHash(ctx, HashToken(token))
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil, &node.Error{Code: node.ENOTFOUND, Op: "check invite", Message: "this invitation link is not valid"}
	}
	if err != nil {
		return nil, err
	}
	if inv.Used() {
		return nil, &node.Error{Code: node.ECONFLICT, Op: "check invite", Message: "this invitation link was already used"}
	}
	if !a.now().Before(inv.ExpiresAt) {
		return nil, &node.Error{Code: node.ECONFLICT, Op: "check invite", Message: "this invitation link has expired"}
	}
	return inv, nil
}

// AcceptInvite creates the invited person's account with their name,
// email (the invite's when it names one) and password.
func (a *Accounts) AcceptInvite(ctx context.Context, token, name, email, password string) (*User, error) {
	inv, err := a.CheckInvite(ctx, token)
	if err != nil {
		return nil, err
	}
	var p node.Problems
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > node.MaxNameLen {
		p.Add("name", "must be 1-%d characters", node.MaxNameLen)
	}
	if inv.Email != "" {
		email = inv.Email
	}
	email = strings.TrimSpace(email)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		p.Add("email", "is not an email address")
	}
	if err := checkPasswordRules(password); err != nil {
		p.Add("password", "%s", err.Error())
	}
	if err := p.Err("accept invite"); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: email, Name: name, Role: inv.Role, Member: inv.Member, PasswordHash: hash, CreatedAt: a.now()}
	if err := a.Store.AcceptInvite(ctx, inv.TokenHash, u); err != nil {
		return nil, err
	}
	return u, nil
}

func checkPasswordRules(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen || n > 200 {
		return fmt.Errorf("must be %d to 200 characters", MinPasswordLen)
	}
	return nil
}

// SetPassword sets a user's password (the CLI uses it for a first admin).
func (a *Accounts) SetPassword(ctx context.Context, id int64, password string) error {
	if err := checkPasswordRules(password); err != nil {
		var p node.Problems
		p.Add("password", "%s", err.Error())
		return p.Err("set password")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return a.Store.SetPassword(ctx, id, hash)
}
