package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
)

const peerActor = "https://it.example/actor"

func remoteOpp(rev int64, status node.OpportunityStatus) *node.Opportunity {
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	o := &node.Opportunity{APID: "https://it.example/opportunities/1", Origin: peerActor, NodeCountry: "IT",
		Title: map[string]string{"it": "Video"}, Competences: []node.RequiredCompetence{{CPV: "92111000"}},
		Country: "IT", Status: status, Revision: rev, CreatedAt: at, UpdatedAt: at,
		LeadAPID: "https://it.example/members/lead",
		Consortium: []node.ConsortiumEntry{
			{MemberAPID: "https://it.example/members/lead", Name: "Lead", Node: peerActor, Country: "IT", Role: node.RoleLeadEntity},
			{MemberAPID: "https://fr.example/members/web", Member: "web", Name: "Web", Node: "https://fr.example/actor", Country: "FR", Role: node.RoleGroupMember},
		}}
	o.Normalize()
	return o
}

// TestRemoteOpportunityOrdering: versions apply by revision, once per
// activity; a Delete keeps an older Create from bringing it back; another
// origin may not take it over.
func TestRemoteOpportunityOrdering(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	status := func() string {
		t.Helper()
		o, err := db.OpportunityByAPID(ctx, "https://it.example/opportunities/1")
		if node.ErrorCode(err) == node.ENOTFOUND {
			return "gone"
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(o.Status)
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"create", func() error { return db.UpsertRemoteOpportunity(ctx, "a1", "Create", remoteOpp(10, "active")) }, "active"},
		{"newer update", func() error { return db.UpsertRemoteOpportunity(ctx, "a2", "Update", remoteOpp(20, "forming")) }, "forming"},
		{"older update", func() error { return db.UpsertRemoteOpportunity(ctx, "a3", "Update", remoteOpp(15, "cancelled")) }, "forming"},
		{"replayed activity", func() error { return db.UpsertRemoteOpportunity(ctx, "a2", "Update", remoteOpp(30, "submitted")) }, "forming"},
		{"another origin", func() error {
			o := remoteOpp(40, "won")
			o.Origin = "https://es.example/actor"
			err := db.UpsertRemoteOpportunity(ctx, "a4", "Update", o)
			if node.ErrorCode(err) != node.EFORBIDDEN {
				t.Errorf("takeover by another origin = %v, want forbidden", err)
			}
			return nil
		}, "forming"},
		{"delete", func() error {
			return db.DeleteRemoteOpportunity(ctx, "a5", peerActor, "https://it.example/opportunities/1", 25)
		}, "gone"},
		{"late create", func() error { return db.UpsertRemoteOpportunity(ctx, "a6", "Create", remoteOpp(24, "active")) }, "gone"},
		{"newer create after delete", func() error { return db.UpsertRemoteOpportunity(ctx, "a7", "Create", remoteOpp(26, "active")) }, "active"},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := status(); got != s.want {
			t.Errorf("after %s: status %s, want %s", s.name, got, s.want)
		}
	}
	o, _ := db.OpportunityByAPID(ctx, "https://it.example/opportunities/1")
	if o.Countries()[0] != "FR" || len(o.Consortium) != 2 || o.Consortium[1].Member != "web" {
		t.Errorf("consortium = %+v", o.Consortium)
	}
	// Purging the peer's opportunities.
	if err := db.DeleteRemoteOpportunitiesOf(ctx, peerActor); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "gone" {
		t.Errorf("after purging the peer: %s, want gone", got)
	}
}

func TestNoticesOncePerRef(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	n := func(ref string) *node.Notice {
		return &node.Notice{Member: "web", Kind: node.NoticeOpportunity, Ref: ref, Title: map[string]string{"fr": ref}, CreatedAt: time.Now()}
	}
	for i, c := range []struct {
		ref  string
		want bool
	}{{"o1", true}, {"o1", false}, {"o2", true}} {
		added, err := db.AddNotice(ctx, n(c.ref))
		if err != nil || added != c.want {
			t.Errorf("AddNotice #%d (%s) = %v, %v; want %v", i, c.ref, added, err, c.want)
		}
	}
	got, err := db.Notices(ctx, "web", 0, 10)
	if err != nil || len(got) != 2 || got[0].Ref != "o2" {
		t.Fatalf("Notices = %d, %v; want o2 then o1", len(got), err)
	}
	older, _ := db.Notices(ctx, "web", got[0].ID, 10)
	if len(older) != 1 || older[0].Ref != "o1" {
		t.Errorf("Notices before %d = %v, want o1", got[0].ID, older)
	}
	if err := db.SetFeedSecret(ctx, "web", "secret-one-0123456789"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetFeedSecret(ctx, "web", "secret-two-0123456789"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FeedMember(ctx, "secret-one-0123456789"); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("old secret: %v, want not found", err)
	}
	if m, err := db.FeedMember(ctx, "secret-two-0123456789"); err != nil || m != "web" {
		t.Errorf("new secret: %q, %v", m, err)
	}
}

// TestOpportunityTenderRoundTrip: the bidder's details of a notice are
// stored and read back whole, the deadline with its published offset.
func TestOpportunityTenderRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	o := remoteOpp(10, "active")
	d := time.Date(2026, 9, 1, 17, 30, 0, 0, time.FixedZone("+02:00", 2*3600))
	o.Tender = &node.Tender{NoticeID: "n1", ProcedureID: "p1", NoticeType: "cn-standard", Procedure: "open",
		Buyer: &node.Buyer{Name: map[string]string{"it": "Comune"}, Town: "Torino", Email: "gare@comune.example"},
		Lots: []node.TenderLot{{ID: "LOT-0001", DocumentsURL: "https://docs.example/1", Deadline: &d, DeadlineKind: "tender",
			AwardCriteria: []node.AwardCriterion{{Type: "price", Weight: "60", WeightKind: "per-exa"}}}}}
	if err := db.UpsertRemoteOpportunity(ctx, "a1", "Create", o); err != nil {
		t.Fatal(err)
	}
	got, err := db.OpportunityByAPID(ctx, o.APID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tender == nil || got.Tender.Buyer.Town != "Torino" || got.Tender.Lots[0].AwardCriteria[0].Weight != "60" ||
		got.Tender.Lots[0].Deadline.Format(time.RFC3339) != "2026-09-01T17:30:00+02:00" {
		t.Errorf("Tender read back = %+v", got.Tender)
	}
	o.Tender = nil
	if err := db.UpsertRemoteOpportunity(ctx, "a2", "Update", remoteOpp(20, "active")); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.OpportunityByAPID(ctx, o.APID); got.Tender != nil {
		t.Errorf("Tender after an update without one = %+v, want nil", got.Tender)
	}
}
