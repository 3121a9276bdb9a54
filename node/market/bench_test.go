package market_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/market"
)

// benchSubscriptions makes n subscribers over 24 months from
// 2025-01: each joins on a random day, a third leave on a random later
// day and a tenth of those come back.
func benchSubscriptions(n int) []*market.Subscription {
	r := rand.New(rand.NewPCG(7, 9))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var subs []*market.Subscription
	for i := 0; i < n; i++ {
		m := fmt.Sprintf("coop-%04d", i)
		from := start.Add(time.Duration(r.IntN(700*24)) * time.Hour)
		s := &market.Subscription{ListingID: "l-bench", Member: m, Start: from, Attribute: 1 + r.Int64N(40)}
		subs = append(subs, s)
		if r.IntN(3) == 0 {
			end := from.Add(time.Duration(1+r.IntN(300*24)) * time.Hour)
			s.End = &end
			if r.IntN(10) == 0 {
				subs = append(subs, &market.Subscription{ListingID: "l-bench", Member: m, Start: end.AddDate(0, 1, 0), Attribute: s.Attribute})
			}
		}
	}
	return subs
}

var months = func() []string {
	var out []string
	for i := 0; i < 24; i++ {
		out = append(out, time.Date(2025, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	}
	return out
}()

// BenchmarkCompute24Months computes the statements of 24 months for a
// service with 1,000 subscribers (attribute rule), from memory: the cost
// of the computation itself. One op = 24 statements.
func BenchmarkCompute24Months(b *testing.B) {
	subs := benchSubscriptions(1000)
	l := &node.Listing{ID: "l-bench", CostModel: &node.CostModel{Currency: "EUR", Amount: 1_234_567, Rule: node.ShareAttribute, Attribute: "headcount"}}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range months {
			start, end, _ := market.ParsePeriod(p)
			st := market.Compute(l, p, start, end, subs, nil)
			if len(st.Lines) == 0 {
				b.Fatal("empty statement")
			}
		}
	}
}

// BenchmarkShares24Months asks the service (SQLite on disk) for the 24
// monthly statements of a service with 1,000 subscribers, as the API
// does. One op = 24 statements.
func BenchmarkShares24Months(b *testing.B) {
	e := MustEnv(b)
	ctx := context.Background()
	e.at("2024-12-01T00:00:00Z")
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("coop-%04d", i)
	}
	e.mustMembers(ids...)
	l := e.mustListing(sharedService(node.ShareAttribute, "headcount", 1_234_567))
	for _, s := range benchSubscriptions(1000) {
		s.ListingID = l.ID
		if err := e.db.SaveSubscription(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range months {
			st, err := e.svc.Shares(ctx, market.Actor{Admin: true}, l.ID, p)
			if err != nil || len(st.Lines) == 0 {
				b.Fatal(err)
			}
		}
	}
}
