package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RevokeToken records a token id as revoked until it would have expired.
func (db *DB) RevokeToken(ctx context.Context, jti string, expires time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO revoked_tokens(jti, expires_at, revoked_at) VALUES (?, ?, ?)`,
			jti, formatTime(expires), formatTime(db.Now()))
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return nil
	})
}

// TokenRevoked reports whether a token id was revoked.
func (db *DB) TokenRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM revoked_tokens WHERE jti = ?`, jti).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("token revoked: %w", err)
	}
	return true, nil
}
