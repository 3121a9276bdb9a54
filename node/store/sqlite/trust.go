package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Setting returns a node setting, "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a node setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// CreateAdmission records a credential the confederation issued, and its
// event, in one transaction.
func (db *DB) CreateAdmission(ctx context.Context, a *node.Admission, ev node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO admissions(jti, actor, country, name, issued_at, expires_at, credential) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.JTI, a.Actor, a.Country, a.Name, formatTime(a.IssuedAt), formatTime(a.ExpiresAt), a.Credential)
		if err != nil {
			return fmt.Errorf("create admission: %w", err)
		}
		return insertEvents(ctx, tx, []node.Event{ev})
	})
}

// RevokeAdmission marks a credential revoked and writes the event; a
// credential revoked before is left as it is (ECONFLICT).
func (db *DB) RevokeAdmission(ctx context.Context, jti string, at time.Time, ev node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM admissions WHERE jti = ?`, jti).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return &node.Error{Code: node.ENOTFOUND, Op: "revoke admission", Message: "no admission with jti " + jti}
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return &node.Error{Code: node.ECONFLICT, Op: "revoke admission", Message: "admission " + jti + " was revoked on " + revoked.String}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE admissions SET revoked_at = ? WHERE jti = ?`, formatTime(at), jti); err != nil {
			return err
		}
		return insertEvents(ctx, tx, []node.Event{ev})
	})
}

// Admissions lists the issued credentials, newest first.
func (db *DB) Admissions(ctx context.Context) ([]*node.Admission, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT jti, actor, country, name, issued_at, expires_at, credential, revoked_at FROM admissions ORDER BY issued_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("admissions: %w", err)
	}
	defer rows.Close()
	out := []*node.Admission{}
	for rows.Next() {
		var a node.Admission
		var iat, exp string
		var revoked sql.NullString
		if err := rows.Scan(&a.JTI, &a.Actor, &a.Country, &a.Name, &iat, &exp, &a.Credential, &revoked); err != nil {
			return nil, err
		}
		a.IssuedAt, a.ExpiresAt = parseTime(iat), parseTime(exp)
		if revoked.Valid {
			t := parseTime(revoked.String)
			a.RevokedAt = &t
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}
