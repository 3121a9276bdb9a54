package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/stats"
	"github.com/google/go-cmp/cmp"
)

type figures stats.Figures

func (f *figures) StatsFigures(context.Context, time.Time) (*stats.Figures, error) {
	s := stats.Figures(*f)
	return &s, nil
}

func TestReportSuppressesSmallCells(t *testing.T) {
	now := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	f := &figures{
		Members:    map[string]int{"member": 20, "prospect": 2, "alumni": 5},
		Joins:      map[string]int{"2026-11": 4, "2026-10": 1},
		Leaves:     map[string]int{"2026-11": 3, "2026-06": 2},
		ByDivision: map[string]int{"72": 15, "92": 2},
		ByRegion:   map[string]int{"FR1": 12, "FRK": 1},
	}
	r, err := (&stats.Service{Store: f, Node: "https://fr.example/actor", Country: "FR", Now: func() time.Time { return now }}).Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"member": 20, "alumni": 5}, r.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	want := []string{"by_division.92", "by_region.FRK", "joins.2026-10", "leaves.2026-06", "members.prospect"}
	if diff := cmp.Diff(want, r.Suppressed); diff != "" {
		t.Errorf("suppressed (-want +got):\n%s", diff)
	}
	// 5 leaves in 12 months over an average membership rebuilt from the
	// joins and leaves: 20 this month, 19 before, 21 from June back.
	if r.Churn < 0.2 || r.Churn > 0.3 {
		t.Errorf("churn = %v, want about 0.25", r.Churn)
	}
}

func TestAggregateAndHistory(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, time.Month(m), 10, 0, 0, 0, 0, time.UTC) }
	rep := func(nodeURL, c string, month, members int) *node.StatsReport {
		return &node.StatsReport{Node: nodeURL, Country: c, GeneratedAt: at(month), Members: map[string]int{"member": members}, Consortia: 1, Churn: 0.1}
	}
	reports := []*node.StatsReport{
		rep("fr", "FR", 10, 10), rep("fr", "FR", 11, 12), rep("it", "IT", 11, 5), rep("be", "BE", 9, 4), rep("be-wa", "BE", 11, 3),
	}
	n := stats.Aggregate(reports, "")
	if n.Nodes != 4 || n.Members.Total != 24 || n.Members.ByCountry["BE"] != 7 || n.Consortia.Total != 4 || len(n.Countries) != 3 {
		t.Errorf("Aggregate = %+v", n)
	}
	be := stats.Aggregate(reports, "BE")
	if be.Nodes != 2 || be.Members.Total != 7 || len(be.Reports) != 2 {
		t.Errorf("Aggregate(BE) = %+v", be)
	}
	h, err := stats.History(reports, "members", "country")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{"2026-09": {"BE": 4}, "2026-10": {"FR": 10}, "2026-11": {"FR": 12, "IT": 5, "BE": 3}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
	if _, err := stats.History(reports, "weather", ""); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("History(unknown metric) = %v, want invalid", err)
	}
}

func TestReportBidsAndConsortia(t *testing.T) {
	f := &figures{
		Opportunities: map[string]int{"active": 4, "won": 3, "lost": 1},
		Consortia:     5, CrossBorder: 2,
		BidsWon: 3, WonValues: map[string]float64{"EUR": 120000, "PLN": 40000},
		EventsHeld: 1,
	}
	r, err := (&stats.Service{Store: f}).Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"active": 4, "won": 3}, r.Opportunities); diff != "" {
		t.Errorf("opportunities (-want +got):\n%s", diff)
	}
	if r.Consortia != 5 || r.CrossBorder != 0 || r.BidsWon != 3 || r.BidsWonValue != 120000 || r.BidsWonValues["PLN"] != 40000 || r.EventsHeld != 1 {
		t.Errorf("report = %+v", r)
	}
	if diff := cmp.Diff([]string{"cross_border_consortia", "opportunities.lost"}, r.Suppressed); diff != "" {
		t.Errorf("suppressed (-want +got):\n%s", diff)
	}
	// Two won bids: their value would tell what one consortium was paid.
	f.BidsWon = 2
	if r, err = (&stats.Service{Store: f}).Report(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.BidsWon != 0 || r.BidsWonValue != 0 || r.BidsWonValues != nil {
		t.Errorf("two won bids reported: %+v", r)
	}
	n := stats.Aggregate([]*node.StatsReport{{Node: "a", Country: "FR", BidsWon: 3, BidsWonValue: 10, BidsWonValues: map[string]float64{"EUR": 10}},
		{Node: "b", Country: "PL", BidsWon: 4, BidsWonValues: map[string]float64{"PLN": 7}}}, "")
	if n.BidsWon.Count != 7 || n.BidsWon.Value != 10 || n.BidsWon.ByCurrency["PLN"] != 7 {
		t.Errorf("Aggregate bids = %+v", n.BidsWon)
	}
	n = stats.Aggregate([]*node.StatsReport{{Node: "a", Country: "FR", Suppressed: []string{"members.prospect", "consortia"}},
		{Node: "b", Country: "FR", Suppressed: []string{"consortia"}}, {Node: "c", Country: "PL"}}, "")
	if diff := cmp.Diff(map[string][]string{"FR": {"members.prospect", "consortia"}}, n.Suppressed); diff != "" {
		t.Errorf("Aggregate suppressed (-want +got):\n%s", diff)
	}
}
