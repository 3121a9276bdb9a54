package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// AddDeliveries records one pending delivery of an activity per target,
// and returns the ids of the new ones and of those the activity already
// had that are still pending (delivered or dead ones are left alone).
func (db *DB) AddDeliveries(ctx context.Context, activityID string, body []byte, targets []node.DeliveryTarget) ([]int64, error) {
	var ids []int64
	now := formatTime(db.Now())
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, t := range targets {
			var peer any
			if t.PeerID != 0 {
				peer = t.PeerID
			}
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO deliveries(activity_id, inbox, peer_id, body, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(activity_id, inbox) DO NOTHING RETURNING id`,
				activityID, t.Inbox, peer, body, now, now).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				// The fan-out runs again (its event was redelivered after
				// a failure): the delivery still pending is queued again,
				// since its job may be the one that failed to publish.
				err = tx.QueryRowContext(ctx, `SELECT id FROM deliveries WHERE activity_id = ? AND inbox = ? AND state = 'pending'`,
					activityID, t.Inbox).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					continue
				}
			}
			if err != nil {
				return fmt.Errorf("add deliveries: %w", err)
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// Delivery returns a delivery by id.
func (db *DB) Delivery(ctx context.Context, id int64) (*node.Delivery, error) {
	var d node.Delivery
	var peer sql.NullInt64
	var next sql.NullString
	var created string
	err := db.read.QueryRowContext(ctx, `SELECT id, activity_id, inbox, peer_id, body, state, attempts, last_error, next_attempt, created_at
		FROM deliveries WHERE id = ?`, id).Scan(&d.ID, &d.ActivityID, &d.Inbox, &peer, &d.Body, &d.State, &d.Attempts, &d.LastError, &next, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &node.Error{Code: node.ENOTFOUND, Op: "get delivery", Message: fmt.Sprintf("delivery %d not found", id)}
	}
	if err != nil {
		return nil, fmt.Errorf("get delivery: %w", err)
	}
	d.PeerID, d.CreatedAt = peer.Int64, parseTime(created)
	if next.Valid {
		d.NextAttempt = parseTime(next.String)
	}
	return &d, nil
}

// RecordAttempt stores the outcome of a delivery attempt: state is
// pending (with the error and the next attempt), delivered or dead.
func (db *DB) RecordAttempt(ctx context.Context, id int64, state, lastError string, next time.Time) error {
	var nextArg any
	if !next.IsZero() {
		nextArg = formatTime(next)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt = ?, updated_at = ?
			WHERE id = ?`, state, lastError, nextArg, formatTime(db.Now()), id)
		return err
	})
}

// PendingDeliveries returns the ids of deliveries still to make, oldest
// first, to requeue them when the delivery stream was lost.
func (db *DB) PendingDeliveries(ctx context.Context) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM deliveries WHERE state = 'pending' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// StaleDeliveries returns the ids of pending deliveries that nothing has
// touched since before: neither attempted nor due after it. Their job may
// be gone from the queue; the periodic sweep queues them again.
func (db *DB) StaleDeliveries(ctx context.Context, before time.Time) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM deliveries WHERE state = 'pending'
		AND updated_at < ? AND (next_attempt IS NULL OR next_attempt < ?) ORDER BY id`, formatTime(before), formatTime(before))
	if err != nil {
		return nil, fmt.Errorf("stale deliveries: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CancelDeliveries marks a peer's pending deliveries dead (on block).
func (db *DB) CancelDeliveries(ctx context.Context, peerID int64, reason string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'dead', last_error = ?, updated_at = ? WHERE peer_id = ? AND state = 'pending'`,
			reason, formatTime(db.Now()), peerID)
		return err
	})
}

// AddOutboxItem records an activity this node published.
func (db *DB) AddOutboxItem(ctx context.Context, it node.OutboxItem) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		audience := "peers"
		if it.Public {
			audience = "public"
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO outbox_activities(activity_id, audience, body, published) VALUES (?, ?, ?, ?)`,
			it.ActivityID, audience, it.Body, formatTime(it.Published))
		return err
	})
}

// OutboxPage returns up to limit published activities older than before
// (0 = newest), newest first, public ones only unless peers is true, and
// the total count.
func (db *DB) OutboxPage(ctx context.Context, peers bool, before int64, limit int) ([]node.OutboxItem, int, error) {
	cond := `audience = 'public'`
	if peers {
		cond = `audience IN ('public', 'peers')`
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM outbox_activities WHERE `+cond).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("outbox page: %w", err)
	}
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := db.read.QueryContext(ctx, `SELECT seq, activity_id, audience, body, published FROM outbox_activities
		WHERE `+cond+` AND seq < ? ORDER BY seq DESC LIMIT ?`, before, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("outbox page: %w", err)
	}
	defer rows.Close()
	var out []node.OutboxItem
	for rows.Next() {
		var it node.OutboxItem
		var audience, published string
		if err := rows.Scan(&it.Seq, &it.ActivityID, &audience, &it.Body, &published); err != nil {
			return nil, 0, err
		}
		it.Public, it.Published = audience == "public", parseTime(published)
		out = append(out, it)
	}
	return out, total, rows.Err()
}
