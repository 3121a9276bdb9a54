package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/e-toiles/etoiles/federation"
	"github.com/e-toiles/etoiles/node/bus"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// busQueue adapts node/bus to the queue federation consumes, so that
// federation never imports NATS.
type busQueue struct {
	b   *bus.Bus
	log *slog.Logger
}

var _ federation.Queue = busQueue{}

// Publish stores data on the stream under subject, deduplicated by msgID.
func (q busQueue) Publish(ctx context.Context, subject, msgID string, data []byte) error {
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := q.b.JetStream().PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

// deliveryConcurrency is how many delivery jobs run at once. A delivery
// mostly waits on a remote peer (and signs, which takes a core for about
// a millisecond): one slow peer must not hold up the others, and a
// fan-out to many peers uses every core.
const deliveryConcurrency = 8

// Subscribe runs h on the durable consumer's messages. Delivery jobs are
// retried without a delivery limit: federation dead-letters them itself
// after its maximum age. They run deliveryConcurrency at a time; their
// order does not matter, since receivers order the versions of an object
// by its revision.
func (q busQueue) Subscribe(ctx context.Context, stream, durable, subject string, h federation.Handler) (func(), error) {
	opts := bus.ConsumeOptions{Logger: q.log}
	if stream == federation.StreamDelivery {
		opts.MaxDeliver = -1
		opts.AckWait = 2 * time.Minute
		opts.Prefetch = 16
		opts.Concurrency = deliveryConcurrency
	}
	sub, err := q.b.Subscribe(ctx, stream, durable, subject, func(ctx context.Context, msg jetstream.Msg) error {
		err := h(ctx, msg.Data())
		var perm interface{ Permanent() bool }
		if errors.As(err, &perm) && perm.Permanent() {
			return fmt.Errorf("%w: %w", bus.ErrTerminal, err)
		}
		return err
	}, opts)
	if err != nil {
		return nil, err
	}
	return sub.Stop, nil
}

// Messages returns how many messages a stream holds.
func (q busQueue) Messages(ctx context.Context, stream string) (uint64, error) {
	s, err := q.b.JetStream().Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	return s.CachedInfo().State.Msgs, nil
}
