package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/catalogue"
)

var _ catalogue.Store = (*DB)(nil)

// matchExpr builds the FTS5 expression of a query: the free text against
// the text columns, AND the facet tokens of every filter.
func matchExpr(q catalogue.Query, competencePrefix string) string {
	parts := []string{}
	if text := catalogue.FTSQuery(q.Text); text != "" {
		parts = append(parts, "{name summary tags} : ("+text+")")
	}
	var f []string
	if q.Country != "" {
		f = append(f, token(facetCountry, q.Country))
	}
	if q.Region != "" {
		f = append(f, token(facetRegion, q.Region))
	}
	if competencePrefix != "" {
		f = append(f, token(facetCPV, competencePrefix))
	}
	if q.Language != "" {
		f = append(f, token(facetLang, q.Language))
	}
	if q.Public {
		f = append(f, facetPublic)
	}
	switch q.Origin {
	case "":
	case "local":
		f = append(f, originToken(""))
	case "remote":
		f = append(f, facetOrigin+"remote")
	default:
		f = append(f, originToken(q.Origin))
	}
	if len(f) > 0 {
		parts = append(parts, "facets : ("+strings.Join(f, " AND ")+")")
	}
	return strings.Join(parts, " AND ")
}

// MaxRanked is the most matches a free-text search ranks by relevance
// (bm25 scores every match); a broader search lists newest first, like a
// search without text.
const MaxRanked = 1000

// SearchMembers runs a validated catalogue query. Active members are
// found with one FTS5 match: by relevance when free text matches at most
// MaxRanked members, else newest first; browsing every active member is
// alphabetical. Other statuses, which only admins list, are filtered on
// the members table.
func (db *DB) SearchMembers(ctx context.Context, q catalogue.Query, competencePrefix string) (catalogue.Result, error) {
	if !q.Status.Active() {
		return db.searchInactive(ctx, q, competencePrefix)
	}
	expr := matchExpr(q, competencePrefix)
	var res catalogue.Result
	var query string
	var args []any
	switch {
	case expr == "": // every active member
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE status = 'member'`).Scan(&res.Total); err != nil {
			return res, fmt.Errorf("search members: count: %w", err)
		}
		query = `SELECT ` + memberColumns + ` FROM members m WHERE m.status = 'member' ORDER BY m.name COLLATE NOCASE, m.seq LIMIT ? OFFSET ?`
		args = []any{q.Limit, q.Offset}
	default:
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM members_fts WHERE members_fts MATCH ?`, expr).Scan(&res.Total); err != nil {
			return res, fmt.Errorf("search members: count: %w", err)
		}
		// Newest first: FTS5 walks rowids backwards and stops at the page.
		query = `SELECT ` + memberColumns + ` FROM (SELECT rowid FROM members_fts WHERE members_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?) f
			CROSS JOIN members m ON m.seq = f.rowid ORDER BY m.seq DESC`
		if catalogue.FTSQuery(q.Text) != "" && res.Total <= MaxRanked {
			query = `SELECT ` + memberColumns + ` FROM (SELECT rowid, rank FROM members_fts WHERE members_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?) f
			CROSS JOIN members m ON m.seq = f.rowid ORDER BY f.rank`
		}
		args = []any{expr, q.Limit, q.Offset}
	}
	if res.Total == 0 || q.Offset >= res.Total {
		return res, nil
	}
	return db.collect(ctx, res, query, args...)
}

func (db *DB) collect(ctx context.Context, res catalogue.Result, query string, args ...any) (catalogue.Result, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
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

// searchInactive lists prospects, lapsed members or alumni: small sets an
// admin browses, filtered on the members table.
func (db *DB) searchInactive(ctx context.Context, q catalogue.Query, competencePrefix string) (catalogue.Result, error) {
	where := []string{"m.status = ?"}
	args := []any{string(q.Status)}
	if q.Text != "" {
		where = append(where, "(m.name LIKE ? OR m.summary LIKE ? OR m.tags LIKE ?)")
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(q.Text) + "%"
		args = append(args, like, like, like)
	}
	if q.Country != "" {
		where = append(where, "m.country = ?")
		args = append(args, q.Country)
	}
	if q.Region != "" {
		where = append(where, "m.region >= ? AND m.region < ?")
		args = append(args, q.Region, q.Region+"~")
	}
	if competencePrefix != "" {
		where = append(where, "EXISTS (SELECT 1 FROM json_each(m.competences) c WHERE c.value >= ? AND c.value < ?)")
		args = append(args, (competencePrefix + "00000000")[:8], competencePrefix+"~")
	}
	if q.Language != "" {
		where = append(where, "EXISTS (SELECT 1 FROM json_each(m.languages) l WHERE l.value = ? OR l.value LIKE ?)")
		args = append(args, q.Language, q.Language+"-%")
	}
	if q.Public {
		where = append(where, "m.public = 1")
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
	cond := strings.Join(where, " AND ")
	var res catalogue.Result
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM members m WHERE `+cond, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("search members: count: %w", err)
	}
	if res.Total == 0 || q.Offset >= res.Total {
		return res, nil
	}
	return db.collect(ctx, res, `SELECT `+memberColumns+` FROM members m WHERE `+cond+` ORDER BY m.name COLLATE NOCASE, m.seq LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
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
