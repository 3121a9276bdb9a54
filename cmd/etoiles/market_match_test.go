package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// countMatches counts the match notices about listing and other among ns.
func countMatches(ns []map[string]any, listing, other string) int {
	n := 0
	for _, x := range ns {
		if x["kind"] == node.NoticeListing && x["ref"] == listing+"#match:"+other {
			n++
		}
	}
	return n
}

// matchedThroughConsumer checks, on node n, that the match of a local
// need with a peer's offer came from the listing.received event on the
// EVENTS stream, handled by the durable matcher consumer, and that the
// same event delivered again adds no second notice.
func matchedThroughConsumer(t *testing.T, n *testNode, owner client, need, offer string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js := n.main.bus.JetStream()
	stream, err := js.Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.GetLastMsgForSubject(ctx, node.SubjectListingReceived)
	if err != nil {
		t.Fatalf("no %s on %s's stream: %v", node.SubjectListingReceived, n.name, err)
	}
	if got := countMatches(noticesOn(owner), need, offer); got != 1 {
		t.Fatalf("%s's need has %d match notices for %s, want 1", n.name, got, offer)
	}
	// Deliver the event again, as JetStream does when an ack is lost.
	ack, err := js.Publish(ctx, node.SubjectListingReceived, msg.Data, jetstream.WithMsgID(fmt.Sprintf("redelivery-%d", msg.Sequence)))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.Consumer(ctx, bus.StreamEvents, "opportunity-matcher")
	if err != nil {
		t.Fatalf("the matcher consumer on %s: %v", n.name, err)
	}
	waitFor(t, 5*time.Second, "the matcher handled the redelivered event", func() (bool, string) {
		info, err := cons.Info(ctx)
		if err != nil {
			return false, err.Error()
		}
		return info.AckFloor.Stream >= ack.Sequence, fmt.Sprintf("ack floor %d, event %d", info.AckFloor.Stream, ack.Sequence)
	})
	if got := countMatches(noticesOn(owner), need, offer); got != 1 {
		t.Errorf("after a redelivery %s's need has %d match notices for %s, want 1", n.name, got, offer)
	}
}
