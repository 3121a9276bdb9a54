// Package bus is the node's NATS adapter: it runs the embedded NATS server
// (or connects to an external cluster), declares the JetStream streams,
// relays the transactional outbox to the EVENTS stream and offers a small
// helper to consume streams with durable pull consumers.
//
// # Streams
//
//   - EVENTS (etoiles.event.>): domain events, limits retention, kept 30
//     days. The outbox relay publishes every event with the outbox row id as
//     its Nats-Msg-Id, so a republished event is dropped by JetStream's
//     duplicate window.
//   - INBOX (etoiles.inbox.>): work queue of inbound ActivityPub activities
//     waiting to be applied.
//   - DELIVERY (etoiles.delivery.>): work queue of outbound deliveries, one
//     job per target inbox.
//
// # Data flow
//
// SQLite is the source of truth and JetStream is the transport. A service
// writes its state rows and the events they raise in one transaction; the
// [Relay] reads the pending events from the [Outbox], publishes them,
// waits for every acknowledgement and only then marks them published. A
// crash between the publish and the mark makes the relay publish the same
// ids again after restart, and JetStream acknowledges them as duplicates
// without storing them twice, as long as the restart happens within the
// duplicate window ([Options.DuplicateWindow]).
//
// # Consuming
//
// [Bus.Subscribe] runs a handler on a durable pull consumer with explicit
// acks: nil acknowledges, an error asks for a redelivery after a back-off
// delay, and an error wrapping [ErrTerminal] drops the message. Handlers
// must be idempotent: JetStream delivers at least once. Messages are
// handled one at a time, in order, unless [ConsumeOptions.Concurrency]
// asks for more at once, where order does not matter. [DecodeEvent]
// reads an EVENTS message back into a node.Event.
//
// # The store directory
//
// The embedded server keeps JetStream under Options.StoreDir/jetstream.
// nats-server 2.15 takes no lock on that directory. A second server opened
// on the same directory, in this process or another, starts without error,
// recovers the same streams and then writes to the same block files: both
// servers hand out the same sequence numbers, one server's messages are
// silently lost, and the next start warns about inconsistent index files.
// The caller must therefore hold an exclusive lock on the data directory
// (the node does, with its lock file) before calling [Open].
//
// File storage is written to the operating system at once but synced to
// disk only every two minutes (nats-server's default sync interval). A
// process crash loses nothing; a power loss may lose the last events of
// the stream after the outbox has marked them published. The stream can be
// rebuilt from SQLite.
package bus
