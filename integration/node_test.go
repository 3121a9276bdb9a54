package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Ports of the images.
const (
	nodePort       = "8080/tcp"
	natsClientPort = "4222/tcp"
	natsHTTPPort   = "8222/tcp"
)

// readyTimeout bounds a container's start until it answers ready.
const readyTimeout = 30 * time.Second

// node is an etoiles node container.
type node struct {
	*container
	hostname string
}

// mustStartNode starts an etoiles node named hostname (fr.etoiles.test)
// on n, with its data in a volume, its public URL on the network, and the
// extra serve flags; it waits until /readyz says ready.
func mustStartNode(tb testing.TB, n *network, hostname string, flags ...string) *node {
	tb.Helper()
	cmd := append([]string{"serve", "--public-url", "http://" + hostname + ":8080"}, flags...)
	c := mustStart(tb, n, spec{image: mustImage(tb, nodeImage), hostname: hostname, cmd: cmd, ports: []string{nodePort}, dataDir: "/data"})
	nd := &node{container: c, hostname: hostname}
	nd.waitReady(tb)
	return nd
}

// natsServer is an etoiles-nats container.
type natsServer struct{ *container }

// natsHostname is the external NATS server's name on a test network.
const natsHostname = "nats.etoiles.test"

// mustStartNATS starts the external NATS server on n as nats.etoiles.test,
// with JetStream kept in a volume, and waits until it is healthy.
func mustStartNATS(tb testing.TB, n *network) *natsServer {
	tb.Helper()
	return mustStartNATSAs(tb, n, natsHostname)
}

// mustStartNATSAs is mustStartNATS under another hostname, for a network
// with several NATS servers.
func mustStartNATSAs(tb testing.TB, n *network, hostname string) *natsServer {
	tb.Helper()
	c := mustStart(tb, n, spec{image: mustImage(tb, natsImage), hostname: hostname, ports: []string{natsClientPort, natsHTTPPort}, dataDir: "/data"})
	s := &natsServer{c}
	s.waitReady(tb)
	return s
}

// waitReady waits until the server's monitoring endpoint says JetStream
// is up. Call it again after start: the host ports may have changed.
func (s *natsServer) waitReady(tb testing.TB) {
	tb.Helper()
	url := "http://" + s.addr(tb, natsHTTPPort) + "/healthz?js-enabled-only=true"
	waitFor(tb, readyTimeout, func() error {
		st, body, err := get(url, "")
		if err == nil && st != http.StatusOK {
			err = fmt.Errorf("%s = %d %s", url, st, body)
		}
		return err
	})
}

// event is a message of the EVENTS stream, as the tests read it.
type event struct {
	MsgID       string
	Subject     string
	AggregateID string `json:"aggregate_id"`
}

// events reads every message of the EVENTS stream from the host side,
// over a connection of its own.
func (s *natsServer) events(tb testing.TB) ([]event, error) {
	tb.Helper()
	nc, err := nats.Connect("nats://"+s.addr(tb, natsClientPort), nats.NoReconnect(), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, "EVENTS")
	if err != nil {
		return nil, fmt.Errorf("stream EVENTS: %w", err)
	}
	n := stream.CachedInfo().State.Msgs
	if n == 0 {
		return nil, nil
	}
	cons, err := js.OrderedConsumer(ctx, "EVENTS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	batch, err := cons.Fetch(int(n), jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		return nil, err
	}
	var evs []event
	for msg := range batch.Messages() {
		var ev event
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return nil, fmt.Errorf("event %s: %w", msg.Subject(), err)
		}
		ev.MsgID = msg.Headers().Get(jetstream.MsgIDHeader)
		evs = append(evs, ev)
	}
	if err := batch.Error(); err != nil {
		return evs, err
	}
	if uint64(len(evs)) != n {
		return evs, fmt.Errorf("read %d of the %d events", len(evs), n)
	}
	return evs, nil
}

// url returns the node's base URL on the host.
func (nd *node) url(tb testing.TB) string {
	tb.Helper()
	return "http://" + nd.addr(tb, nodePort)
}

// readyz returns the status and the body of /readyz.
func (nd *node) readyz(tb testing.TB) (int, readiness, error) {
	tb.Helper()
	st, body, err := get(nd.url(tb)+"/readyz", "")
	var r readiness
	if err == nil {
		err = json.Unmarshal([]byte(body), &r)
	}
	return st, r, err
}

// readiness is the body of /readyz.
type readiness struct {
	Status string
	Checks map[string]string
}

// waitReady waits until /readyz answers 200 with every check ok. Call it
// again after start: the host port may have changed.
func (nd *node) waitReady(tb testing.TB) {
	tb.Helper()
	waitFor(tb, readyTimeout, func() error {
		st, r, err := nd.readyz(tb)
		if err != nil {
			return err
		}
		if st != http.StatusOK || r.Status != "ready" || r.Checks["database"] != "ok" || r.Checks["nats"] != "ok" {
			return fmt.Errorf("/readyz = %d %+v", st, r)
		}
		return nil
	})
}

// token mints a token inside the container, as an admin would with
// docker exec: etoiles token --data /data --role ROLE.
func (nd *node) token(tb testing.TB, role string) string {
	tb.Helper()
	tok := strings.TrimSpace(nd.exec(tb, "/etoiles", "token", "--data", "/data", "--role", role))
	if strings.Count(tok, ".") != 2 {
		tb.Fatalf("etoiles token printed %q, want a JWT", tok)
	}
	return tok
}

// do sends a JSON request with a bearer token and decodes the answer.
func (nd *node) do(tb testing.TB, method, path, token, body string) (int, map[string]any) {
	tb.Helper()
	req, err := http.NewRequest(method, nd.url(tb)+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	v := map[string]any{}
	if err := json.Unmarshal(b, &v); err != nil {
		v["_raw"] = string(b)
	}
	return resp.StatusCode, v
}

// mustCreateMember creates a member co-op and fails unless the node
// answers 201 with that id.
func (nd *node) mustCreateMember(tb testing.TB, token, id, name string) {
	tb.Helper()
	body := fmt.Sprintf(`{"id":%q,"name":%q,"country":"FR","region":"FR101","summary":{"fr":"Vidéo et sous-titrage"},"languages":["fr","en"],"competences":["92111000"]}`, id, name)
	st, v := nd.do(tb, "POST", "/api/v1/members", token, body)
	if st != http.StatusCreated || v["id"] != id {
		tb.Fatalf("POST /api/v1/members %s = %d %v, want 201", id, st, v)
	}
}

// metric returns the value of an unlabelled metric from /metrics.
func (nd *node) metric(tb testing.TB, name string) (float64, error) {
	tb.Helper()
	st, body, err := get(nd.url(tb)+"/metrics", "")
	if err != nil {
		return 0, err
	}
	if st != http.StatusOK {
		return 0, fmt.Errorf("/metrics = %d", st)
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("/metrics has no %s", name)
}

// httpClient never waits long: a test polls again instead.
var httpClient = &http.Client{Timeout: 10 * time.Second}

// get fetches url and returns the status and the body.
func get(url, token string) (int, string, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
