package stats

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// DefaultThreshold is the smallest count a report shows (k-anonymity).
const DefaultThreshold = 3

// Figures are a node's raw counts, before suppression.
type Figures struct {
	Members    map[string]int
	Joins      map[string]int // per month
	Leaves     map[string]int // per month
	ByDivision map[string]int
	ByRegion   map[string]int

	// Opportunities led from this node, by status.
	Opportunities map[string]int
	// Consortia counts the opportunities led from this node whose
	// consortium has two co-ops or more; CrossBorder those whose co-ops
	// come from two countries or more.
	Consortia, CrossBorder int
	// BidsWon counts the won bids; WonValues sums their values by
	// currency.
	BidsWon   int
	WonValues map[string]float64
	// EventsHeld counts the node's events that have ended and were not
	// cancelled.
	EventsHeld int
}

// Store gives the raw figures.
type Store interface {
	StatsFigures(ctx context.Context, since time.Time) (*Figures, error)
}

// Service computes a node's report.
type Service struct {
	Store     Store
	Node      string
	Country   string
	Threshold int // 0 means DefaultThreshold
	Now       func() time.Time
}

// Report computes the node's report over the last 24 months.
func (s *Service) Report(ctx context.Context) (*node.StatsReport, error) {
	now := time.Now().UTC()
	if s.Now != nil {
		now = s.Now().UTC()
	}
	k := s.Threshold
	if k <= 0 {
		k = DefaultThreshold
	}
	since := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -23, 0)
	f, err := s.Store.StatsFigures(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	r := &node.StatsReport{Node: s.Node, Country: s.Country, GeneratedAt: now, Threshold: k}
	r.Churn = churn(f, now)
	r.Members = suppress(f.Members, k, "members", &r.Suppressed)
	r.Joins = suppress(f.Joins, k, "joins", &r.Suppressed)
	r.Leaves = suppress(f.Leaves, k, "leaves", &r.Suppressed)
	r.ByDivision = suppress(f.ByDivision, k, "by_division", &r.Suppressed)
	r.ByRegion = suppress(f.ByRegion, k, "by_region", &r.Suppressed)
	r.Opportunities = suppress(f.Opportunities, k, "opportunities", &r.Suppressed)
	r.Consortia = suppressOne(f.Consortia, k, "consortia", &r.Suppressed)
	r.CrossBorder = suppressOne(f.CrossBorder, k, "cross_border_consortia", &r.Suppressed)
	// The value of fewer than k won bids would tell what one consortium
	// was paid: count and value go together.
	if r.BidsWon = suppressOne(f.BidsWon, k, "bids_won", &r.Suppressed); r.BidsWon > 0 {
		r.BidsWonValues = map[string]float64{}
		for cur, v := range f.WonValues {
			r.BidsWonValues[cur] = v
		}
		r.BidsWonValue = f.WonValues["EUR"]
	}
	r.EventsHeld = f.EventsHeld // public events: nothing to hide
	// Churn over fewer than k members would tell of one co-op's leaving.
	if active := f.Members[string(node.StatusMember)]; active < k && (active > 0 || r.Churn > 0) {
		r.Churn = 0
		r.Suppressed = append(r.Suppressed, "churn")
	}
	sort.Strings(r.Suppressed)
	return r, nil
}

// suppress drops the cells below k, naming them in suppressed.
func suppress(in map[string]int, k int, name string, suppressed *[]string) map[string]int {
	out := map[string]int{}
	for key, n := range in {
		if n == 0 {
			continue
		}
		if n < k {
			*suppressed = append(*suppressed, name+"."+key)
			continue
		}
		out[key] = n
	}
	return out
}

// suppressOne returns n, or 0 when it is below k, naming it in
// suppressed.
func suppressOne(n, k int, name string, suppressed *[]string) int {
	if n > 0 && n < k {
		*suppressed = append(*suppressed, name)
		return 0
	}
	return n
}

// churn is the leaves of the last 12 months over the average membership
// in that time, rebuilt backwards from today's count and the monthly
// joins and leaves.
func churn(f *Figures, now time.Time) float64 {
	active := f.Members[string(node.StatusMember)]
	total, leaves := 0.0, 0
	count := active
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		key := month.Format("2006-01")
		total += float64(count)
		leaves += f.Leaves[key]
		count = count - f.Joins[key] + f.Leaves[key] // membership before this month
		month = month.AddDate(0, -1, 0)
	}
	avg := total / 12
	if avg <= 0 {
		return 0
	}
	return float64(int(float64(leaves)/avg*1000+0.5)) / 1000
}
