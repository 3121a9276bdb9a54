package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/catalogue"
)

var _ catalogue.Store = (*DB)(nil)

// cpvRange returns the bounds [lo, hi) of the codes under a CPV prefix.
func cpvRange(prefix string) (string, string) {
	lo := (prefix + "00000000")[:8]
	// increment the prefix as a decimal string of its own length
	b := []byte(prefix)
	i := len(b) - 1
	for i >= 0 && b[i] == '9' {
		b[i] = '0'
		i--
	}
	if i < 0 {
		return lo, "99999999~"
	}
	b[i]++
	return lo, (string(b) + "00000000")[:8]
}

// SearchMembers runs a validated catalogue query.
func (db *DB) SearchMembers(ctx context.Context, q catalogue.Query, competencePrefix string) (catalogue.Result, error) {
	var (
		from  = `members m`
		where = []string{"m.status = ?"}
		args  = []any{string(q.Status)}
		order = "m.name COLLATE NOCASE, m.seq"
	)
	if fts := catalogue.FTSQuery(q.Text); fts != "" {
		from = `(SELECT rowid AS seq, rank FROM members_fts WHERE members_fts MATCH ?) f JOIN members m ON m.seq = f.seq`
		args = append([]any{fts}, args...)
		order = "f.rank, m.seq"
	}
	if q.Country != "" {
		where = append(where, "m.country = ?")
		args = append(args, q.Country)
	}
	if q.Region != "" {
		where = append(where, "m.region >= ? AND m.region < ?")
		args = append(args, q.Region, q.Region+"~")
	}
	switch q.Origin {
	case "":
	case "local":
		where = append(where, "m.origin = ''")
	case "remote":
		where = append(where, "m.origin <> ''")
	default:
		where = append(where, "m.origin = ?")
		args = append(args, q.Origin)
	}
	if competencePrefix != "" {
		lo, hi := cpvRange(competencePrefix)
		where = append(where, "EXISTS (SELECT 1 FROM member_competences c WHERE c.member_seq = m.seq AND c.code >= ? AND c.code < ?)")
		args = append(args, lo, hi)
	}
	if q.Language != "" {
		where = append(where, "EXISTS (SELECT 1 FROM member_languages l WHERE l.member_seq = m.seq AND (l.lang = ? OR (l.lang > ? AND l.lang < ?)))")
		args = append(args, q.Language, q.Language+"-", q.Language+"-~")
	}
	cond := strings.Join(where, " AND ")
	var res catalogue.Result
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+from+` WHERE `+cond, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("search members: count: %w", err)
	}
	if res.Total == 0 || q.Offset >= res.Total {
		return res, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+memberColumns+` FROM `+from+` WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return res, fmt.Errorf("search members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, _, err := scanMember(rows)
		if err != nil {
			return res, fmt.Errorf("search members: %w", err)
		}
		res.Items = append(res.Items, m.Public())
	}
	return res, rows.Err()
}

// CountMembers returns how many members have each status, local ones only.
func (db *DB) CountMembers(ctx context.Context) (map[node.MemberStatus]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT status, count(*) FROM members WHERE origin = '' GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count members: %w", err)
	}
	defer rows.Close()
	out := map[node.MemberStatus]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[node.MemberStatus(s)] = n
	}
	return out, rows.Err()
}
