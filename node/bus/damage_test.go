package bus

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// TestOpenMovesADamagedStoreAside: a consumer state file and a stream
// metafile damaged on disk would stop the node ("error creating store for
// consumer"); Open moves the store aside, starts on an empty one and says
// so.
func TestOpenMovesADamagedStoreAside(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b := mustOpen(t, Options{StoreDir: dir})
	if b.Rebuilt() != "" || !b.FreshStore() {
		t.Fatalf("first open: Rebuilt %q, FreshStore %v; want none and true", b.Rebuilt(), b.FreshStore())
	}
	if _, err := b.JetStream().CreateOrUpdateConsumer(ctx, StreamEvents, jetstream.ConsumerConfig{Durable: "fanout", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JetStream().Publish(ctx, "etoiles.event.member.created", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	b.Close()

	streams := filepath.Join(dir, "jetstream", "$G", "streams")
	if err := os.WriteFile(filepath.Join(streams, StreamEvents, "obs", "fanout", "o.dat"), []byte("not a consumer state"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(streams, StreamInbox, "meta.inf"), []byte(`{"name":"INBOX"`), 0o600); err != nil {
		t.Fatal(err)
	}

	b = mustOpen(t, Options{StoreDir: dir})
	if why := b.Rebuilt(); !strings.Contains(why, "moved to") || b.FreshStore() {
		t.Fatalf("Rebuilt = %q, FreshStore %v; want a reason naming where the store went", why, b.FreshStore())
	}
	aside, _ := filepath.Glob(filepath.Join(dir, "jetstream.damaged-*"))
	if len(aside) != 1 {
		t.Errorf("damaged stores kept aside: %v, want one", aside)
	}
	// The fresh store works: the consumer the damage blocked can be made.
	if _, err := b.JetStream().CreateOrUpdateConsumer(ctx, StreamEvents, jetstream.ConsumerConfig{Durable: "fanout", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Errorf("consumer on the rebuilt store: %v", err)
	}
	for _, name := range []string{StreamEvents, StreamInbox, StreamDelivery} {
		streamInfo(t, b, name)
	}
	b.Close()

	// Deleted by hand: the next open says the store is fresh.
	if err := os.RemoveAll(filepath.Join(dir, "jetstream")); err != nil {
		t.Fatal(err)
	}
	b = mustOpen(t, Options{StoreDir: dir})
	if !b.FreshStore() || b.Rebuilt() != "" {
		t.Errorf("after deletion: FreshStore %v, Rebuilt %q; want true and none", b.FreshStore(), b.Rebuilt())
	}
}
