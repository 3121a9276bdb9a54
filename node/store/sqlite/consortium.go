package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/e-toiles/etoiles/node/consortium"
)

var _ consortium.Store = (*DB)(nil)

// ConsortiumCandidates returns every member co-op in status member, local
// and remote, with what the consortium builder needs: id, name, node
// (origin actor URL, empty for local members), country, region, languages
// and competences.
func (db *DB) ConsortiumCandidates(ctx context.Context) ([]consortium.Candidate, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, origin, country, region, languages, competences
		FROM members WHERE status = 'member' ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("consortium candidates: %w", err)
	}
	defer rows.Close()
	var out []consortium.Candidate
	for rows.Next() {
		var (
			c            consortium.Candidate
			region       string
			langs, comps string
		)
		if err := rows.Scan(&c.ID, &c.Name, &c.Node, &c.Country, &region, &langs, &comps); err != nil {
			return nil, fmt.Errorf("consortium candidates: %w", err)
		}
		if err := json.Unmarshal([]byte(langs), &c.Languages); err != nil {
			return nil, fmt.Errorf("consortium candidates: decode member %s: %w", c.ID, err)
		}
		if err := json.Unmarshal([]byte(comps), &c.Competences); err != nil {
			return nil, fmt.Errorf("consortium candidates: decode member %s: %w", c.ID, err)
		}
		if region != "" {
			c.Regions = []string{region}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CandidatesVersion returns a fingerprint of the active members: their
// number, the newest row and the sum of their update times (to the
// millisecond). Adding, removing, activating, deactivating or editing a
// member changes it.
func (db *DB) CandidatesVersion(ctx context.Context) (string, error) {
	var n, maxSeq int64
	var sum float64
	err := db.read.QueryRowContext(ctx, `SELECT count(*), coalesce(max(seq), 0), total(unixepoch(updated_at, 'subsec'))
		FROM members WHERE status = 'member'`).Scan(&n, &maxSeq, &sum)
	if err != nil {
		return "", fmt.Errorf("candidates version: %w", err)
	}
	return fmt.Sprintf("%d/%d/%.3f", n, maxSeq, sum), nil
}
