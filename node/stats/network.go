package stats

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// ReportStore keeps the reports national nodes send (confederation).
type ReportStore interface {
	SaveReport(ctx context.Context, r *node.StatsReport) error
	Reports(ctx context.Context, since time.Time) ([]*node.StatsReport, error)
}

// Network is the confederation's view of the network.
type Network struct {
	Nodes     int      `json:"nodes"`
	Countries []string `json:"countries"`
	Members   struct {
		Total     int            `json:"total"`
		ByCountry map[string]int `json:"by_country"`
		ByStatus  map[string]int `json:"by_status"`
	} `json:"members"`
	ByDivision    map[string]int `json:"by_division"`
	Opportunities map[string]int `json:"opportunities"`
	Consortia     struct {
		Total       int `json:"total"`
		CrossBorder int `json:"cross_border"`
	} `json:"consortia"`
	BidsWon struct {
		Count int     `json:"count"`
		Value float64 `json:"value"` // euros
		// ByCurrency has the totals by currency, euros included.
		ByCurrency map[string]float64 `json:"by_currency"`
	} `json:"bids_won"`
	Churn struct {
		Average   float64            `json:"average"`
		ByCountry map[string]float64 `json:"by_country"`
	} `json:"churn"`
	EventsHeld int `json:"events_held"`
	// Suppressed names, by country, the cells some node left out of its
	// report for being under its k-anonymity threshold: the totals above
	// are lower than reality by those.
	Suppressed map[string][]string `json:"suppressed"`
	// SuppressedCells counts, for each figure of this view that is short
	// of a suppressed cell, the nodes that left it out: "members.total",
	// "members.by_country.FR", "members.by_status.prospect",
	// "churn.average", "churn.by_country.FR", "consortia.total",
	// "consortia.cross_border", "bids_won.count", "bids_won.value",
	// "by_division.72", "opportunities.active". A figure named here is a
	// lower bound, and 0 means "fewer than Threshold" per node: show it so,
	// never as a plain number.
	SuppressedCells map[string]int `json:"suppressed_cells"`
	// Threshold is the largest k-anonymity threshold of the reports.
	Threshold int                 `json:"threshold"`
	Reports   []*node.StatsReport `json:"reports,omitempty"` // with ?country=
}

// Latest keeps the newest report of each node.
func Latest(reports []*node.StatsReport) []*node.StatsReport {
	by := map[string]*node.StatsReport{}
	for _, r := range reports {
		if cur, ok := by[r.Node]; !ok || r.GeneratedAt.After(cur.GeneratedAt) {
			by[r.Node] = r
		}
	}
	out := make([]*node.StatsReport, 0, len(by))
	for _, r := range by {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Country+out[i].Node < out[j].Country+out[j].Node })
	return out
}

// Aggregate sums the newest report of every node, of one country when
// country is set (the drill-down, which also lists those reports).
func Aggregate(reports []*node.StatsReport, country string) *Network {
	n := &Network{Countries: []string{}, ByDivision: map[string]int{}, Opportunities: map[string]int{}}
	n.BidsWon.ByCurrency, n.Suppressed, n.SuppressedCells = map[string]float64{}, map[string][]string{}, map[string]int{}
	n.Members.ByCountry, n.Members.ByStatus, n.Churn.ByCountry = map[string]int{}, map[string]int{}, map[string]float64{}
	countries := map[string]bool{}
	churnSum, churned := 0.0, 0
	for _, r := range Latest(reports) {
		if country != "" && r.Country != country {
			continue
		}
		n.Nodes++
		countries[r.Country] = true
		active := r.ActiveMembers()
		n.Members.Total += active
		n.Members.ByCountry[r.Country] += active
		for k, v := range r.Members {
			n.Members.ByStatus[k] += v
		}
		for k, v := range r.ByDivision {
			n.ByDivision[k] += v
		}
		for k, v := range r.Opportunities {
			n.Opportunities[k] += v
		}
		n.Consortia.Total += r.Consortia
		n.Consortia.CrossBorder += r.CrossBorder
		n.BidsWon.Count += r.BidsWon
		n.BidsWon.Value += r.BidsWonValue
		for cur, v := range r.BidsWonValues {
			n.BidsWon.ByCurrency[cur] += v
		}
		n.EventsHeld += r.EventsHeld
		n.Threshold = max(n.Threshold, r.Threshold)
		for _, cell := range r.Suppressed {
			if !slices.Contains(n.Suppressed[r.Country], cell) {
				n.Suppressed[r.Country] = append(n.Suppressed[r.Country], cell)
			}
			for _, key := range networkCells(cell, r.Country) {
				n.SuppressedCells[key]++
			}
		}
		if !slices.Contains(r.Suppressed, "churn") { // an unknown churn is left out of the average
			churned++
			n.Churn.ByCountry[r.Country] = r.Churn
			churnSum += r.Churn
		}
		if country != "" {
			n.Reports = append(n.Reports, r)
		}
	}
	for c := range countries {
		n.Countries = append(n.Countries, c)
	}
	sort.Strings(n.Countries)
	if churned > 0 {
		n.Churn.Average = float64(int(churnSum/float64(churned)*1000+0.5)) / 1000
	}
	return n
}

