package opportunity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/opportunity"
)

func TestMatch(t *testing.T) {
	opp := func(mod func(o *node.Opportunity)) *node.Opportunity {
		o := &node.Opportunity{ID: "o", Country: "FR", Region: "FR101", Status: node.OpportunityActive, Lead: "lead",
			Competences: []node.RequiredCompetence{{CPV: "72413000"}}}
		if mod != nil {
			mod(o)
		}
		return o
	}
	member := func(country, region string, codes ...string) *node.Member {
		return &node.Member{ID: "m", Country: country, Region: region, Competences: codes, Status: node.StatusMember}
	}
	tests := []struct {
		name   string
		m      *node.Member
		o      *node.Opportunity
		reason string // "" = no match; else a substring of the reason
	}{
		{"exact", member("FR", "FR102", "72413000"), opp(nil), "72413000; in your region (FR101)"},
		{"more specific", member("FR", "", "72413100"), opp(nil), "72413100 ~ 72413000"},
		{"group level", member("FR", "", "72400000"), opp(nil), "72400000 ~ 72413000"},
		{"division too broad", member("FR", "", "72000000"), opp(nil), ""},
		{"sibling", member("FR", "", "72415000"), opp(nil), ""},
		{"lot code", member("FR", "", "92111000"), opp(func(o *node.Opportunity) {
			o.Lots = []node.Lot{{ID: "L2", CPV: []string{"92111000"}}}
		}), "92111000"},
		{"abroad, local, not open", member("IT", "", "72413000"), opp(nil), ""},
		{"abroad, open", member("IT", "", "72413000"), opp(func(o *node.Opportunity) { o.OpenAbroad = true }), "performed in FR"},
		{"abroad, from a peer", member("IT", "", "72413000"), opp(func(o *node.Opportunity) { o.Origin = "https://fr.example/actor" }), "performed in FR"},
		{"the lead itself", member("FR", "", "72413000"), opp(func(o *node.Opportunity) { o.Lead = "m" }), ""},
		{"already in the consortium", member("FR", "", "72413000"), opp(func(o *node.Opportunity) {
			o.Consortium = []node.ConsortiumEntry{{Member: "m", Country: "FR", Role: node.RoleGroupMember}}
		}), ""},
	}
	for _, tt := range tests {
		got := opportunity.Match(tt.m, tt.o)
		if tt.reason == "" && got != "" || tt.reason != "" && !strings.Contains(got, tt.reason) {
			t.Errorf("%s: Match() = %q, want %q", tt.name, got, tt.reason)
		}
	}
}

// TestMatcherIncremental runs the matcher over real events: a new
// opportunity, then a member who adds a competence, then a closed
// opportunity that no longer makes notices.
func TestMatcherIncremental(t *testing.T) {
	ctx := t.Context()
	svc, db := MustService(t)
	mt := &opportunity.Matcher{Store: db, Links: links{}, Now: func() time.Time { return now }}
	o, err := svc.Create(ctx, opportunity.Viewer{Member: "web"}, "", newOpp())
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := node.NewEvent(node.SubjectOpportunityCreated, o.ID, now, o.Public())
	if err := mt.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	count := func(member string) int {
		t.Helper()
		ns, err := db.Notices(ctx, member, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(ns)
	}
	if count("video") != 1 || count("web") != 0 {
		t.Errorf("notices after the opportunity: video %d web %d, want 1 and 0 (the lead)", count("video"), count("web"))
	}
	// Handling the same event again adds nothing.
	if err := mt.Handle(ctx, ev); err != nil || count("video") != 1 {
		t.Errorf("replayed event: %v, video has %d notices, want 1", err, count("video"))
	}
	// A member joins with a matching competence: it sees the open opportunity.
	m := &node.Member{ID: "host", Name: "Host", Country: "FR", Competences: []string{"72415000"}, Status: node.StatusMember}
	ev, _ = node.NewEvent(node.SubjectMemberJoined, m.ID, now, m)
	if err := mt.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if count("host") != 1 {
		t.Errorf("host has %d notices, want 1", count("host"))
	}
	// A closed opportunity makes no notice for a member who matches later.
	if _, err := svc.SetStatus(ctx, opportunity.Viewer{Admin: true}, o.ID, node.OpportunityCancelled, nil); err != nil {
		t.Fatal(err)
	}
	late := &node.Member{ID: "late", Name: "Late", Country: "FR", Competences: []string{"92111000"}, Status: node.StatusMember}
	ev, _ = node.NewEvent(node.SubjectMemberUpdated, late.ID, now, late)
	if err := mt.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if count("late") != 0 {
		t.Errorf("late has %d notices for a cancelled opportunity, want 0", count("late"))
	}
}

// listingLog records the events the matcher hands to the marketplace.
type listingLog []string

func (l *listingLog) Handle(_ context.Context, ev node.Event) error {
	*l = append(*l, ev.Subject)
	return nil
}

// TestMatcherHandsListingsOn: the one matcher passes the listing events
// that can make a match to the marketplace, and only those.
func TestMatcherHandsListingsOn(t *testing.T) {
	var got listingLog
	mt := &opportunity.Matcher{Listings: &got}
	subjects := []string{node.SubjectListingCreated, node.SubjectListingUpdated, node.SubjectListingReceived,
		node.SubjectListingDeleted, node.SubjectResponseOffered, node.SubjectResponseAnswered, node.SubjectNewsPublished}
	for i, s := range subjects {
		if err := mt.Handle(context.Background(), node.Event{ID: int64(i + 1), Subject: s, AggregateID: "l-1", Data: []byte(`{}`)}); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	want := []string{node.SubjectListingCreated, node.SubjectListingUpdated, node.SubjectListingReceived}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("handed on %v, want %v", got, want)
	}
	// Without a marketplace, listing events are ignored.
	if err := (&opportunity.Matcher{}).Handle(context.Background(), node.Event{Subject: node.SubjectListingCreated, Data: []byte(`{}`)}); err != nil {
		t.Errorf("no marketplace: %v", err)
	}
}
