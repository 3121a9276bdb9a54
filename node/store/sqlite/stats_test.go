package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
)

// TestStatsFiguresOpportunities counts the opportunities led from this
// node, their consortia and won bids, and leaves out peers' copies and
// radar imports nobody took on.
func TestStatsFiguresOpportunities(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	now := time.Now().UTC().Truncate(time.Second)
	entry := func(name, country string, role node.ConsortiumRole) node.ConsortiumEntry {
		return node.ConsortiumEntry{MemberAPID: "https://" + country + ".example/members/" + name, Name: name, Node: "https://" + country + ".example/actor", Country: country, Role: role}
	}
	opp := func(id, status, origin, lead, source string, outcome *node.Amount, cons ...node.ConsortiumEntry) {
		t.Helper()
		o := &node.Opportunity{ID: id, Title: map[string]string{"fr": id}, Summary: map[string]string{}, Description: map[string]string{},
			Country: "FR", Status: node.OpportunityStatus(status), Lead: lead, Source: source, Origin: origin, Outcome: outcome,
			Consortium: cons, CreatedAt: now, UpdatedAt: now}
		if origin != "" {
			o.APID = origin + "/opportunities/" + id
		}
		if err := db.CreateOpportunity(ctx, o, nil); err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
	}
	lead := entry("lead", "FR", node.RoleLeadEntity)
	opp("a", "won", "", "lead", "", &node.Amount{Amount: "1000.50", Currency: "EUR"}, lead, entry("it1", "IT", node.RoleGroupMember))
	opp("b", "won", "", "lead", "", &node.Amount{Amount: "200", Currency: "PLN"}, lead, entry("fr2", "FR", node.RoleSubcontractor))
	opp("c", "forming", "", "lead", "", nil, lead)
	opp("d", "active", "", "", "123-2026", nil)                                                                                                      // radar entry, no lead
	opp("e", "won", "https://it.example/actor", "", "", &node.Amount{Amount: "99", Currency: "EUR"}, lead, entry("it1", "IT", node.RoleGroupMember)) // a peer's
	f, err := db.StatsFigures(ctx, now.AddDate(-2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"won": 2, "forming": 1}, f.Opportunities); diff != "" {
		t.Errorf("opportunities (-want +got):\n%s", diff)
	}
	if f.Consortia != 2 || f.CrossBorder != 1 || f.BidsWon != 2 {
		t.Errorf("consortia %d, cross-border %d, won %d; want 2, 1, 2", f.Consortia, f.CrossBorder, f.BidsWon)
	}
	if diff := cmp.Diff(map[string]float64{"EUR": 1000.5, "PLN": 200}, f.WonValues); diff != "" {
		t.Errorf("won values (-want +got):\n%s", diff)
	}
}

// TestStatsFiguresEventsHeld counts the node's own events that have
// ended, not cancelled ones, future ones or peers' copies.
func TestStatsFiguresEventsHeld(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	now := time.Now().UTC().Truncate(time.Second)
	ev := func(id string, end time.Time, status node.EventStatus, origin string) {
		t.Helper()
		e := &node.CalendarEvent{ID: id, Name: map[string]string{"fr": id}, Description: map[string]string{}, Start: end.Add(-time.Hour), End: end,
			Timezone: "Europe/Paris", Status: status, JoinMode: node.JoinFree, Category: "LEARNING", Published: true, Origin: origin, CreatedAt: now, UpdatedAt: now}
		if origin != "" {
			e.APID = origin + "/events/" + id
		}
		if err := db.CreateCalendarEvent(ctx, e, nil); err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
	}
	ev("held", now.Add(-48*time.Hour), node.EventConfirmed, "")
	ev("held2", now.Add(-24*time.Hour), node.EventTentative, "")
	ev("cancelled", now.Add(-24*time.Hour), node.EventCancelled, "")
	ev("future", now.Add(24*time.Hour), node.EventConfirmed, "")
	ev("old", now.AddDate(-3, 0, 0), node.EventConfirmed, "")
	ev("peers", now.Add(-24*time.Hour), node.EventConfirmed, "https://it.example/actor")
	f, err := db.StatsFigures(ctx, now.AddDate(-2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if f.EventsHeld != 2 {
		t.Errorf("events held = %d, want 2", f.EventsHeld)
	}
}
