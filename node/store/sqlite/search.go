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
	f := []string{token(facetStatus, string(q.Status))}
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
	switch q.Origin {
	case "":
	case "local":
		f = append(f, originToken(""))
	case "remote":
		f = append(f, facetOrigin+"remote")
	default:
		f = append(f, originToken(q.Origin))
	}
	parts = append(parts, "facets : ("+strings.Join(f, " AND ")+")")
	return strings.Join(parts, " AND ")
}

// SearchMembers runs a validated catalogue query as one FTS5 match. With
// free text the results are ordered by relevance (bm25), without it by
// name.
func (db *DB) SearchMembers(ctx context.Context, q catalogue.Query, competencePrefix string) (catalogue.Result, error) {
	expr := matchExpr(q, competencePrefix)
	var res catalogue.Result
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM members_fts WHERE members_fts MATCH ?`, expr).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("search members: count: %w", err)
	}
	if res.Total == 0 || q.Offset >= res.Total {
		return res, nil
	}
	query := `SELECT ` + memberColumns + ` FROM members m WHERE m.seq IN (SELECT rowid FROM members_fts WHERE members_fts MATCH ?)
		ORDER BY m.name COLLATE NOCASE, m.seq LIMIT ? OFFSET ?`
	if strings.TrimSpace(catalogue.FTSQuery(q.Text)) != "" {
		query = `SELECT ` + memberColumns + ` FROM (SELECT rowid, rank FROM members_fts WHERE members_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?) f
		CROSS JOIN members m ON m.seq = f.rowid ORDER BY f.rank`
	}
	rows, err := db.read.QueryContext(ctx, query, expr, q.Limit, q.Offset)
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
