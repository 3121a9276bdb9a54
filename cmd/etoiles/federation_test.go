package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation"
)

// testNode is a node run in-process on a loopback port it keeps across
// restarts.
type testNode struct {
	tb     testing.TB
	name   string
	dir    string
	addr   string
	main   *Main
	admin  client
	ln     net.Listener
	config func(*Config)
	// log, when set, replaces the test logger (ETOILES_TEST_LOG).
	log *slog.Logger
	// wrap, when set, wraps the store federation uses.
	wrap func(federation.Store) federation.Store
	// wrapQueue, when set, wraps the queue federation uses.
	wrapQueue func(federation.Queue) federation.Queue
}

func (n *testNode) actor() string { return "http://" + n.addr + "/actor" }

// MustFederatedNode starts a node that may federate over loopback http.
// The configure functions change its configuration, at every start.
func MustFederatedNode(tb testing.TB, name, country string, configure ...func(*Config)) *testNode {
	tb.Helper()
	n := newTestNode(tb, name, func(c *Config) {
		for _, f := range configure {
			f(c)
		}
	})
	n.run(country)
	return n
}

// newTestNode reserves a loopback port for a node, so that its actor URL
// is known before it starts; config adjusts its configuration.
func newTestNode(tb testing.TB, name string, config func(*Config)) *testNode {
	tb.Helper()
	n := &testNode{tb: tb, name: name, dir: filepath.Join(tb.TempDir(), name), config: config}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	n.ln, n.addr = ln, ln.Addr().String()
	return n
}

// run starts a node newTestNode made.
func (n *testNode) run(country string) {
	n.tb.Helper()
	n.start(n.ln, country)
	n.admin = client{n.tb, "http://" + n.addr, mustToken(n.tb, n.dir, "--role", "admin")}
	n.tb.Cleanup(func() { n.main.Close() })
}

func (n *testNode) start(ln net.Listener, country string) {
	n.tb.Helper()
	cfg := DefaultConfig()
	cfg.DataDir, cfg.Country, cfg.Name = n.dir, country, "e-toiles "+country
	cfg.PublicURL = "http://" + n.addr
	cfg.AllowPrivatePeers, cfg.InsecureHTTP = true, true
	cfg.RetryBase = 100 * time.Millisecond
	cfg.ShutdownTimeout = 2 * time.Second
	// Loading the embedded code lists costs a fresh node ~2 s of CPU
	// (more under -race); the many nodes of these tests do without them.
	// TestEndToEnd and the identity tests start nodes with them.
	cfg.EmbeddedCodes = false
	if n.config != nil {
		n.config(&cfg)
	}
	logger := testLogger(n.tb, n.name)
	if n.log != nil {
		logger = n.log
	}
	n.main = &Main{Config: cfg, Listener: ln, Logger: logger, FederationStore: n.wrap, FederationQueue: n.wrapQueue}
	if err := n.main.Run(context.Background()); err != nil {
		n.tb.Fatalf("start %s: %v", n.name, err)
	}
}

func (n *testNode) stop() {
	n.tb.Helper()
	if err := n.main.Close(); err != nil {
		n.tb.Fatalf("stop %s: %v", n.name, err)
	}
}

func (n *testNode) restart(country string) {
	n.tb.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", n.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		n.tb.Fatalf("restart %s: %v", n.name, err)
	}
	n.start(ln, country)
}

// waitFor polls cond until it is true or the timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(25 * time.Millisecond)
	}
	tb.Fatalf("waited %s for %s; last state: %s", timeout, what, last)
}

// catalogue returns the ids and origins a node's catalogue search finds.
func (n *testNode) catalogue(query string) map[string]string {
	n.tb.Helper()
	_, body, _ := n.admin.do("GET", "/api/v1/catalogue?limit=100&"+query, "")
	out := map[string]string{}
	items, _ := body["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		origin, _ := m["origin"].(string)
		name, _ := m["name"].(string)
		out[m["id"].(string)] = origin + "|" + name
	}
	return out
}

func (n *testNode) peerStates() string {
	_, body, _ := n.admin.do("GET", "/api/v1/peers", "")
	var states []string
	items, _ := body["items"].([]any)
	for _, it := range items {
		p := it.(map[string]any)
		states = append(states, fmt.Sprintf("%v=%v", p["url"], p["state"]))
	}
	return strings.Join(states, " ")
}

