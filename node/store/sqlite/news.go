package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
)

var _ news.Store = (*DB)(nil)

func newsData(n *node.NewsItem) ([]byte, error) {
	c := *n
	c.Images = make([]node.Image, len(n.Images))
	for i, im := range n.Images {
		im.Data = nil
		c.Images[i] = im
	}
	return json.Marshal(&c)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func writeNews(ctx context.Context, tx *sql.Tx, n *node.NewsItem, insert bool) error {
	data, err := newsData(n)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.ExecContext(ctx, `INSERT INTO news(id, origin, ap_id, guid, published, publish_at, revision, data, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			n.ID, n.Origin, nullable(n.APID), nullable(n.GUID), boolInt(n.Published), formatTime(n.PublishAt), n.Revision, string(data), formatTime(n.CreatedAt), formatTime(n.UpdatedAt))
		if isUniqueViolation(err) {
			return &node.Error{Code: node.ECONFLICT, Op: "create news", Message: "a news item with this id or feed GUID exists"}
		}
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE news SET published = ?, publish_at = ?, revision = ?, data = ?, updated_at = ? WHERE id = ?`,
			boolInt(n.Published), formatTime(n.PublishAt), n.Revision, string(data), formatTime(n.UpdatedAt), n.ID)
	}
	if err != nil {
		return fmt.Errorf("write news: %w", err)
	}
	keep := make([]any, 0, len(n.Images)+1)
	keep = append(keep, n.ID)
	for _, im := range n.Images {
		if im.Data != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO media(id, news_id, media_type, data) VALUES (?,?,?,?)`, im.ID, n.ID, im.MediaType, im.Data); err != nil {
				return fmt.Errorf("write news image: %w", err)
			}
		}
		keep = append(keep, im.ID)
	}
	q := `DELETE FROM media WHERE news_id = ?`
	if len(keep) > 1 {
		q += ` AND id NOT IN (?` + strings.Repeat(",?", len(keep)-2) + `)`
	}
	_, err = tx.ExecContext(ctx, q, keep...)
	return err
}

// CreateNews inserts a news item, its images and its events.
func (db *DB) CreateNews(ctx context.Context, n *node.NewsItem, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := writeNews(ctx, tx, n, true); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// UpdateNews replaces a news item.
func (db *DB) UpdateNews(ctx context.Context, n *node.NewsItem, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := writeNews(ctx, tx, n, false); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// DeleteNews deletes a news item and its images.
func (db *DB) DeleteNews(ctx context.Context, id string, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM media WHERE news_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM news WHERE id = ?`, id); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

func scanNews(row interface{ Scan(...any) error }) (*node.NewsItem, error) {
	var data string
	var rev int64
	if err := row.Scan(&data, &rev); err != nil {
		return nil, err
	}
	var n node.NewsItem
	if err := json.Unmarshal([]byte(data), &n); err != nil {
		return nil, fmt.Errorf("news row: %w", err)
	}
	n.Revision = rev
	return &n, nil
}

// GetNews returns a news item by id.
func (db *DB) GetNews(ctx context.Context, id string) (*node.NewsItem, error) {
	n, err := scanNews(db.read.QueryRowContext(ctx, `SELECT data, revision FROM news WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, node.Errorf(node.ENOTFOUND, "no news item %s", id)
	}
	return n, err
}

// NewsByGUID returns the item imported from a feed entry.
func (db *DB) NewsByGUID(ctx context.Context, guid string) (*node.NewsItem, error) {
	n, err := scanNews(db.read.QueryRowContext(ctx, `SELECT data, revision FROM news WHERE guid = ?`, guid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, node.Errorf(node.ENOTFOUND, "no news item from %s", guid)
	}
	return n, err
}

func originClause(origin string) (string, []any) {
	switch origin {
	case "local":
		return ` AND origin = 'local'`, nil
	case "remote":
		return ` AND origin <> 'local'`, nil
	case "":
		return "", nil
	default:
		return ` AND origin = ?`, []any{origin}
	}
}

func limitOf(q news.Query) (int, int) {
	l := q.Limit
	if l <= 0 || l > 200 {
		l = 50
	}
	return l, max(q.Offset, 0)
}

// ListNews lists news newest first.
func (db *DB) ListNews(ctx context.Context, q news.Query) ([]*node.NewsItem, error) {
	where, args := originClause(q.Origin)
	if !q.Unpublished {
		where += ` AND published = 1`
	}
	if !q.Since.IsZero() {
		where += ` AND publish_at >= ?`
		args = append(args, formatTime(q.Since))
	}
	if !q.Until.IsZero() {
		where += ` AND publish_at < ?`
		args = append(args, formatTime(q.Until))
	}
	l, o := limitOf(q)
	args = append(args, l, o)
	rows, err := db.read.QueryContext(ctx, `SELECT data, revision FROM news WHERE 1=1`+where+` ORDER BY publish_at DESC, id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list news: %w", err)
	}
	defer rows.Close()
	out := []*node.NewsItem{}
	for rows.Next() {
		n, err := scanNews(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// DueNews returns local unpublished items whose time has come.
func (db *DB) DueNews(ctx context.Context, now time.Time) ([]*node.NewsItem, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT data, revision FROM news WHERE origin = 'local' AND published = 0 AND publish_at <= ? ORDER BY publish_at`, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("due news: %w", err)
	}
	defer rows.Close()
	var out []*node.NewsItem
	for rows.Next() {
		n, err := scanNews(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Media returns an uploaded image of a published item.
func (db *DB) Media(ctx context.Context, id string) (mediaType string, data []byte, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT m.media_type, m.data FROM media m JOIN news n ON n.id = m.news_id WHERE m.id = ? AND n.published = 1`, id).Scan(&mediaType, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, node.Errorf(node.ENOTFOUND, "no image %s", id)
	}
	return mediaType, data, err
}

// remoteID derives a local id for a remote object.
func remoteID(apID string) string {
	sum := sha256.Sum256([]byte(apID))
	return "r" + hex.EncodeToString(sum[:8])
}

// UpsertRemoteNews stores a news item a peer published, once per
// activity; an older revision than the stored one, or than a Delete
// already applied, changes nothing.
func (db *DB) UpsertRemoteNews(ctx context.Context, activityID, typ string, n *node.NewsItem) error {
	n.ID = remoteID(n.APID)
	return db.onceTx(ctx, activityID, n.Origin, typ, func(tx *sql.Tx) error {
		return upsertRemote(ctx, tx, "news", n.APID, n.Revision, func(created time.Time, isNew bool) error {
			if !isNew {
				n.CreatedAt = created
			}
			return writeNews(ctx, tx, n, isNew)
		})
	})
}

// UpsertRemoteCalendarEvent stores an event a peer published, under the
// same rules.
func (db *DB) UpsertRemoteCalendarEvent(ctx context.Context, activityID, typ string, e *node.CalendarEvent) error {
	e.ID = remoteID(e.APID)
	return db.onceTx(ctx, activityID, e.Origin, typ, func(tx *sql.Tx) error {
		return upsertRemote(ctx, tx, "calendar_events", e.APID, e.Revision, func(created time.Time, isNew bool) error {
			if !isNew {
				e.CreatedAt = created
			}
			return writeEvent(ctx, tx, e, isNew)
		})
	})
}

// upsertRemote calls write for a peer's object unless a Delete or a newer
// revision of it was applied before: with isNew when the table (news or
// calendar_events) has no row of that ap_id, else with the row's creation
// time.
func upsertRemote(ctx context.Context, tx *sql.Tx, table, apID string, revision int64, write func(created time.Time, isNew bool) error) error {
	if stale, err := tombstoned(ctx, tx, apID, revision); err != nil || stale {
		return err
	}
	var rev int64
	var created string
	err := tx.QueryRowContext(ctx, `SELECT revision, created_at FROM `+table+` WHERE ap_id = ?`, apID).Scan(&rev, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return write(time.Time{}, true)
	case err != nil:
		return err
	case rev > revision:
		return nil
	}
	return write(parseTime(created), false)
}

func tombstoned(ctx context.Context, tx *sql.Tx, apID string, revision int64) (bool, error) {
	var deleted int64
	err := tx.QueryRowContext(ctx, `SELECT revision FROM remote_tombstones WHERE ap_id = ?`, apID).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && deleted >= revision, err
}

// DeleteRemoteContent deletes a remote news item or event origin owns,
// once per activity, and remembers the deletion. found is false (and
// nothing is recorded) when no such item is stored, so the caller can
// try other kinds of object.
func (db *DB) DeleteRemoteContent(ctx context.Context, activityID, origin, apID string, revision int64) (found bool, err error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM news WHERE ap_id = ? AND origin = ?) + (SELECT count(*) FROM calendar_events WHERE ap_id = ? AND origin = ?)`,
		apID, origin, apID, origin).Scan(&n); err != nil {
		return false, err
	}
	if n == 0 {
		return false, nil
	}
	return true, db.onceTx(ctx, activityID, origin, "Delete", func(tx *sql.Tx) error {
		for _, table := range []string{"news", "calendar_events"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE ap_id = ? AND origin = ? AND revision <= ?`, apID, origin, revision); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO remote_tombstones(ap_id, origin, revision, deleted_at) VALUES (?,?,?,?)
			ON CONFLICT(ap_id) DO UPDATE SET revision = max(revision, excluded.revision), deleted_at = excluded.deleted_at`,
			apID, origin, revision, formatTime(db.Now()))
		return err
	})
}
