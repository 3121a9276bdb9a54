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
	if logs := fr.logs(t); !strings.Contains(logs, "nats=external") {
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
// the stream; nothing is lost and nothing is published twice.
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

// waitOutboxEmpty waits until the node's relay has published n events
// and has none pending.
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
		if pub != n || pending != 0 {
			return fmt.Errorf("outbox: %v published, %v pending; want %v published, 0 pending", pub, pending, n)
		}
		return nil
	})
}
