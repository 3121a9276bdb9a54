package market_test

import (
	"context"
	"sort"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/market"
	"github.com/google/go-cmp/cmp"
)

// matchPairs returns a member's match notices as "listing→other".
func (e *env) matchPairs(member string) []string {
	e.tb.Helper()
	ns, err := e.notices(member)
	if err != nil {
		e.tb.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		if listing, kind, other := market.ParseNoticeRef(n.Ref); kind == market.NoticeMatch {
			out = append(out, listing+"→"+other)
		}
	}
	sort.Strings(out)
	return out
}

// TestMatcherBothDirections: an offer finds the needs posted before it,
// a need finds the offers posted before it, a peer's listing matches
// when it arrives and when an update makes it match, and neither a
// redelivered event nor a repeated match adds a notice.
func TestMatcherBothDirections(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-offer", "coop-need", "coop-late")
	hosting := e.mustListing(node.Listing{Side: node.SideOffer, Kind: node.KindService, Title: map[string]string{"en": "Web hosting"},
		CPV: []string{"72415000"}, Quantity: node.Quantity{Unit: "month", Value: 12}, Owner: "coop-offer", Scope: node.ScopeInternational})
	e.match()
	if got := e.matchPairs("coop-offer"); got != nil {
		t.Fatalf("an offer alone matched %v", got)
	}

	// A need posted after the offer matches it.
	need := e.mustListing(node.Listing{Side: node.SideNeed, Kind: node.KindService, Title: map[string]string{"en": "Hosting for our site"},
		CPV: []string{"72400000"}, Quantity: node.Quantity{Unit: "month", Value: 12}, Owner: "coop-need", Scope: node.ScopeInternational})
	evs := e.match()
	want := map[string][]string{"coop-offer": {hosting.ID + "→" + need.ID}, "coop-need": {need.ID + "→" + hosting.ID}, "coop-late": nil}
	for m, w := range want {
		if diff := cmp.Diff(w, e.matchPairs(m)); diff != "" {
			t.Errorf("%s after the need (-want +got):\n%s", m, diff)
		}
	}

	// Redelivered events (and an edit that still matches) add nothing.
	before, _ := e.db.Notices(ctx, "coop-need", 0, 100)
	mt := &market.Matcher{Store: e.db}
	for _, ev := range evs {
		if err := mt.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Update(ctx, admin, need.ID, market.Patch{Title: &map[string]string{"en": "Hosting for our two sites"}}); err != nil {
		t.Fatal(err)
	}
	e.match()
	after, _ := e.db.Notices(ctx, "coop-need", 0, 100)
	if len(after) != len(before) || len(after) != 1 {
		t.Errorf("coop-need has %d notices after a redelivery and an edit, had %d; want 1", len(after), len(before))
	}

	// A peer's offer arrives: it matches the local need open abroad (its
	// owner is told), and a peer's need that does not match at first does once its
	// origin widens it.
	remote := &node.Listing{ID: "l-cloud@it.example", APID: "https://it.example/listings/l-cloud", Origin: "https://it.example/actor",
		Side: node.SideOffer, Kind: node.KindService, Title: map[string]string{"it": "Hosting cooperativo"}, CPV: []string{"72415000"},
		Quantity: node.Quantity{Unit: "month", Value: 12}, Country: "IT", Scope: node.ScopeInternational, Status: node.ListingOpen,
		Revision: 10, CreatedAt: e.now, UpdatedAt: e.now}
	if err := e.svc.UpsertRemote(ctx, remote); err != nil {
		t.Fatal(err)
	}
	if got := e.match(); len(got) != 1 || got[0].Subject != node.SubjectListingReceived || got[0].AggregateID != remote.ID {
		t.Errorf("events of a received listing = %+v, want one %s", got, node.SubjectListingReceived)
	}
	wantNeed := []string{need.ID + "→" + hosting.ID, need.ID + "→" + remote.ID}
	sort.Strings(wantNeed)
	if diff := cmp.Diff(wantNeed, e.matchPairs("coop-need")); diff != "" {
		t.Errorf("coop-need after the peer's offer (-want +got):\n%s", diff)
	}
	peerNeed := &node.Listing{ID: "l-print@it.example", APID: "https://it.example/listings/l-print", Origin: "https://it.example/actor",
		Side: node.SideNeed, Kind: node.KindService, Title: map[string]string{"it": "Stampa"}, CPV: []string{"79800000"},
		Quantity: node.Quantity{Unit: "one", Value: 1}, Country: "IT", Scope: node.ScopeInternational, Status: node.ListingOpen,
		Revision: 10, CreatedAt: e.now, UpdatedAt: e.now}
	if err := e.svc.UpsertRemote(ctx, peerNeed); err != nil {
		t.Fatal(err)
	}
	e.match()
	if got := e.matchPairs("coop-offer"); len(got) != 1 {
		t.Errorf("coop-offer after a non-matching peer need = %v, want the local need only", got)
	}
	widened := *peerNeed
	widened.CPV, widened.Revision = []string{"79800000", "72410000"}, 20
	if err := e.svc.UpsertRemote(ctx, &widened); err != nil {
		t.Fatal(err)
	}
	e.match()
	wantOffer := []string{hosting.ID + "→" + peerNeed.ID, hosting.ID + "→" + need.ID}
	sort.Strings(wantOffer)
	if diff := cmp.Diff(wantOffer, e.matchPairs("coop-offer")); diff != "" {
		t.Errorf("coop-offer after the peer widened its need (-want +got):\n%s", diff)
	}

	// A listing closed before its event is handled matches nothing: the
	// matcher reads the listing as stored.
	late := e.mustListing(node.Listing{Side: node.SideNeed, Kind: node.KindService, Title: map[string]string{"en": "Short-lived need"},
		CPV: []string{"72415000"}, Quantity: node.Quantity{Unit: "month", Value: 1}, Owner: "coop-late"})
	closed := node.ListingClosed
	if _, err := e.svc.Update(ctx, admin, late.ID, market.Patch{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	e.match()
	if got := e.matchPairs("coop-late"); got != nil {
		t.Errorf("a need closed before matching got %v", got)
	}
}