// networkCells names the figures of the network view that a report's
// suppressed cell leaves short.
func networkCells(cell, country string) []string {
	kind, key, _ := strings.Cut(cell, ".")
	switch kind {
	case "members":
		if key == string(node.StatusMember) {
			return []string{"members.total", "members.by_country." + country, "members.by_status." + key}
		}
		return []string{"members.by_status." + key}
	case "churn":
		return []string{"churn.average", "churn.by_country." + country}
	case "consortia":
		return []string{"consortia.total"}
	case "cross_border_consortia":
		return []string{"consortia.cross_border"}
	case "bids_won":
		return []string{"bids_won.count", "bids_won.value"}
	case "by_division", "opportunities":
		return []string{cell}
	}
	return nil // joins, leaves, by_region: not in the view
}

// Metrics the history knows.
var historyMetrics = map[string]func(*node.StatsReport) int{
	"members":   (*node.StatsReport).ActiveMembers,
	"consortia": func(r *node.StatsReport) int { return r.Consortia },
	"bids_won":  func(r *node.StatsReport) int { return r.BidsWon },
}

// History returns a monthly series of a metric: for each month, the last
// report of each node in that month, summed over the network or by
// country.
func History(reports []*node.StatsReport, metric, by string) (map[string]map[string]int, error) {
	value, ok := historyMetrics[metric]
	var p node.Problems
	if !ok {
		p.Add("metric", "must be one of members, consortia, bids_won")
	}
	if by != "" && by != "country" {
		p.Add("by", "must be country or empty")
	}
	if err := p.Err("stats history"); err != nil {
		return nil, err
	}
	last := map[string]map[string]*node.StatsReport{} // month → node → report
	for _, r := range reports {
		m := r.GeneratedAt.UTC().Format("2006-01")
		if last[m] == nil {
			last[m] = map[string]*node.StatsReport{}
		}
		if cur, ok := last[m][r.Node]; !ok || r.GeneratedAt.After(cur.GeneratedAt) {
			last[m][r.Node] = r
		}
	}
	out := map[string]map[string]int{}
	for month, nodes := range last {
		out[month] = map[string]int{}
		for _, r := range nodes {
			key := "network"
			if by == "country" {
				key = r.Country
			}
			out[month][key] += value(r)
		}
	}
	return out, nil
}

// WriteCSV writes the newest report of every node as CSV, one row a node.
func WriteCSV(w io.Writer, reports []*node.StatsReport) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"country", "node", "generated_at", "members", "prospects", "lapsed", "alumni", "churn",
		"consortia", "cross_border_consortia", "bids_won", "bids_won_value", "events_held", "suppressed"})
	for _, r := range Latest(reports) {
		// A suppressed cell is empty, never 0; the suppressed column names
		// the cells the node left out.
		num := func(cell string, n int) string {
			if slices.Contains(r.Suppressed, cell) {
				return ""
			}
			return strconv.Itoa(n)
		}
		churn, value := strconv.FormatFloat(r.Churn, 'f', 3, 64), strconv.FormatFloat(r.BidsWonValue, 'f', 2, 64)
		if slices.Contains(r.Suppressed, "churn") {
			churn = ""
		}
		if slices.Contains(r.Suppressed, "bids_won") {
			value = ""
		}
		_ = cw.Write([]string{r.Country, r.Node, r.GeneratedAt.Format(time.RFC3339),
			num("members.member", r.Members["member"]), num("members.prospect", r.Members["prospect"]),
			num("members.lapsed", r.Members["lapsed"]), num("members.alumni", r.Members["alumni"]),
			churn, num("consortia", r.Consortia), num("cross_border_consortia", r.CrossBorder), num("bids_won", r.BidsWon),
			value, strconv.Itoa(r.EventsHeld), strings.Join(r.Suppressed, " ")})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("stats csv: %w", err)
	}
	return nil
}