func TestThreeNodeFederation(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	es := MustFederatedNode(t, "es", "ES")
	nodes := []*testNode{fr, it, es}

	MustMesh(t, nodes...)

	t.Run("create, update and leave propagate", func(t *testing.T) {
		start := time.Now()
		if s, b, _ := fr.admin.do("POST", "/api/v1/members", echoJSON); s != 201 {
			t.Fatalf("create on fr: %d %v", s, b)
		}
		for _, n := range []*testNode{it, es} {
			waitFor(t, 2*time.Second, "scop-echo on "+n.name, func() (bool, string) {
				c := n.catalogue("q=sous-titrage&competence=92000000")
				return c["scop-echo@"+fr.addr] == fr.actor()+"|Scop Écho", fmt.Sprint(c)
			})
		}
		t.Logf("create reached both peers in %s", time.Since(start))
		if s, b, _ := fr.admin.do("PATCH", "/api/v1/members/scop-echo", `{"name":"Scop Écho Vidéo"}`); s != 200 {
			t.Fatalf("update on fr: %d %v", s, b)
		}
		for _, n := range []*testNode{it, es} {
			waitFor(t, 2*time.Second, "the edit on "+n.name, func() (bool, string) {
				c := n.catalogue("country=FR")
				return c["scop-echo@"+fr.addr] == fr.actor()+"|Scop Écho Vidéo" && len(c) == 1, fmt.Sprint(c)
			})
		}
		if s, b, _ := fr.admin.do("POST", "/api/v1/members/scop-echo/status", `{"status":"alumni"}`); s != 200 {
			t.Fatalf("leave on fr: %d %v", s, b)
		}
		for _, n := range []*testNode{it, es} {
			waitFor(t, 2*time.Second, "the departure on "+n.name, func() (bool, string) {
				c := n.catalogue("country=FR")
				return len(c) == 0, fmt.Sprint(c)
			})
			if s, _, _ := n.admin.do("GET", "/api/v1/members/scop-echo@"+fr.addr, ""); s != 404 {
				t.Errorf("%s still has the departed member: %d", n.name, s)
			}
		}
	})

	t.Run("a stopped node catches up", func(t *testing.T) {
		es.stop()
		if s, b, _ := it.admin.do("POST", "/api/v1/members", `{"name":"Cooperativa Suono","country":"IT","region":"ITH55","competences":["92370000"]}`); s != 201 {
			t.Fatalf("create on it: %d %v", s, b)
		}
		if s, b, _ := it.admin.do("PATCH", "/api/v1/members/cooperativa-suono", `{"summary":{"it":"Registrazione e post-produzione audio"}}`); s != 200 {
			t.Fatalf("update on it: %d %v", s, b)
		}
		waitFor(t, 2*time.Second, "the member on fr", func() (bool, string) {
			c := fr.catalogue("q=registrazione")
			return len(c) == 1, fmt.Sprint(c)
		})
		es.restart("ES")
		es.admin.base = "http://" + es.addr
		waitFor(t, 15*time.Second, "es to catch up", func() (bool, string) {
			c := es.catalogue("q=registrazione&country=IT")
			return len(c) == 1, fmt.Sprint(c)
		})
	})

	t.Run("blocking stops both ways", func(t *testing.T) {
		if s, b, _ := fr.admin.do("POST", "/api/v1/members", `{"name":"Lyon Hébergement","country":"FR","competences":["72415000"]}`); s != 201 {
			t.Fatalf("create on fr: %d %v", s, b)
		}
		waitFor(t, 2*time.Second, "lyon on it", func() (bool, string) {
			c := it.catalogue("country=FR")
			return len(c) == 1, fmt.Sprint(c)
		})
		var frID string
		_, body, _ := it.admin.do("GET", "/api/v1/peers", "")
		for _, p := range body["items"].([]any) {
			if pm := p.(map[string]any); pm["url"] == fr.actor() {
				frID = fmt.Sprint(pm["id"])
			}
		}
		if s, b, _ := it.admin.do("POST", "/api/v1/peers/"+frID+"/block", ""); s != 200 || b["state"] != "blocked" {
			t.Fatalf("it blocks fr: %d %v", s, b)
		}
		if c := it.catalogue("country=FR"); len(c) != 0 {
			t.Errorf("after the block it still lists fr's members: %v", c)
		}
		if s, b, _ := fr.admin.do("POST", "/api/v1/members", `{"name":"Nantes Graphisme","country":"FR","competences":["79822500"]}`); s != 201 {
			t.Fatalf("create on fr: %d %v", s, b)
		}
		waitFor(t, 2*time.Second, "nantes on es", func() (bool, string) {
			c := es.catalogue("q=nantes")
			return len(c) == 1, fmt.Sprint(c)
		})
		waitFor(t, 5*time.Second, "fr's delivery to it refused", func() (bool, string) {
			_, body, _ := fr.admin.do("GET", "/api/v1/peers", "")
			for _, p := range body["items"].([]any) {
				if pm := p.(map[string]any); pm["url"] == it.actor() {
					d := pm["delivery"].(map[string]any)
					return d["dead"].(float64) >= 1 && strings.Contains(fmt.Sprint(d["last_error"]), ""), fmt.Sprint(d)
				}
			}
			return false, "no peer"
		})
		if c := it.catalogue("q=nantes"); len(c) != 0 {
			t.Errorf("a blocked peer's member reached it: %v", c)
		}
		// Lifting the block brings fr's catalogue back, every time: the
		// second backfill of unchanged members is not taken for a
		// redelivery of the first.
		for round := 1; round <= 2; round++ {
			if s, b, _ := it.admin.do("POST", "/api/v1/peers/"+frID+"/unblock", ""); s != 200 {
				t.Fatalf("round %d: it unblocks fr: %d %v", round, s, b)
			}
			waitFor(t, 5*time.Second, fmt.Sprintf("round %d: fr's catalogue back on it", round), func() (bool, string) {
				c := it.catalogue("country=FR")
				return len(c) == 2, fmt.Sprint(c)
			})
			if s, b, _ := it.admin.do("POST", "/api/v1/peers/"+frID+"/block", ""); s != 200 {
				t.Fatalf("round %d: it blocks fr: %d %v", round, s, b)
			}
		}
	})
}

// testLogger logs to the test's output when ETOILES_TEST_LOG is set: at
// that level (debug, info, warn, error), or at debug for any other value.
func testLogger(tb testing.TB, name string) *slog.Logger {
	v := os.Getenv("ETOILES_TEST_LOG")
	if v == "" {
		return nil
	}
	level, err := parseLevel(v)
	if err != nil {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("node", name)
}
