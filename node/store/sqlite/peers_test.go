package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
)

// TestPeerDeliveryHealth checks that peers are read without their
// delivery health, and that FillPeerDelivery adds it.
func TestPeerDeliveryHealth(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	p := &node.Peer{ActorURL: "https://it.example/actor", Inbox: "https://it.example/inbox", Allowed: true}
	if err := db.SavePeer(ctx, p); err != nil {
		t.Fatal(err)
	}
	target := []node.DeliveryTarget{{Inbox: p.Inbox, PeerID: p.ID}}
	var ids []int64
	for _, a := range []string{"a1", "a2", "a3"} {
		got, err := db.AddDeliveries(ctx, "https://fr.example/activities/"+a, []byte("{}"), target)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
	}
	if err := db.RecordAttempt(ctx, ids[0], node.DeliveryDelivered, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordAttempt(ctx, ids[1], node.DeliveryDead, "410 gone", time.Time{}); err != nil {
		t.Fatal(err)
	}

	byActor, err := db.PeerByActor(ctx, p.ActorURL)
	if err != nil {
		t.Fatal(err)
	}
	byID, err := db.PeerByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.Peers(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("Peers() = %v, %v; want one peer", all, err)
	}
	for _, got := range []*node.Peer{byActor, byID, all[0]} {
		if diff := cmp.Diff(node.PeerDelivery{}, got.Delivery); diff != "" {
			t.Errorf("peer read with delivery health (-want +got):\n%s", diff)
		}
	}

	if err := db.FillPeerDelivery(ctx, byID); err != nil {
		t.Fatal(err)
	}
	d := byID.Delivery
	if d.Pending != 1 || d.Delivered != 1 || d.Dead != 1 || !d.Unreachable || d.LastSuccess == nil {
		t.Errorf("FillPeerDelivery: %+v, want 1 pending, 1 delivered, 1 dead, unreachable, a last success", d)
	}
}
