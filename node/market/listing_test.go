package market_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/market"
	"github.com/google/go-cmp/cmp"
)

func spipOffer() node.Listing {
	return node.Listing{Side: node.SideOffer, Kind: node.KindProduct,
		Title:       map[string]string{"en": "SPIP site package with training and hotline", "fr": "Paquet de site SPIP avec formation et hotline"},
		Description: map[string]string{"en": "A ready SPIP site, training and a year of hotline."},
		CPV:         []string{"72413000-8"}, Quantity: node.Quantity{Unit: "one", Value: 10},
		Price: &node.Price{Currency: "eur", Amount: 150000}, Scope: node.ScopeInternational, Owner: "atelier-spip"}
}

func TestListingBadInputs(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("atelier-spip", "coop-b")
	tests := []struct {
		name   string
		change func(l *node.Listing)
		fields []string
	}{
		{"negative quantity", func(l *node.Listing) { l.Quantity.Value = -1 }, []string{"quantity.value"}},
		{"unknown unit", func(l *node.Listing) { l.Quantity.Unit = "seat" }, []string{"quantity.unit"}},
		{"no CPV", func(l *node.Listing) { l.CPV = nil }, []string{"cpv"}},
		{"bad CPV", func(l *node.Listing) { l.CPV = []string{"0100000"} }, []string{"cpv[0]"}},
		{"negative price", func(l *node.Listing) { l.Price.Amount = -5 }, []string{"price.amount"}},
		{"group purchase offered, no deadline", func(l *node.Listing) { l.Kind = node.KindGroupPurchase }, []string{"deadline", "side"}},
		{"shared service without a cost model", func(l *node.Listing) { l.Kind = node.KindSharedService }, []string{"cost_model"}},
		{"cost model on a product", func(l *node.Listing) { l.CostModel = &node.CostModel{Currency: "EUR", Amount: 1, Rule: "equal"} }, []string{"cost_model"}},
		{"local without region", func(l *node.Listing) { l.Scope = node.ScopeLocal }, []string{"region"}},
		{"owner not a member", func(l *node.Listing) { l.Owner = "nobody" }, []string{"owner"}},
		{"window backwards", func(l *node.Listing) {
			l.AvailableFrom, l.AvailableUntil = ptr(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)), ptr(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		}, []string{"available_until"}},
		{"title language", func(l *node.Listing) { l.Title = map[string]string{"xx-!!": "x"} }, []string{"title.xx-!!"}},
	}
	for _, tt := range tests {
		l := spipOffer()
		tt.change(&l)
		_, err := e.svc.Create(ctx, admin, &l)
		if node.ErrorCode(err) != node.EINVALID {
			t.Errorf("%s: %v, want invalid", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.fields, fieldsOf(err)); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
		}
	}
	l := spipOffer()
	if _, err := e.svc.Create(ctx, market.Actor{Member: "coop-b"}, &l); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("a member listing for another: %v, want forbidden", err)
	}
	if got, _, _ := e.svc.List(ctx, market.Query{}); len(got) != 0 {
		t.Errorf("refused listings were stored: %v", got)
	}
}

