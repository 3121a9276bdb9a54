package main

import (
	"encoding/json"

	"github.com/e-toiles/etoiles/node"
	"github.com/nats-io/nats.go"
)

// liveBus lets the web pages follow the events the outbox relay
// publishes: a plain NATS subscription sees every message JetStream
// stores, without a consumer to manage.
type liveBus struct{ nc *nats.Conn }

// Listen calls fn for every event on the subjects of pattern.
func (l liveBus) Listen(pattern string, fn func(node.Event)) (func(), error) {
	sub, err := l.nc.Subscribe(pattern, func(m *nats.Msg) {
		var ev node.Event
		if json.Unmarshal(m.Data, &ev) == nil {
			fn(ev)
		}
	})
	if err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}
