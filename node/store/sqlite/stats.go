package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/stats"
)

var (
	_ stats.Store       = (*DB)(nil)
	_ stats.ReportStore = (*DB)(nil)
)

// StatsFigures counts the node's own members: by status, joins and leaves
// per month since the given time, active members by CPV division and by
// NUTS-1 region.
func (db *DB) StatsFigures(ctx context.Context, since time.Time) (*stats.Figures, error) {
	f := &stats.Figures{Members: map[string]int{}, Joins: map[string]int{}, Leaves: map[string]int{}, ByDivision: map[string]int{}, ByRegion: map[string]int{},
		Opportunities: map[string]int{}, WonValues: map[string]float64{}}
	consortia := map[string]int{}
	queries := []struct {
		q    string
		args []any
		into map[string]int
	}{
		{`SELECT status, count(*) FROM members WHERE origin = '' GROUP BY status`, nil, f.Members},
		{`SELECT substr(at, 1, 7), count(*) FROM member_history WHERE to_status = 'member' AND at >= ? GROUP BY 1`, []any{formatTime(since)}, f.Joins},
		{`SELECT substr(at, 1, 7), count(*) FROM member_history WHERE from_status = 'member' AND to_status IN ('lapsed', 'alumni') AND at >= ? GROUP BY 1`, []any{formatTime(since)}, f.Leaves},
		{`SELECT substr(c.value, 1, 2), count(DISTINCT m.seq) FROM members m, json_each(m.competences) c
			WHERE m.origin = '' AND m.status = 'member' GROUP BY 1`, nil, f.ByDivision},
		{`SELECT substr(region, 1, 3), count(*) FROM members WHERE origin = '' AND status = 'member' AND length(region) >= 3 GROUP BY 1`, nil, f.ByRegion},
		// Opportunities led from here; radar imports no co-op has taken
		// on are not counted.
		{`SELECT status, count(*) FROM opportunities WHERE origin = '' AND (lead <> '' OR source = '') GROUP BY status`, nil, f.Opportunities},
		{`SELECT CASE WHEN countries > 1 THEN 'cross_border' ELSE 'national' END, count(*) FROM (
			SELECT c.opportunity, count(DISTINCT c.country) AS countries FROM consortium c
			JOIN opportunities o ON o.seq = c.opportunity WHERE o.origin = '' GROUP BY c.opportunity HAVING count(*) > 1) AS c GROUP BY 1`, nil, consortia},
	}
	for _, q := range queries {
		rows, err := db.read.QueryContext(ctx, q.q, q.args...)
		if err != nil {
			return nil, fmt.Errorf("stats figures: %w", err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return nil, err
			}
			q.into[k] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	f.CrossBorder = consortia["cross_border"]
	f.Consortia = consortia["national"] + f.CrossBorder
	if err := db.wonBids(ctx, f); err != nil {
		return nil, err
	}
	// Events held: the node's own events of the period that have ended
	// and were not cancelled.
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM calendar_events WHERE origin IN ('', 'local') AND end_at >= ? AND end_at <= ?
		AND json_extract(data, '$.status') <> 'cancelled'`, formatTime(since), formatTime(db.Now())).Scan(&f.EventsHeld); err != nil {
		return nil, fmt.Errorf("stats figures: %w", err)
	}
	return f, nil
}

// wonBids counts the won bids led from here and sums their value by
// currency.
func (db *DB) wonBids(ctx context.Context, f *stats.Figures) error {
	rows, err := db.read.QueryContext(ctx, `SELECT coalesce(outcome_amount, ''), coalesce(outcome_currency, '') FROM opportunities WHERE origin = '' AND status = 'won'`)
	if err != nil {
		return fmt.Errorf("stats figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var amount, currency string
		if err := rows.Scan(&amount, &currency); err != nil {
			return err
		}
		f.BidsWon++
		if v, err := strconv.ParseFloat(amount, 64); err == nil && currency != "" {
			f.WonValues[currency] += v
		}
	}
	return rows.Err()
}

// SaveReport keeps a national node's report.
func (db *DB) SaveReport(ctx context.Context, r *node.StatsReport) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO stats_reports(node, country, generated_at, received_at, body) VALUES (?, ?, ?, ?, ?)`,
			r.Node, r.Country, formatTime(r.GeneratedAt), formatTime(db.Now()), body)
		return err
	})
}

// Reports returns the reports generated since the given time, oldest
// first.
func (db *DB) Reports(ctx context.Context, since time.Time) ([]*node.StatsReport, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT body FROM stats_reports WHERE generated_at >= ? ORDER BY generated_at, id`, formatTime(since))
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	defer rows.Close()
	var out []*node.StatsReport
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var r node.StatsReport
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}
