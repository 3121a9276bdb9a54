package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// PendingEvents returns up to limit unpublished outbox events, oldest first.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]node.Event, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, subject, aggregate_id, time, data FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending events: %w", err)
	}
	defer rows.Close()
	var out []node.Event
	for rows.Next() {
		var ev node.Event
		var at string
		var data []byte
		if err := rows.Scan(&ev.ID, &ev.Subject, &ev.AggregateID, &at, &data); err != nil {
			return nil, fmt.Errorf("pending events: %w", err)
		}
		ev.Time, ev.Data = parseTime(at), data
		out = append(out, ev)
	}
	return out, rows.Err()
}

// MarkPublished records that the events are on the stream.
func (db *DB) MarkPublished(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, formatTime(db.Now()))
	for _, id := range ids {
		args = append(args, id)
	}
	q := `UPDATE outbox SET published_at = ? WHERE id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// OutboxLag returns the number of unpublished events and the time of the
// oldest one (zero when none).
func (db *DB) OutboxLag(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest *string
	err := db.read.QueryRowContext(ctx, `SELECT count(*), min(time) FROM outbox WHERE published_at IS NULL`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox lag: %w", err)
	}
	if oldest == nil {
		return n, time.Time{}, nil
	}
	return n, parseTime(*oldest), nil
}

// PruneOutbox deletes published events older than the cut-off and returns
// how many went.
func (db *DB) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?`, formatTime(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// RepublishSince marks the events published since t as unpublished, so
// that the relay publishes them again. After a crash, JetStream may have
// lost the newest messages it had acknowledged (it writes to disk a few
// milliseconds later); republished events that it kept are dropped as
// duplicates by message id, as long as t is inside its duplicate window.
func (db *DB) RepublishSince(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET published_at = NULL WHERE published_at >= ?`, formatTime(t))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
