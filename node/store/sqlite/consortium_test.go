package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/consortium"
	"github.com/google/go-cmp/cmp"
)

func TestConsortiumCandidates(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	err := db.ImportMembers(ctx, []*node.Member{
		{ID: "scop-web", Name: "Scop Web", Country: "FR", Region: "FR101", Languages: []string{"fr"}, Competences: []string{"72413000"}, Status: node.StatusMember, CreatedAt: now, UpdatedAt: now},
		{ID: "scop-old", Name: "Scop Old", Country: "FR", Competences: []string{"72415000"}, Status: node.StatusAlumni, CreatedAt: now, UpdatedAt: now},
		{ID: "scop-new", Name: "Scop New", Country: "FR", Competences: []string{"72415000"}, Status: node.StatusProspect, CreatedAt: now, UpdatedAt: now},
		{ID: "coop-host@it.test", Name: "Coop Host", Origin: "https://it.test/actor", APID: "https://it.test/members/coop-host", Country: "IT",
			Languages: []string{"it", "fr"}, Competences: []string{"72415000"}, Status: node.StatusMember, CreatedAt: now, UpdatedAt: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.ConsortiumCandidates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []consortium.Candidate{
		{ID: "scop-web", Name: "Scop Web", Country: "FR", Regions: []string{"FR101"}, Languages: []string{"fr"}, Competences: []string{"72413000"}},
		{ID: "coop-host@it.test", Name: "Coop Host", Node: "https://it.test/actor", Country: "IT", Languages: []string{"it", "fr"}, Competences: []string{"72415000"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ConsortiumCandidates (-want +got):\n%s", diff)
	}
}

// TestConsortiumServiceCache: the builder reuses its index while the
// catalogue's version stays the same, and sees an added, edited or
// departed member at the next request.
func TestConsortiumServiceCache(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	member := func(id, comp string) *node.Member {
		return &node.Member{ID: id, Name: id, Country: "FR", Languages: []string{"fr"}, Competences: []string{comp},
			Status: node.StatusMember, CreatedAt: now, UpdatedAt: now}
	}
	if err := db.ImportMembers(ctx, []*node.Member{member("lead", "79341000"), member("web", "72413000")}); err != nil {
		t.Fatal(err)
	}
	o := &node.Opportunity{ID: "opp1", Title: map[string]string{"fr": "Site"}, Languages: []string{"fr"}, Country: "FR",
		Competences: []node.RequiredCompetence{{CPV: "72413000"}, {CPV: "72415000"}}, Lots: []node.Lot{},
		Lead: "lead", Status: node.OpportunityActive, CreatedAt: now, UpdatedAt: now,
		Consortium: []node.ConsortiumEntry{{Member: "lead", Name: "lead", Country: "FR", Role: node.RoleLeadEntity}}}
	if err := db.CreateOpportunity(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	clock := now
	svc := &consortium.Service{Store: db, Now: func() time.Time { return clock }}
	first := func() string {
		t.Helper()
		res, err := svc.Suggest(ctx, "opp1", consortium.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Suggestions) == 0 {
			return "none"
		}
		var ids []string
		for _, m := range res.Suggestions[0].Members {
			ids = append(ids, m.ID)
		}
		return fmt.Sprint(ids, len(res.Uncoverable))
	}
	v0, err := db.CandidatesVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := first(); got != "[lead web] 1" {
		t.Fatalf("before: %s, want [lead web] 1 (hosting uncoverable)", got)
	}
	if v, _ := db.CandidatesVersion(ctx); v != v0 {
		t.Errorf("version changed without a change: %s then %s", v0, v)
	}

	// A new hosting co-op is seen at once.
	if err := db.ImportMembers(ctx, []*node.Member{member("host", "72415000")}); err != nil {
		t.Fatal(err)
	}
	if got := first(); got != "[lead web host] 0" {
		t.Errorf("after adding host: %s, want [lead web host] 0", got)
	}
	// An edit that takes hosting away is seen too.
	h, err := db.GetMember(ctx, "host")
	if err != nil {
		t.Fatal(err)
	}
	h.Competences, h.UpdatedAt = []string{"92111000"}, now.Add(1500*time.Millisecond)
	if err := db.UpdateMember(ctx, h, nil); err != nil {
		t.Fatal(err)
	}
	if got := first(); got != "[lead web] 1" {
		t.Errorf("after editing host: %s, want [lead web] 1", got)
	}
	// A departure as well.
	w, _ := db.GetMember(ctx, "web")
	w.Status, w.UpdatedAt = node.StatusAlumni, now.Add(2*time.Second)
	if err := db.SetMemberStatus(ctx, w, node.StatusChange{MemberID: "web", From: node.StatusMember, To: node.StatusAlumni, At: w.UpdatedAt}, nil); err != nil {
		t.Fatal(err)
	}
	if got := first(); got != "[lead] 2" {
		t.Errorf("after web left: %s, want [lead] 2", got)
	}
	// Concurrent requests share the index (run with -race).
	clock = clock.Add(2 * consortium.DefaultMaxAge)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := svc.Suggest(ctx, "opp1", consortium.Query{K: 2}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkConsortiumAPIPath measures what GET .../suggestions does for
// one opportunity on a node whose catalogue holds 10,000 active co-ops:
// cold = load the candidates, index them and suggest 5 consortia; cached
// = check the catalogue version and suggest from the kept index.
func BenchmarkConsortiumAPIPath(b *testing.B) {
	db := MustOpen(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 1))
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	countries := []string{"FR", "IT", "ES", "DE", "BE"}
	var ms []*node.Member
	for i := range 10000 {
		c := countries[rng.IntN(len(countries))]
		m := &node.Member{ID: fmt.Sprintf("coop-%05d", i), Name: fmt.Sprintf("Coop %d", i), Country: c, Region: fmt.Sprintf("%s%d", c, 1+rng.IntN(3)),
			Languages: []string{"fr", "en"}[:1+rng.IntN(2)], Status: node.StatusMember, CreatedAt: now, UpdatedAt: now}
		for range 2 + rng.IntN(3) {
			trade := trades[rng.IntN(len(trades))]
			m.Competences = append(m.Competences, trade[rng.IntN(len(trade))])
		}
		ms = append(ms, m)
	}
	if err := db.ImportMembers(ctx, ms); err != nil {
		b.Fatal(err)
	}
	o := &node.Opportunity{ID: "opp1", Title: map[string]string{"fr": "Site"}, Languages: []string{"fr"}, Country: "FR", Region: "FR1",
		Competences: []node.RequiredCompetence{{CPV: "72413000"}, {CPV: "72415000"}, {CPV: "92111000"}, {CPV: "79341000"}},
		Lots:        []node.Lot{}, Status: node.OpportunityActive, CreatedAt: now, UpdatedAt: now, Consortium: []node.ConsortiumEntry{}}
	if err := db.CreateOpportunity(ctx, o, nil); err != nil {
		b.Fatal(err)
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			svc := &consortium.Service{Store: db}
			if _, err := svc.Suggest(ctx, "opp1", consortium.Query{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		svc := &consortium.Service{Store: db}
		for b.Loop() {
			if _, err := svc.Suggest(ctx, "opp1", consortium.Query{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
