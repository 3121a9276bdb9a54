package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/membership"
)

var _ membership.Store = (*DB)(nil)

const memberColumns = `m.seq, m.id, m.origin, m.ap_id, m.name, m.legal_form, m.country, m.region, m.website,
	m.summary, m.languages, m.competences, m.tags, m.status, m.contact, m.created_at, m.updated_at, m.public`

type scanner interface{ Scan(dest ...any) error }

func scanMember(s scanner) (*node.Member, int64, error) {
	var (
		m                                   node.Member
		seq                                 int64
		apID, contact                       sql.NullString
		summary, langs, comps, tags, ca, ua string
	)
	err := s.Scan(&seq, &m.ID, &m.Origin, &apID, &m.Name, &m.LegalForm, &m.Country, &m.Region, &m.Website,
		&summary, &langs, &comps, &tags, &m.Status, &contact, &ca, &ua, &m.InDirectory)
	if err != nil {
		return nil, 0, err
	}
	m.APID = apID.String
	m.CreatedAt, m.UpdatedAt = parseTime(ca), parseTime(ua)
	for _, f := range []struct {
		src string
		dst any
	}{{summary, &m.Summary}, {langs, &m.Languages}, {comps, &m.Competences}, {tags, &m.Tags}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, 0, fmt.Errorf("decode member %s: %w", m.ID, err)
		}
	}
	if contact.Valid && contact.String != "" {
		m.Contact = new(node.Contact)
		if err := json.Unmarshal([]byte(contact.String), m.Contact); err != nil {
			return nil, 0, fmt.Errorf("decode member %s: %w", m.ID, err)
		}
	}
	return &m, seq, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and slices of strings reach here
	}
	return string(b)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func memberArgs(m *node.Member) []any {
	var contact, apID any
	if m.Contact != nil {
		contact = mustJSON(m.Contact)
	}
	if m.APID != "" {
		apID = m.APID
	}
	summary := m.Summary
	if summary == nil {
		summary = map[string]string{}
	}
	return []any{m.ID, m.Origin, apID, m.Name, m.LegalForm, m.Country, m.Region, m.Website,
		mustJSON(summary), mustJSON(orEmpty(m.Languages)), mustJSON(orEmpty(m.Competences)), mustJSON(orEmpty(m.Tags)),
		string(m.Status), contact, formatTime(m.CreatedAt), formatTime(m.UpdatedAt), boolInt(m.InDirectory)}
}

// summaryText joins the summary's languages in a stable order for the
// full-text index.
func summaryText(s map[string]string) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = s[k]
	}
	return strings.Join(parts, "\n")
}