func TestRespondAcceptReject(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("atelier-spip", "coop-b", "coop-c")
	owner, b, c := market.Actor{Member: "atelier-spip"}, market.Actor{Member: "coop-b"}, market.Actor{Member: "coop-c"}
	l := spipOffer()
	offer, err := e.svc.Create(ctx, owner, &l)
	if err != nil {
		t.Fatal(err)
	}
	if offer.CPV[0] != "72413000" || offer.Price.Currency != "EUR" || offer.Price.Per != 1 || offer.Country != "FR" {
		t.Errorf("listing not normalised: %+v", offer)
	}
	respond := func(a market.Actor, q node.Quantity) (*node.Response, error) {
		return e.svc.Respond(ctx, a, offer.ID, &node.Response{Quantity: q})
	}
	if _, err := respond(b, node.Quantity{Value: -3}); node.ErrorCode(err) != node.EINVALID || !slices.Equal(fieldsOf(err), []string{"quantity.value"}) {
		t.Errorf("negative quantity: %v", err)
	}
	if _, err := respond(b, node.Quantity{Unit: "month", Value: 3}); node.ErrorCode(err) != node.EINVALID || !slices.Equal(fieldsOf(err), []string{"quantity.unit"}) {
		t.Errorf("unit mismatch: %v", err)
	}
	if _, err := respond(owner, node.Quantity{Value: 1}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("owner answering itself: %v, want conflict", err)
	}
	// An admin's answer names its member; an unknown listing is 404 first.
	if _, err := e.svc.Respond(ctx, admin, "l-nope", &node.Response{Quantity: node.Quantity{Value: 1}}); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("admin answering an unknown listing: %v, want not found", err)
	}
	if _, err := respond(admin, node.Quantity{Value: 1}); node.ErrorCode(err) != node.EINVALID || !slices.Equal(fieldsOf(err), []string{"responder"}) {
		t.Errorf("admin answering for nobody: %v, want invalid responder", err)
	}
	rb, err := respond(b, node.Quantity{Value: 3})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := respond(c, node.Quantity{Value: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Accept(ctx, c, offer.ID, rb.ID); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("acceptance by a non-owner: %v, want forbidden", err)
	}
	got, err := e.svc.Accept(ctx, owner, offer.ID, rb.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &node.Agreement{ID: got.Agreement.ID, ListingID: offer.ID, Provider: "atelier-spip", Receiver: "coop-b",
		Quantity: node.Quantity{Unit: "one", Value: 3}, Amount: &node.Price{Currency: "EUR", Amount: 450000, Per: 3}, At: e.now}
	if diff := cmp.Diff(want, got.Agreement); diff != "" {
		t.Errorf("agreement (-want +got):\n%s", diff)
	}
	if _, err := e.svc.Accept(ctx, owner, offer.ID, rb.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("accepting twice: %v, want conflict", err)
	}
	if r, err := e.svc.Reject(ctx, admin, offer.ID, rc.ID); err != nil || r.Status != node.ResponseRejected || r.Agreement != nil {
		t.Errorf("reject: %+v, %v", r, err)
	}
	after, _ := e.svc.Get(ctx, offer.ID)
	if after.Committed != 3 {
		t.Errorf("committed = %d, want 3", after.Committed)
	}
	// The owner closes the listing: responses are refused.
	closed := node.ListingClosed
	if _, err := e.svc.Update(ctx, owner, offer.ID, market.Patch{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	if _, err := respond(c, node.Quantity{Value: 1}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("response to a closed listing: %v, want conflict", err)
	}
	// Members see their own responses; the owner sees all.
	if rs, _ := e.svc.Responses(ctx, c, offer.ID); len(rs) != 1 || rs[0].ID != rc.ID {
		t.Errorf("coop-c sees %v, want its own response only", rs)
	}
	if rs, _ := e.svc.Responses(ctx, owner, offer.ID); len(rs) != 2 {
		t.Errorf("the owner sees %d responses, want 2", len(rs))
	}
	// The unit cannot change under the responses.
	if _, err := e.svc.Update(ctx, owner, offer.ID, market.Patch{Quantity: &node.Quantity{Unit: "month", Value: 10}}); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("unit change with responses: %v, want invalid", err)
	}
	if _, err := e.svc.Update(ctx, c, offer.ID, market.Patch{Status: &closed}); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("update by a non-owner: %v, want forbidden", err)
	}
	ns, _ := e.notices("coop-b")
	if len(ns) != 1 || kindOf(ns[0]) != market.NoticeAccepted || ns[0].Kind != node.NoticeListing || ns[0].Title["en"] == "" {
		t.Errorf("coop-b notices = %+v, want one acceptance", ns)
	}
}

func TestGroupPurchaseCloses(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-a", "coop-b", "coop-c")
	laptops := func(n int64) node.Listing {
		return node.Listing{Side: node.SideNeed, Kind: node.KindGroupPurchase, Title: map[string]string{"en": "Group purchase of 10 laptops"},
			CPV: []string{"30213100"}, Quantity: node.Quantity{Unit: "one", Value: n}, Deadline: ptr(e.now.Add(48 * time.Hour))}
	}
	reached := e.mustListing(laptops(10))
	missed := e.mustListing(laptops(10))
	commit := func(id, m string, n int64) {
		t.Helper()
		r, err := e.svc.Respond(ctx, market.Actor{Member: m}, id, &node.Response{Quantity: node.Quantity{Value: n}})
		if err != nil || r.Status != node.ResponseAccepted {
			t.Fatalf("commit %s %d: %+v %v", m, n, r, err)
		}
	}
	commit(reached.ID, "coop-a", 6)
	commit(reached.ID, "coop-b", 4)
	commit(missed.ID, "coop-c", 3)
	if l, _ := e.svc.Get(ctx, reached.ID); l.Status != node.ListingReached || l.Committed != 10 {
		t.Errorf("reached purchase: %s %d", l.Status, l.Committed)
	}
	if _, err := e.svc.Respond(ctx, market.Actor{Member: "coop-c"}, reached.ID, &node.Response{Quantity: node.Quantity{Value: 1}}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("commitment after the target: %v, want conflict", err)
	}
	e.now = e.now.Add(47 * time.Hour)
	if n, err := e.svc.CloseDue(ctx); n != 0 || err != nil {
		t.Errorf("CloseDue before the deadline = %d, %v", n, err)
	}
	e.now = e.now.Add(time.Hour)
	if n, err := e.svc.CloseDue(ctx); n != 1 || err != nil {
		t.Errorf("CloseDue at the deadline = %d, %v, want 1", n, err)
	}
	if l, _ := e.svc.Get(ctx, missed.ID); l.Status != node.ListingNotReached || l.Committed != 3 {
		t.Errorf("missed purchase: %s %d", l.Status, l.Committed)
	}
	for m, kind := range map[string]string{"coop-a": market.NoticeClosed, "coop-b": market.NoticeClosed, "coop-c": market.NoticeClosed} {
		ns, _ := e.notices(m)
		if len(ns) == 0 || kindOf(ns[0]) != kind {
			t.Errorf("%s notices = %+v, want %s first", m, ns, kind)
		}
	}
	// The group's admins own the purchases and hear of both closings.
	ns, _ := e.notices("")
	closings := 0
	for _, n := range ns {
		if kindOf(n) == market.NoticeClosed {
			closings++
		}
	}
	if closings != 2 {
		t.Errorf("the group got %d closing notices, want 2: %+v", closings, ns)
	}
}

func TestMatching(t *testing.T) {
	base := func(side node.ListingSide, cpv string, scope node.Scope, country, region string) *node.Listing {
		return &node.Listing{Side: side, CPV: []string{cpv}, Scope: scope, Country: country, Region: region, Status: node.ListingOpen}
	}
	tests := []struct {
		name string
		a, b *node.Listing
		want bool
	}{
		{"specific offer, division need", base(node.SideOffer, "72413000", node.ScopeInternational, "FR", ""), base(node.SideNeed, "72000000", node.ScopeInternational, "IT", ""), true},
		{"group offer, specific need", base(node.SideOffer, "72400000", node.ScopeInternational, "FR", ""), base(node.SideNeed, "72413000", node.ScopeInternational, "IT", ""), true},
		{"division offer, specific need", base(node.SideOffer, "72000000", node.ScopeInternational, "FR", ""), base(node.SideNeed, "72413000", node.ScopeInternational, "IT", ""), false},
		{"siblings", base(node.SideOffer, "72415000", node.ScopeInternational, "FR", ""), base(node.SideNeed, "72413000", node.ScopeInternational, "IT", ""), false},
		{"other division", base(node.SideOffer, "72413000", node.ScopeInternational, "FR", ""), base(node.SideNeed, "79000000", node.ScopeInternational, "FR", ""), false},
		{"same side", base(node.SideOffer, "72413000", node.ScopeInternational, "FR", ""), base(node.SideOffer, "72413000", node.ScopeInternational, "FR", ""), false},
		{"national need, foreign offer", base(node.SideOffer, "72413000", node.ScopeInternational, "IT", ""), base(node.SideNeed, "72413000", node.ScopeNational, "FR", ""), false},
		{"national both in France", base(node.SideOffer, "72413000", node.ScopeNational, "FR", ""), base(node.SideNeed, "72413000", node.ScopeNational, "FR", ""), true},
		{"local, same region", base(node.SideOffer, "72413000", node.ScopeLocal, "FR", "FR10"), base(node.SideNeed, "72413000", node.ScopeInternational, "FR", "FR101"), true},
		{"local, other region", base(node.SideOffer, "72413000", node.ScopeLocal, "FR", "FR10"), base(node.SideNeed, "72413000", node.ScopeInternational, "FR", "FRK2"), false},
	}
	for _, tt := range tests {
		if got := market.Matches(tt.a, tt.b); got != tt.want {
			t.Errorf("Matches(%s) = %v, want %v", tt.name, got, tt.want)
		}
		if got := market.Matches(tt.b, tt.a); got != tt.want {
			t.Errorf("Matches(%s, reversed) = %v, want %v", tt.name, got, tt.want)
		}
	}

	// A new offer notifies, once its events reach the matcher, the owner
	// of a matching open need and its own owner; a non-matching need is
	// left alone.
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-need", "coop-other", "coop-offer")
	need := e.mustListing(node.Listing{Side: node.SideNeed, Kind: node.KindService, Title: map[string]string{"en": ".coop domain registration"},
		CPV: []string{"72000000"}, Quantity: node.Quantity{Unit: "year", Value: 1}, Owner: "coop-need"})
	e.mustListing(node.Listing{Side: node.SideNeed, Kind: node.KindService, Title: map[string]string{"en": "Shared printing contract"},
		CPV: []string{"79800000"}, Quantity: node.Quantity{Unit: "one", Value: 1}, Owner: "coop-other"})
	offer := e.mustListing(node.Listing{Side: node.SideOffer, Kind: node.KindService, Title: map[string]string{"en": "Web hosting"},
		CPV: []string{"72415000"}, Quantity: node.Quantity{Unit: "month", Value: 12}, Owner: "coop-offer"})
	if ns, _ := e.notices("coop-need"); len(ns) != 0 {
		t.Errorf("notices before the matcher ran: %+v; matching belongs to the event consumer", ns)
	}
	e.match()
	for m, want := range map[string][]string{"coop-need": {need.ID + "→" + offer.ID}, "coop-offer": {offer.ID + "→" + need.ID}, "coop-other": nil} {
		ns, _ := e.notices(m)
		var got []string
		for _, n := range ns {
			if listing, kind, other := market.ParseNoticeRef(n.Ref); kind == market.NoticeMatch {
				got = append(got, listing+"→"+other)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s match notices (-want +got):\n%s", m, diff)
		}
	}
	// Filters: by side, kind and CPV in both directions.
	for _, tt := range []struct {
		q    market.Query
		want int
	}{
		{market.Query{Side: node.SideNeed}, 2},
		{market.Query{CPV: "72000000"}, 2},
		{market.Query{CPV: "72415000"}, 2}, // the hosting offer and the need under 72000000
		{market.Query{CPV: "79810000"}, 1},
		{market.Query{Country: "fr", Scope: node.ScopeNational, Origin: "local"}, 3},
		{market.Query{Scope: node.ScopeInternational}, 0},
	} {
		got, total, err := e.svc.List(ctx, tt.q)
		if err != nil || len(got) != tt.want || total != tt.want {
			t.Errorf("List(%+v) = %d (total %d), %v; want %d", tt.q, len(got), total, err, tt.want)
		}
	}
	if _, _, err := e.svc.List(ctx, market.Query{CPV: "123"}); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("bad CPV filter: %v", err)
	}
}

// TestConcurrentCommitments commits to a group purchase from many
// goroutines at once, as the inbox and the API do: every commitment
// counts, and the purchase closes exactly at its target.
func TestConcurrentCommitments(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 12; i++ {
		ids = append(ids, "coop-"+string(rune('a'+i)))
	}
	e.mustMembers(ids...)
	gp := e.mustListing(node.Listing{Side: node.SideNeed, Kind: node.KindGroupPurchase, Title: map[string]string{"en": "Group purchase of 10 laptops"},
		CPV: []string{"30213100"}, Quantity: node.Quantity{Unit: "one", Value: 10}, Deadline: ptr(e.now.Add(time.Hour))})
	errs := make(chan error, len(ids))
	for _, m := range ids {
		go func() {
			_, err := e.svc.Respond(ctx, market.Actor{Member: m}, gp.ID, &node.Response{Quantity: node.Quantity{Value: 1}})
			errs <- err
		}()
	}
	refused := 0
	for range ids {
		if err := <-errs; node.ErrorCode(err) == node.ECONFLICT {
			refused++
		} else if err != nil {
			t.Error(err)
		}
	}
	l, _ := e.svc.Get(ctx, gp.ID)
	if l.Committed != 10 || l.Status != node.ListingReached || refused != 2 {
		t.Errorf("committed %d, status %s, %d refused; want 10, reached, 2 refused", l.Committed, l.Status, refused)
	}
}
