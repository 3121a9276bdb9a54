package market_test

import (
	"context"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/market"
)

const itActor = "https://it.example/actor"

func remoteNeed(rev int64, status node.ListingStatus) *node.Listing {
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	return &node.Listing{ID: "l-printing@it.example", APID: "https://it.example/listings/l-printing", Origin: itActor, Revision: rev,
		Side: node.SideNeed, Kind: node.KindService, Title: map[string]string{"und": "Contratto di stampa condiviso"},
		CPV: []string{"79800000"}, Quantity: node.Quantity{Unit: "month", Value: 12}, Scope: node.ScopeInternational,
		Country: "IT", Status: status, CreatedAt: at, UpdatedAt: at}
}

// TestRemoteListingsAndAnswers applies what a peer sends through the
// service: listings with revisions and tombstones, and answers to a local
// member's response, with the origin check and idempotency.
func TestRemoteListingsAndAnswers(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-b", "coop-c")
	if err := e.svc.UpsertRemote(ctx, remoteNeed(10, node.ListingOpen)); err != nil {
		t.Fatal(err)
	}
	// An older revision changes nothing; another origin is refused.
	old := remoteNeed(5, node.ListingClosed)
	if err := e.svc.UpsertRemote(ctx, old); err != nil {
		t.Fatal(err)
	}
	forged := remoteNeed(20, node.ListingClosed)
	forged.Origin = "https://es.example/actor"
	if err := e.svc.UpsertRemote(ctx, forged); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("update from another origin: %v, want forbidden", err)
	}
	if l, _ := e.svc.Get(ctx, "l-printing@it.example"); l.Status != node.ListingOpen || l.Revision != 10 {
		t.Errorf("listing after stale and forged updates: %s rev %d", l.Status, l.Revision)
	}

	r, err := e.svc.Respond(ctx, market.Actor{Member: "coop-b"}, "l-printing@it.example", &node.Response{Quantity: node.Quantity{Value: 12}})
	if err != nil || r.Status != node.ResponsePending {
		t.Fatalf("respond: %+v %v", r, err)
	}
	evs, _ := e.db.PendingEvents(ctx, 100)
	if last := evs[len(evs)-1]; last.Subject != node.SubjectResponseOffered || last.AggregateID != r.ID {
		t.Errorf("last event %s %s, want %s for %s", last.Subject, last.AggregateID, node.SubjectResponseOffered, r.ID)
	}
	if err := e.svc.ReceiveAnswer(ctx, r.ID, "https://es.example/actor", true, nil, ""); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("answer from a node that does not own the listing: %v, want forbidden", err)
	}
	if err := e.svc.ReceiveAnswer(ctx, r.ID, itActor, false, nil, "listing closed"); err != nil {
		t.Fatal(err)
	}
	ag := &node.Agreement{ID: "a-late", Quantity: node.Quantity{Unit: "month", Value: 12}}
	if err := e.svc.ReceiveAnswer(ctx, r.ID, itActor, true, ag, ""); err != nil {
		t.Errorf("a late Accept: %v, want nothing", err)
	}
	rs, _ := e.svc.Responses(ctx, market.Actor{Member: "coop-b"}, "l-printing@it.example")
	if len(rs) != 1 || rs[0].Status != node.ResponseRejected || rs[0].Reason != "listing closed" || rs[0].Agreement != nil {
		t.Errorf("response after Reject then Accept = %+v", rs)
	}

	if _, err := e.svc.Respond(ctx, market.Actor{Member: "coop-c"}, "l-printing@it.example", &node.Response{Quantity: node.Quantity{Value: 6}}); err != nil {
		t.Fatal(err)
	}
	// The origin closes then deletes it: coop-c, still waiting for an
	// answer, hears of the closing (coop-b, declined, does not);
	// the deletion leaves a tombstone a late Update cannot undo.
	if err := e.svc.UpsertRemote(ctx, remoteNeed(30, node.ListingClosed)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteRemote(ctx, "https://es.example/actor", "https://it.example/listings/l-printing", 40); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("delete from another origin: %v, want forbidden", err)
	}
	if err := e.svc.DeleteRemote(ctx, itActor, "https://it.example/listings/l-printing", 40); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.UpsertRemote(ctx, remoteNeed(35, node.ListingOpen)); err != nil {
		t.Fatal(err)
	}
	if ls, _, _ := e.svc.List(ctx, market.Query{}); len(ls) != 0 {
		t.Errorf("a withdrawn listing is listed: %+v", ls[0])
	}
	for m, want := range map[string]string{"coop-b": market.NoticeRejected, "coop-c": market.NoticeClosed} {
		ns, _ := e.notices(m)
		if len(ns) != 1 || kindOf(ns[0]) != want {
			t.Errorf("%s notices = %+v, want one %s", m, ns, want)
		}
	}
	// A Delete for a listing never seen leaves a tombstone too.
	if err := e.svc.DeleteRemote(ctx, itActor, "https://it.example/listings/l-never", 50); err != nil {
		t.Fatal(err)
	}
	never := remoteNeed(45, node.ListingOpen)
	never.ID, never.APID = "l-never@it.example", "https://it.example/listings/l-never"
	if err := e.svc.UpsertRemote(ctx, never); err != nil {
		t.Fatal(err)
	}
	if ls, _, _ := e.svc.List(ctx, market.Query{}); len(ls) != 0 {
		t.Errorf("a Create after its Delete brought a listing back: %+v", ls)
	}
}