// insertMember writes a member row and its index rows.
func insertMember(ctx context.Context, tx *sql.Tx, m *node.Member) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO members(id, origin, ap_id, name, legal_form, country, region, website,
		summary, languages, competences, tags, status, contact, created_at, updated_at, public)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, memberArgs(m)...)
	if isUniqueViolation(err) {
		return 0, &node.Error{Code: node.ECONFLICT, Message: fmt.Sprintf("a member with id %q already exists", m.ID), Op: "create member"}
	}
	if err != nil {
		return 0, fmt.Errorf("insert member: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return seq, indexMember(ctx, tx, seq, m, true)
}

// indexMember writes the full-text row of a member; fresh says there is
// none yet (deleting an absent row would leave a tombstone behind). Only
// active members are in the index: catalogue searches ask for them, and
// keeping the others out keeps the status facet from matching nearly
// every row. Searches for other statuses use the members table.
func indexMember(ctx context.Context, tx *sql.Tx, seq int64, m *node.Member, fresh bool) error {
	if !fresh {
		if _, err := tx.ExecContext(ctx, `DELETE FROM members_fts WHERE rowid = ?`, seq); err != nil {
			return fmt.Errorf("index member: %w", err)
		}
	}
	if !m.Status.Active() {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO members_fts(rowid, name, summary, tags, facets) VALUES (?, ?, ?, ?, ?)`,
		seq, m.Name, summaryText(m.Summary), strings.Join(m.Tags, " "), strings.Join(facets(m), " "))
	if err != nil {
		return fmt.Errorf("index member: %w", err)
	}
	return nil
}

func insertHistory(ctx context.Context, tx *sql.Tx, ch node.StatusChange) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO member_history(member_id, from_status, to_status, at, note) VALUES (?, ?, ?, ?, ?)`,
		ch.MemberID, string(ch.From), string(ch.To), formatTime(ch.At), ch.Note)
	if err != nil {
		return fmt.Errorf("member history: %w", err)
	}
	return nil
}

// CreateMember inserts a member, its first history entry and its events.
func (db *DB) CreateMember(ctx context.Context, m *node.Member, ch node.StatusChange, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := insertMember(ctx, tx, m); err != nil {
			return err
		}
		if err := insertHistory(ctx, tx, ch); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// GetMember returns a member by id.
func (db *DB) GetMember(ctx context.Context, id string) (*node.Member, error) {
	m, _, err := scanMember(db.read.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members m WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &node.Error{Code: node.ENOTFOUND, Message: fmt.Sprintf("member %q not found", id), Op: "get member"}
	}
	if err != nil {
		return nil, fmt.Errorf("get member: %w", err)
	}
	return m, nil
}

// updateMember rewrites a member row found by id and reindexes it.
func updateMember(ctx context.Context, tx *sql.Tx, m *node.Member) error {
	args := append(memberArgs(m)[1:], m.ID)
	var seq int64
	err := tx.QueryRowContext(ctx, `UPDATE members SET origin = ?, ap_id = ?, name = ?, legal_form = ?, country = ?, region = ?,
		website = ?, summary = ?, languages = ?, competences = ?, tags = ?, status = ?, contact = ?, created_at = ?, updated_at = ?, public = ?
		WHERE id = ? RETURNING seq`, args...).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return &node.Error{Code: node.ENOTFOUND, Message: fmt.Sprintf("member %q not found", m.ID), Op: "update member"}
	}
	if err != nil {
		return fmt.Errorf("update member: %w", err)
	}
	return indexMember(ctx, tx, seq, m, false)
}

// UpdateMember stores a member's new fields and its events.
func (db *DB) UpdateMember(ctx context.Context, m *node.Member, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := updateMember(ctx, tx, m); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// SetMemberStatus stores a member's new status, the history entry and the
// events.
func (db *DB) SetMemberStatus(ctx context.Context, m *node.Member, ch node.StatusChange, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := updateMember(ctx, tx, m); err != nil {
			return err
		}
		if err := insertHistory(ctx, tx, ch); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// MemberHistory returns a member's status changes, oldest first.
func (db *DB) MemberHistory(ctx context.Context, id string) ([]node.StatusChange, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT from_status, to_status, at, note FROM member_history WHERE member_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("member history: %w", err)
	}
	defer rows.Close()
	out := []node.StatusChange{}
	for rows.Next() {
		ch := node.StatusChange{MemberID: id}
		var at string
		if err := rows.Scan(&ch.From, &ch.To, &at, &ch.Note); err != nil {
			return nil, fmt.Errorf("member history: %w", err)
		}
		ch.At = parseTime(at)
		out = append(out, ch)
	}
	return out, rows.Err()
}

// MemberActive reports whether a local member exists and is in status
// member. Auth uses it to refuse the tokens of members who left.
func (db *DB) MemberActive(ctx context.Context, id string) (bool, error) {
	var status string
	err := db.read.QueryRowContext(ctx, `SELECT status FROM members WHERE id = ? AND origin = ''`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("member active: %w", err)
	}
	return node.MemberStatus(status).Active(), nil
}

// MemberLeftAt returns when a local member last lapsed or left (the
// zero time when it never did). Auth refuses the tokens and sessions made
// before it, so they stay dead when the co-op rejoins.
func (db *DB) MemberLeftAt(ctx context.Context, id string) (time.Time, error) {
	var at sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT max(at) FROM member_history WHERE member_id = ? AND to_status IN (?, ?)`,
		id, string(node.StatusLapsed), string(node.StatusAlumni)).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("member left at: %w", err)
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return parseTime(at.String), nil
}

// ImportMembers inserts many members in one transaction, with their first
// history entries and no events. It is meant for bulk loads (a migration
// from another system, a benchmark's data set); nothing is inserted when
// one member fails.
func (db *DB) ImportMembers(ctx context.Context, members []*node.Member) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, m := range members {
			if _, err := insertMember(ctx, tx, m); err != nil {
				return err
			}
			if err := insertHistory(ctx, tx, node.StatusChange{MemberID: m.ID, To: m.Status, At: m.CreatedAt, Note: "imported"}); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO members_fts(members_fts) VALUES ('optimize')`)
		return err
	})
}
