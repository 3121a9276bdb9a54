package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// natsFlag points a node at the external NATS server of its network.
var natsFlag = []string{"--nats-url", "nats://" + natsHostname + ":4222"}

// TestExternalNATS runs a node on the etoiles-nats container: the node is
// ready with NATS ok, and a member's event lands in the server's EVENTS
// stream, read from the host.
func TestExternalNATS(t *testing.T) {
	t.Parallel()
	n := mustNetwork(t)
	ns := mustStartNATS(t, n)
	fr := mustStartNode(t, n, "fr.etoiles.test", append([]string{"--country", "FR"}, natsFlag...)...)
	if st, r, err := fr.readyz(t); err != nil || st != http.StatusOK || r.Checks["nats"] != "ok" {
		t.Fatalf("/readyz = %d %+v %v, want 200 with nats ok", st, r, err)
	}
	if logs := fr.logsUntil(t, has("nats=external")); !strings.Contains(logs, "nats=external") {
		t.Errorf("node logs do not say it uses external NATS:\n%s", logs)
	}
	admin := fr.token(t, "admin")
	fr.mustCreateMember(t, admin, "scop-echo", "Scop Écho")
	waitEvents(t, ns, "scop-echo")
	waitOutboxEmpty(t, fr, 1)
}

// TestNATSOutage kills the external NATS server under a running node:
// the node turns not ready, still takes a member, and once NATS is back
// it is ready again and the member's event, kept in the outbox, reaches
// the stream. Then the node crashes during a second outage: the event of
// the member created just before is published after both restart.
// Nothing is lost and nothing is published twice.
func TestNATSOutage(t *testing.T) {
	t.Parallel()
	n := mustNetwork(t)
	ns := mustStartNATS(t, n)
	fr := mustStartNode(t, n, "fr.etoiles.test", append([]string{"--country", "FR"}, natsFlag...)...)
	admin := fr.token(t, "admin")
	fr.mustCreateMember(t, admin, "scop-avant", "Scop Avant")
	waitEvents(t, ns, "scop-avant")

	ns.kill(t)
	killed := time.Now()
	waitFor(t, 10*time.Second, func() error {
		st, r, err := fr.readyz(t)
		if err != nil {
			return err
		}
		if st != http.StatusServiceUnavailable || r.Checks["nats"] == "ok" || r.Checks["database"] != "ok" {
			return fmt.Errorf("/readyz = %d %+v, want 503 for nats only", st, r)
		}
		return nil
	})
	t.Logf("/readyz said 503 %v after NATS was killed", time.Since(killed).Round(time.Millisecond))
	if st, body, err := get(fr.url(t)+"/healthz", ""); err != nil || st != http.StatusOK {
		t.Errorf("/healthz during the outage = %d %s %v, want 200: the process is alive", st, body, err)
	}

	fr.mustCreateMember(t, admin, "scop-pendant", "Scop Pendant")
	waitFor(t, 15*time.Second, func() error {
		if v, err := fr.metric(t, "etoiles_outbox_pending"); err != nil || v < 1 {
			return fmt.Errorf("etoiles_outbox_pending = %v %v, want the event waiting", v, err)
		}
		return nil
	})

	ns.start(t)
	restarted := time.Now()
	ns.waitReady(t)
	fr.waitReady(t)
	t.Logf("/readyz said ready %v after NATS was started again", time.Since(restarted).Round(time.Millisecond))
	waitEvents(t, ns, "scop-avant", "scop-pendant")
	waitOutboxEmpty(t, fr, 2)

	// The NATS client buffers publishes while it reconnects, so the event
	// above may have come from that buffer. Now the node crashes during an
	// outage, buffer and all: only the outbox in SQLite still has the event.
	ns.kill(t)
	waitFor(t, 10*time.Second, func() error {
		if st, r, err := fr.readyz(t); err != nil || st != http.StatusServiceUnavailable {
			return fmt.Errorf("/readyz = %d %+v %v, want 503", st, r, err)
		}
		return nil
	})
	errsBefore, err := fr.metric(t, "etoiles_outbox_errors_total")
	if err != nil {
		t.Fatal(err)
	}
	fr.mustCreateMember(t, admin, "scop-crash", "Scop Crash")
	// Let the relay fail on the event first: a relay that marked what it
	// could not publish would lose it here.
	failed := time.Now()
	waitFor(t, 30*time.Second, func() error {
		errs, err := fr.metric(t, "etoiles_outbox_errors_total")
		if err != nil {
			return err
		}
		pending, err := fr.metric(t, "etoiles_outbox_pending")
		if err != nil {
			return err
		}
		if errs <= errsBefore || pending < 1 {
			return fmt.Errorf("outbox: %v errors (%v before), %v pending; want a failed round and the event pending", errs, errsBefore, pending)
		}
		return nil
	})
	t.Logf("the relay failed a round %v after the member was created", time.Since(failed).Round(time.Millisecond))
	fr.kill(t)
	ns.start(t)
	ns.waitReady(t)
	fr.start(t)
	fr.waitReady(t)
	waitEvents(t, ns, "scop-avant", "scop-pendant", "scop-crash")
	waitOutboxEmpty(t, fr, 1)
}

// waitEvents waits until the EVENTS stream holds exactly one
// member.joined event per member id, in order, each with its own message
// id, and nothing else.
func waitEvents(tb testing.TB, ns *natsServer, members ...string) {
	tb.Helper()
	waitFor(tb, 30*time.Second, func() error {
		evs, err := ns.events(tb)
		if err != nil {
			return err
		}
		if len(evs) != len(members) {
			return fmt.Errorf("EVENTS holds %+v, want member.joined for %v", evs, members)
		}
		ids := map[string]bool{}
		for i, ev := range evs {
			if ev.Subject != "etoiles.event.member.joined" || ev.AggregateID != members[i] || ev.MsgID == "" || ids[ev.MsgID] {
				return fmt.Errorf("EVENTS holds %+v, want member.joined for %v with distinct message ids", evs, members)
			}
			ids[ev.MsgID] = true
		}
		return nil
	})
}

// waitOutboxEmpty waits until the node's relay has published at least n
// events and has none pending. A node that restarts publishes its last
// minutes of events again (JetStream drops the copies it kept), so the
// counter may exceed the events written; waitEvents checks the stream
// holds each event once.
func waitOutboxEmpty(tb testing.TB, nd *node, n float64) {
	tb.Helper()
	waitFor(tb, 15*time.Second, func() error {
		pub, err := nd.metric(tb, "etoiles_outbox_published_total")
		if err != nil {
			return err
		}
		pending, err := nd.metric(tb, "etoiles_outbox_pending")
		if err != nil {
			return err
		}
		if pub < n || pending != 0 {
			return fmt.Errorf("outbox: %v published, %v pending; want at least %v published, 0 pending", pub, pending, n)
		}
		return nil
	})
}
