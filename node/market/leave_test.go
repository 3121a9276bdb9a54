package market_test

import (
	"context"
	"testing"

	"github.com/e-toiles/etoiles/node"
)

// TestLeavingClosesTheMembersListings: a co-op that lapses (or leaves)
// can no longer accept an answer, so its open listings close at once and
// peers get an Update; other members' listings stay open.
func TestLeavingClosesTheMembersListings(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-a", "coop-b")
	offer := func(owner string) *node.Listing {
		return e.mustListing(node.Listing{Side: node.SideOffer, Kind: node.KindService, Title: map[string]string{"en": "Hosting by " + owner},
			CPV: []string{"72415000"}, Quantity: node.Quantity{Unit: "month", Value: 12}, Owner: owner})
	}
	mine, theirs := offer("coop-b"), offer("coop-a")
	mustDeliverMemberEvents(t, e) // the creations

	e.at("2026-10-11T15:00:00Z")
	if _, err := e.members.SetStatus(ctx, "coop-b", node.StatusLapsed, "unpaid dues"); err != nil {
		t.Fatal(err)
	}
	evs, err := e.db.PendingEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	mustDeliverMemberEvents(t, e)
	for _, c := range []struct {
		l    *node.Listing
		want node.ListingStatus
	}{{mine, node.ListingClosed}, {theirs, node.ListingOpen}} {
		got, err := e.svc.Get(ctx, c.l.ID)
		if err != nil || got.Status != c.want {
			t.Errorf("%s of %s after coop-b lapsed: %v %v, want %s", c.l.ID, c.l.Owner, got, err, c.want)
		}
	}
	// The closing went to the outbox for the peers.
	after, err := e.db.PendingEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	updated := 0
	for _, ev := range after {
		if ev.Subject == node.SubjectListingUpdated && ev.AggregateID == mine.ID {
			updated++
		}
	}
	if len(evs) == 0 || updated != 1 {
		t.Errorf("outbox after the lapse: %d listing updates of %s in %+v, want 1", updated, mine.ID, after)
	}
}
