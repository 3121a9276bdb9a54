package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/notice"
)

var _ notice.Store = (*DB)(nil)

func addNotice(ctx context.Context, tx *sql.Tx, n *node.Notice) (bool, error) {
	summary := n.Summary
	if summary == nil {
		summary = map[string]string{}
	}
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO notices(member, kind, ref, title, summary, reason, url, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, n.Member, n.Kind, n.Ref, mustJSON(n.Title), mustJSON(summary), n.Reason, n.URL, formatTime(n.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("add notice: %w", err)
	}
	k, _ := res.RowsAffected()
	if k == 0 {
		return false, nil
	}
	n.ID, err = res.LastInsertId()
	return true, err
}

// AddNotice records a notice once per member, kind and ref.
func (db *DB) AddNotice(ctx context.Context, n *node.Notice) (bool, error) {
	var added bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = addNotice(ctx, tx, n)
		return err
	})
	return added, err
}

// AddNotices records notices in one transaction, each once per member,
// kind and ref, and returns how many were new.
func (db *DB) AddNotices(ctx context.Context, ns []*node.Notice) (int, error) {
	added := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		added = 0
		for _, n := range ns {
			ok, err := addNotice(ctx, tx, n)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	return added, err
}

// Notices returns a member's notices, newest first.
func (db *DB) Notices(ctx context.Context, member string, before int64, limit int) ([]*node.Notice, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, member, kind, ref, title, summary, reason, url, created_at FROM notices
		WHERE member = ? AND id < ? ORDER BY id DESC LIMIT ?`, member, before, limit)
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	defer rows.Close()
	out := []*node.Notice{}
	for rows.Next() {
		var (
			n              node.Notice
			title, summary string
			at             string
		)
		if err := rows.Scan(&n.ID, &n.Member, &n.Kind, &n.Ref, &title, &summary, &n.Reason, &n.URL, &at); err != nil {
			return nil, fmt.Errorf("notices: %w", err)
		}
		n.CreatedAt = parseTime(at)
		if json.Unmarshal([]byte(title), &n.Title) != nil || json.Unmarshal([]byte(summary), &n.Summary) != nil {
			return nil, fmt.Errorf("notices: decode notice %d", n.ID)
		}
		if len(n.Summary) == 0 {
			n.Summary = nil
		}
		out = append(out, &n)
	}
	return out, rows.Err()
}

// FeedSecret returns a member's feed secret, "" if none.
func (db *DB) FeedSecret(ctx context.Context, member string) (string, error) {
	var s string
	err := db.read.QueryRowContext(ctx, `SELECT secret FROM notice_feeds WHERE member = ?`, member).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return s, err
}

// SetFeedSecret stores a member's feed secret, replacing the old one.
func (db *DB) SetFeedSecret(ctx context.Context, member, secret string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notice_feeds(member, secret, created_at) VALUES (?, ?, ?)
			ON CONFLICT(member) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`, member, secret, formatTime(db.Now()))
		return err
	})
}

// FeedMember returns the member of a feed secret.
func (db *DB) FeedMember(ctx context.Context, secret string) (string, error) {
	var m string
	err := db.read.QueryRowContext(ctx, `SELECT member FROM notice_feeds WHERE secret = ?`, secret).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &node.Error{Code: node.ENOTFOUND, Op: "feed", Message: "no such feed"}
	}
	return m, err
}
