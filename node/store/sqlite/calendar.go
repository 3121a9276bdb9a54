package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
)

func writeEvent(ctx context.Context, tx *sql.Tx, e *node.CalendarEvent, insert bool) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.ExecContext(ctx, `INSERT INTO calendar_events(id, origin, ap_id, start_at, end_at, revision, data, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)`,
			e.ID, e.Origin, nullable(e.APID), formatTime(e.Start), formatTime(e.End), e.Revision, string(data), formatTime(e.CreatedAt), formatTime(e.UpdatedAt))
		if isUniqueViolation(err) {
			return &node.Error{Code: node.ECONFLICT, Op: "create event", Message: "an event with id " + e.ID + " exists"}
		}
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE calendar_events SET start_at = ?, end_at = ?, revision = ?, data = ?, updated_at = ? WHERE id = ?`,
			formatTime(e.Start), formatTime(e.End), e.Revision, string(data), formatTime(e.UpdatedAt), e.ID)
	}
	if err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	return nil
}

// CreateCalendarEvent inserts an event and its domain events.
func (db *DB) CreateCalendarEvent(ctx context.Context, e *node.CalendarEvent, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := writeEvent(ctx, tx, e, true); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// UpdateCalendarEvent replaces an event.
func (db *DB) UpdateCalendarEvent(ctx context.Context, e *node.CalendarEvent, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := writeEvent(ctx, tx, e, false); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// DeleteCalendarEvent deletes an event.
func (db *DB) DeleteCalendarEvent(ctx context.Context, id string, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_events WHERE id = ?`, id); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

func scanEvent(row interface{ Scan(...any) error }) (*node.CalendarEvent, error) {
	var data string
	var rev int64
	if err := row.Scan(&data, &rev); err != nil {
		return nil, err
	}
	var e node.CalendarEvent
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		return nil, fmt.Errorf("event row: %w", err)
	}
	e.Revision = rev
	return &e, nil
}

// GetCalendarEvent returns an event by id.
func (db *DB) GetCalendarEvent(ctx context.Context, id string) (*node.CalendarEvent, error) {
	e, err := scanEvent(db.read.QueryRowContext(ctx, `SELECT data, revision FROM calendar_events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, node.Errorf(node.ENOTFOUND, "no event %s", id)
	}
	return e, err
}

// ListCalendarEvents lists events by start time.
func (db *DB) ListCalendarEvents(ctx context.Context, q news.Query) ([]*node.CalendarEvent, error) {
	where, args := originClause(q.Origin)
	if !q.Since.IsZero() {
		where += ` AND end_at >= ?`
		args = append(args, formatTime(q.Since))
	}
	if !q.Until.IsZero() {
		where += ` AND start_at < ?`
		args = append(args, formatTime(q.Until))
	}
	l, o := limitOf(q)
	args = append(args, l, o)
	rows, err := db.read.QueryContext(ctx, `SELECT data, revision FROM calendar_events WHERE 1=1`+where+` ORDER BY start_at, id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	out := []*node.CalendarEvent{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
