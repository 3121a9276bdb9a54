package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ClaimDigest records that the digest of period is being sent. It returns
// false when the period already has a row: sent, or being sent by a run
// that crashed (never sent twice; see spec/news.md).
func (db *DB) ClaimDigest(ctx context.Context, period string) (bool, error) {
	claimed := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO digests(period, state, started_at) VALUES (?, 'sending', ?)`, period, formatTime(db.Now()))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		claimed = n == 1
		return nil
	})
	return claimed, err
}

// FinishDigest records the outcome of sending a period's digest. A failed
// send (the server refused it) releases the period so that the next run
// tries again.
func (db *DB) FinishDigest(ctx context.Context, period string, sendErr error) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if sendErr != nil {
			_, err := tx.ExecContext(ctx, `DELETE FROM digests WHERE period = ?`, period)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE digests SET state = 'sent', sent_at = ? WHERE period = ?`, formatTime(db.Now()), period)
		return err
	})
}

// DigestState returns the state of a period's digest ("" if none).
func (db *DB) DigestState(ctx context.Context, period string) (string, error) {
	var s string
	err := db.read.QueryRowContext(ctx, `SELECT state FROM digests WHERE period = ?`, period).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return s, err
}

// DigestsSending returns the periods claimed but never marked sent: the
// node stopped while sending them (see spec/news.md).
func (db *DB) DigestsSending(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT period FROM digests WHERE state = 'sending' ORDER BY period`)
	if err != nil {
		return nil, fmt.Errorf("digests: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
