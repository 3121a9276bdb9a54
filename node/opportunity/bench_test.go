package opportunity_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

// BenchmarkMatchArrival measures the matcher when an opportunity arrives
// on a node of 5,000 active members with 1-6 competences each among 300
// codes: read the members, match, record the notices (about 1 in 20
// members matches). Each iteration is a new opportunity.
func BenchmarkMatchArrival(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "node.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	divisions := []string{"72", "79", "92", "45", "71", "80"}
	code := func() string {
		return fmt.Sprintf("%s%03d000", divisions[rng.IntN(len(divisions))], rng.IntN(50)*2)
	}
	var members []*node.Member
	for i := range 5000 {
		m := &node.Member{ID: fmt.Sprintf("m%05d", i), Name: "M", Country: "FR", Status: node.StatusMember, CreatedAt: now, UpdatedAt: now}
		for range 1 + rng.IntN(6) {
			m.Competences = append(m.Competences, code())
		}
		m.Normalize()
		members = append(members, m)
	}
	if err := db.ImportMembers(ctx, members); err != nil {
		b.Fatal(err)
	}
	mt := &opportunity.Matcher{Store: db, Links: links{}, Now: func() time.Time { return now }}
	notices := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		o := &node.Opportunity{ID: fmt.Sprintf("o%d", i), Title: map[string]string{"fr": "x"}, Country: "FR", Status: node.OpportunityActive,
			Competences: []node.RequiredCompetence{{CPV: code()}, {CPV: code()}, {CPV: code()}}}
		ev, _ := node.NewEvent(node.SubjectOpportunityReceived, o.ID, now, o)
		if err := mt.Handle(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	for _, m := range members[:100] {
		ns, _ := db.Notices(ctx, m.ID, 0, 1000)
		notices += len(ns)
	}
	b.ReportMetric(float64(notices)/100, "notices/member")
}
