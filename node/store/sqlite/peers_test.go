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

// TestAdmissionEndsAtExpiry: a peer trusted only by its admission
// credential is no longer trusted once the credential is past its expiry
// (and the one-minute leeway), without waiting for the sweep.
func TestAdmissionEndsAtExpiry(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	p := &node.Peer{ActorURL: "https://it.example/actor", Inbox: "https://it.example/inbox"}
	if err := db.SavePeer(ctx, p); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Hour)
	if err := db.SetPeerAdmission(ctx, p.ID, true, "jti-1", exp); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{now, true},
		{exp.Add(30 * time.Second), true}, // within the leeway
		{exp.Add(67 * time.Second), false},
	} {
		now = tt.at
		byActor, err := db.PeerByActor(ctx, p.ActorURL)
		if err != nil {
			t.Fatal(err)
		}
		all, err := db.Peers(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("Peers = %v, %v", all, err)
		}
		if byActor.Trusted() != tt.want || all[0].Trusted() != tt.want {
			t.Errorf("at expiry%+v: PeerByActor trusted %v, Peers trusted %v; want %v", tt.at.Sub(exp), byActor.Trusted(), all[0].Trusted(), tt.want)
		}
		if !byActor.Admitted {
			t.Error("Admitted was cleared on reading; the sweep needs it to unpeer and purge")
		}
	}
}
