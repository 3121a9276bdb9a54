package bus

import (
	"context"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
)

// BenchmarkRelay measures events per second from an in-memory outbox,
// through the relay, into the embedded JetStream with file storage, with
// the default batch and a larger one.
func BenchmarkRelay(b *testing.B) {
	for _, batch := range []int{DefaultRelayBatch, 1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			bus := mustOpen(b, Options{StoreDir: b.TempDir()})
			ob := newMemOutbox(testEvents(1, b.N)...)
			r := NewRelay(bus, ob, RelayOptions{Batch: batch})
			b.ReportAllocs()
			b.ResetTimer()
			if err := r.Flush(context.Background()); err != nil {
				b.Fatalf("Flush: %v", err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if got := streamInfo(b, bus, StreamEvents).State.Msgs; got != uint64(b.N) {
				b.Fatalf("EVENTS msgs = %d, want %d", got, b.N)
			}
		})
	}
}

// BenchmarkPublishAsyncRaw publishes the relay's messages, already
// encoded, with plain PublishMsgAsync and one wait at the end: the bound
// the relay's overhead is measured against.
func BenchmarkPublishAsyncRaw(b *testing.B) {
	bus := mustOpen(b, Options{StoreDir: b.TempDir()})
	msgs := make([]*nats.Msg, b.N)
	for i, ev := range testEvents(1, b.N) {
		m, err := eventMsg(ev)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = m
	}
	js := bus.JetStream()
	b.ReportAllocs()
	b.ResetTimer()
	for _, m := range msgs {
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatalf("PublishMsgAsync: %v", err)
		}
	}
	<-js.PublishAsyncComplete()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if got := streamInfo(b, bus, StreamEvents).State.Msgs; got != uint64(b.N) {
		b.Fatalf("EVENTS msgs = %d, want %d", got, b.N)
	}
}

// BenchmarkOpen measures a cold start: the embedded server, JetStream and
// the three streams, in a new directory (file) or in memory.
func BenchmarkOpen(b *testing.B) {
	for _, mode := range []string{"file", "memory"} {
		b.Run(mode, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				opts := Options{}
				if mode == "file" {
					opts.StoreDir = b.TempDir()
				}
				bus, err := Open(context.Background(), opts)
				if err != nil {
					b.Fatalf("Open: %v", err)
				}
				b.StopTimer()
				if err := bus.Close(); err != nil {
					b.Fatalf("Close: %v", err)
				}
				b.StartTimer()
			}
		})
	}
}
