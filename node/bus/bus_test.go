package bus

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

// streamShape is the part of a stream's configuration Open decides.
type streamShape struct {
	Subjects   []string
	Retention  jetstream.RetentionPolicy
	Storage    jetstream.StorageType
	Replicas   int
	Duplicates time.Duration
	MaxAge     time.Duration
}

func shapeOf(tb testing.TB, b *Bus, name string) streamShape {
	tb.Helper()
	c := streamInfo(tb, b, name).Config
	return streamShape{c.Subjects, c.Retention, c.Storage, c.Replicas, c.Duplicates, c.MaxAge}
}

func TestOpenStreams(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		stream string
		want   streamShape
	}{
		{"file events", Options{}, StreamEvents,
			streamShape{[]string{"etoiles.event.>"}, jetstream.LimitsPolicy, jetstream.FileStorage, 1, 10 * time.Minute, 30 * 24 * time.Hour}},
		{"file inbox", Options{}, StreamInbox,
			streamShape{[]string{"etoiles.inbox.>"}, jetstream.WorkQueuePolicy, jetstream.FileStorage, 1, 10 * time.Minute, 0}},
		{"file delivery", Options{}, StreamDelivery,
			streamShape{[]string{"etoiles.delivery.>"}, jetstream.WorkQueuePolicy, jetstream.FileStorage, 1, 10 * time.Minute, 0}},
		{"window", Options{DuplicateWindow: time.Hour}, StreamEvents,
			streamShape{[]string{"etoiles.event.>"}, jetstream.LimitsPolicy, jetstream.FileStorage, 1, time.Hour, 30 * 24 * time.Hour}},
		{"embedded ignores replicas", Options{Replicas: 3}, StreamDelivery,
			streamShape{[]string{"etoiles.delivery.>"}, jetstream.WorkQueuePolicy, jetstream.FileStorage, 1, 10 * time.Minute, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustOpen(t, tt.opts)
			got := shapeOf(t, b, tt.stream)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("stream %s (-got +want):\n%s", tt.stream, diff)
			}
		})
	}
}

func TestOpenZeroOptions(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !b.Embedded() {
		t.Errorf("Embedded() = false, want true")
	}
	if got := b.ClientURL(); got != "" {
		t.Errorf("ClientURL() = %q, want empty (no listener)", got)
	}
	if err := b.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
	for _, name := range []string{StreamEvents, StreamInbox, StreamDelivery} {
		if got := shapeOf(t, b, name).Storage; got != jetstream.MemoryStorage {
			t.Errorf("stream %s storage = %v, want memory", name, got)
		}
	}
	dir := b.tmpDir
	if dir == "" {
		t.Fatalf("no private store dir in memory mode")
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, stat %s: %v, want not exist", dir, err)
	}
}

func TestCloseIdempotent(t *testing.T) {
	b, err := Open(context.Background(), Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	for i := range 2 {
		if err := b.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
	if err := b.Ready(context.Background()); err == nil {
		t.Errorf("Ready after Close = nil, want an error")
	}
	if b.srv.Running() {
		t.Errorf("server still running after Close")
	}
}

func TestOpenTwiceUpdatesStreams(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := Open(ctx, Options{StoreDir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := b.JetStream().Publish(ctx, "etoiles.event.member.joined", []byte("{}")); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	b = mustOpen(t, Options{StoreDir: dir, DuplicateWindow: 2 * time.Minute})
	if got, want := shapeOf(t, b, StreamEvents).Duplicates, 2*time.Minute; got != want {
		t.Errorf("Duplicates after reopen = %v, want %v", got, want)
	}
	if got, want := streamInfo(t, b, StreamEvents).State.Msgs, uint64(1); got != want {
		t.Errorf("EVENTS msgs after reopen = %d, want %d", got, want)
	}
}

func TestOpenListenAndExternal(t *testing.T) {
	ctx := context.Background()
	emb := mustOpen(t, Options{ListenAddr: "127.0.0.1:0"})
	url := emb.ClientURL()
	if !strings.HasPrefix(url, "nats://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("ClientURL() = %q, want nats://127.0.0.1:<port>", url)
	}

	ext := mustOpen(t, Options{URL: url, Replicas: 1})
	if ext.Embedded() {
		t.Errorf("Embedded() = true for an external URL, want false")
	}
	if err := ext.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
	if got := ext.ClientURL(); got != url {
		t.Errorf("ClientURL() = %q, want %q", got, url)
	}
	// The external bus declares with file storage; the streams exist, so
	// this is an update of the same streams.
	if _, err := ext.JetStream().Publish(ctx, "etoiles.delivery.x", []byte("job")); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got := streamInfo(t, emb, StreamDelivery).State.Msgs; got != 1 {
		t.Errorf("DELIVERY msgs seen by the embedded bus = %d, want 1", got)
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want string // in the error
	}{
		{"bad listen address", Options{ListenAddr: "nowhere"}, "listen address"},
		{"bad port", Options{ListenAddr: "127.0.0.1:http"}, "bad port"},
		{"store dir is a file", Options{StoreDir: file}, "Can't start JetStream: storage directory is not a directory"},
		{"no server at url", Options{URL: "nats://127.0.0.1:1"}, "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			b, err := Open(ctx, tt.opts)
			if err == nil {
				b.Close()
				t.Fatalf("Open(%+v) = nil error, want one with %q", tt.opts, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%+v) = %v, want an error with %q", tt.opts, err, tt.want)
			}
		})
	}
}
