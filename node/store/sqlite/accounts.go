package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

var _ auth.AccountStore = (*DB)(nil)

const userColumns = `id, email, name, role, member_id, password_hash, created_at`

func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	var u auth.User
	var created string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Member, &u.PasswordHash, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = parseTime(created)
	return &u, nil
}

func userResult(u *auth.User, err error, op string) (*auth.User, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &node.Error{Code: node.ENOTFOUND, Op: op, Message: "no such user"}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return u, nil
}

// UserByEmail returns the user with that email, in any case.
func (db *DB) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	return userResult(u, err, "user by email")
}

// UserByID returns a user by id.
func (db *DB) UserByID(ctx context.Context, id int64) (*auth.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	return userResult(u, err, "user by id")
}

// SetPassword replaces a user's password hash and ends their sessions.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &node.Error{Code: node.ENOTFOUND, Op: "set password", Message: "no such user"}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return err
	})
}

// CreateSession stores a session and drops the expired ones.
func (db *DB) CreateSession(ctx context.Context, s *auth.Session) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, formatTime(s.CreatedAt)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			s.TokenHash, s.UserID, formatTime(s.CreatedAt), formatTime(s.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return nil
	})
}

// SessionByHash returns a session by the hash of its token.
func (db *DB) SessionByHash(ctx context.Context, hash string) (*auth.Session, error) {
	s := auth.Session{TokenHash: hash}
	var created, expires string
	err := db.read.QueryRowContext(ctx, `SELECT user_id, created_at, expires_at FROM sessions WHERE token_hash = ?`, hash).
		Scan(&s.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &node.Error{Code: node.ENOTFOUND, Op: "get session", Message: "no such session"}
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = parseTime(created), parseTime(expires)
	return &s, nil
}

// DeleteSession removes a session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// CreateInvite stores an invite.
func (db *DB) CreateInvite(ctx context.Context, inv *auth.Invite) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO invites(token_hash, role, member_id, email, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, inv.TokenHash, inv.Role, inv.Member, inv.Email, inv.CreatedBy,
			formatTime(inv.CreatedAt), formatTime(inv.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create invite: %w", err)
		}
		inv.ID, err = res.LastInsertId()
		return err
	})
}

const inviteColumns = `id, token_hash, role, member_id, email, created_by, created_at, expires_at, used_at`

func scanInvite(row interface{ Scan(...any) error }) (*auth.Invite, error) {
	var inv auth.Invite
	var created, expires, used string
	if err := row.Scan(&inv.ID, &inv.TokenHash, &inv.Role, &inv.Member, &inv.Email, &inv.CreatedBy, &created, &expires, &used); err != nil {
		return nil, err
	}
	inv.CreatedAt, inv.ExpiresAt = parseTime(created), parseTime(expires)
	if used != "" {
		inv.UsedAt = parseTime(used)
	}
	return &inv, nil
}

// InviteByHash returns an invite by the hash of its token.
func (db *DB) InviteByHash(ctx context.Context, hash string) (*auth.Invite, error) {
	inv, err := scanInvite(db.read.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &node.Error{Code: node.ENOTFOUND, Op: "get invite", Message: "no such invite"}
	}
	if err != nil {
		return nil, fmt.Errorf("get invite: %w", err)
	}
	return inv, nil
}

// Invites lists the invites, newest first.
func (db *DB) Invites(ctx context.Context) ([]*auth.Invite, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+inviteColumns+` FROM invites ORDER BY id DESC LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	defer rows.Close()
	var out []*auth.Invite
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("list invites: %w", err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// AcceptInvite creates the user and marks the invite used, once.
func (db *DB) AcceptInvite(ctx context.Context, hash string, u *auth.User) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users(email, name, role, member_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u.Email, u.Name, u.Role, u.Member, u.PasswordHash, formatTime(u.CreatedAt))
		if isUniqueViolation(err) {
			return &node.Error{Code: node.ECONFLICT, Op: "accept invite", Message: "an account with this email exists",
				Fields: []node.FieldError{{Field: "email", Reason: "an account with this email exists"}}}
		}
		if err != nil {
			return fmt.Errorf("accept invite: %w", err)
		}
		if u.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE invites SET used_at = ?, user_id = ? WHERE token_hash = ? AND used_at = ''`,
			formatTime(u.CreatedAt), u.ID, hash)
		if err != nil {
			return fmt.Errorf("accept invite: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &node.Error{Code: node.ECONFLICT, Op: "accept invite", Message: "this invitation link was already used"}
		}
		return nil
	})
}
