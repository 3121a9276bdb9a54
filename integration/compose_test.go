package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// composeCommand returns how to call Compose: Debian's docker-compose, or
// the docker CLI plugin.
func composeCommand() []string {
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}
	}
	if err := exec.Command("docker", "compose", "version").Run(); err == nil {
		return []string{"docker", "compose"}
	}
	return nil
}

// TestComposeNetwork brings up compose.yaml as a newcomer would, on the
// images this run built: the confederation admits fr, it and es at first
// start, they peer on their own, and a member created on fr reaches it.
func TestComposeNetwork(t *testing.T) {
	mustImage(t, nodeImage)
	compose := composeCommand()
	if compose == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Compose tool (docker-compose or docker compose); CI=true requires one")
		}
		t.Skip("no Compose tool (docker-compose or docker compose)")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	project := fmt.Sprintf("etoilesit%d", time.Now().UnixNano()%1_000_000)
	// The national nodes report their statistics to the confederation
	// one second after a change, and show cells of one (one won bid):
	// an override file, as an operator would write one.
	override := filepath.Join(t.TempDir(), "compose.override.yaml")
	env := `{environment: {ETOILES_STATS_THRESHOLD: "1", ETOILES_STATS_DEBOUNCE: "1s"}}`
	if err := os.WriteFile(override, []byte("services:\n  fr: "+env+"\n  it: "+env+"\n  es: "+env+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		all := append(append(append([]string{}, compose[1:]...), "-p", project, "-f", filepath.Join(root, "compose.yaml"), "-f", override), args...)
		cmd := exec.Command(compose[0], all...)
		cmd.Env = append(os.Environ(), "ETOILES_IMAGE="+nodeImage)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := run("logs", "--tail", "30")
			t.Logf("compose logs:\n%s", logs)
		}
		if out, err := run("down", "-v", "--remove-orphans"); err != nil {
			t.Logf("compose down: %v\n%s", err, out)
		}
	})
	up := time.Now()
	if out, err := run("up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	t.Logf("compose up took %v", time.Since(up).Round(time.Millisecond))
	token := func(service, role string, extra ...string) string {
		out, err := run(append([]string{"exec", "-T", service, "/etoiles", "token", "--data", "/data", "--role", role}, extra...)...)
		if err != nil {
			t.Fatalf("token on %s: %v\n%s", service, err, out)
		}
		return strings.TrimSpace(out)
	}
	call := func(method, port, path, tok, body string, v any) int {
		req, _ := http.NewRequest(method, "http://127.0.0.1:"+port+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, v)
		return resp.StatusCode
	}
	get := func(port, path, tok string, v any) int { return call("GET", port, path, tok, "", v) }
	fr, it := token("fr", "admin"), token("it", "admin")
	waitFor(t, 60*time.Second, func() error {
		var peers struct {
			Items []struct{ URL, State string }
		}
		get("8081", "/api/v1/peers", fr, &peers)
		accepted := 0
		for _, p := range peers.Items {
			if p.State == "accepted" {
				accepted++
			}
		}
		if accepted != 3 {
			return fmt.Errorf("fr has %d accepted peers of 3: %+v", accepted, peers.Items)
		}
		return nil
	})
	t.Logf("fr peered with the confederation, it and es %v after compose up", time.Since(up).Round(time.Millisecond))
	if s := call("POST", "8081", "/api/v1/members", fr, `{"id":"scop-compose","name":"Scop Compose","country":"FR","competences":["72413000"]}`, nil); s != 201 {
		t.Fatalf("create a member on fr: %d", s)
	}
	waitFor(t, 10*time.Second, func() error {
		var res struct{ Total int }
		if s := get("8082", "/api/v1/catalogue?q=compose", it, &res); s != 200 || res.Total != 1 {
			return fmt.Errorf("it's catalogue: status %d, %d matches", s, res.Total)
		}
		return nil
	})

	wonBidInNetworkView(t, call, token)

	// Every node listened before it federated, so no peer refused its
	// first Follow for a key it could not fetch; and no statistics report
	// went out before the confederation accepted the node.
	logs, err := run("logs", "--no-color")
	if err != nil {
		t.Fatalf("compose logs: %v", err)
	}
	for _, bad := range []string{"signature not verified", "delivery refused"} {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, bad) {
				t.Errorf("the compose logs say %q:\n%s", bad, line)
			}
		}
	}
}

// wonBidInNetworkView has fr's scop-compose win a bid with a co-op of
// it, through compose's published ports, and waits until the
// confederation's network view shows the cross-border consortium and the
// won bid. call sends a request to a port on 127.0.0.1; token mints a
// token in a service's container.
func wonBidInNetworkView(t *testing.T, call func(method, port, path, tok, body string, v any) int, token func(service, role string, extra ...string) string) {
	t.Helper()
	start := time.Now()
	itAdmin := token("it", "admin")
	if s := call("POST", "8082", "/api/v1/members", itAdmin, `{"id":"coop-compose","name":"Coop Compose","country":"IT","competences":["92111000"]}`, nil); s != 201 {
		t.Fatalf("create a member on it: %d", s)
	}
	lead, partner := token("fr", "member", "--member", "scop-compose"), token("it", "member", "--member", "coop-compose")
	deadline := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	var opp struct{ ID string }
	if s := call("POST", "8081", "/api/v1/opportunities", lead, `{"title":{"fr":"Site et vidéos"},"competences":[{"cpv":"72413000"},{"cpv":"92111000"}],
		"country":"FR","deadline":"`+deadline+`","open_abroad":true}`, &opp); s != 201 {
		t.Fatalf("post the opportunity on fr: %d", s)
	}
	var itID string
	waitFor(t, 10*time.Second, func() error {
		var list struct{ Items []struct{ ID, Status string } }
		if s := call("GET", "8082", "/api/v1/opportunities?scope=cross-border", partner, "", &list); s != 200 || len(list.Items) != 1 {
			return fmt.Errorf("it's cross-border opportunities: %d %+v, want fr's", s, list.Items)
		}
		itID = list.Items[0].ID
		return nil
	})
	if s := call("POST", "8082", "/api/v1/opportunities/"+itID+"/interest", partner, `{"competences":["92111000"]}`, nil); s != 201 {
		t.Fatalf("interest on it: %d", s)
	}
	var iid string
	waitFor(t, 10*time.Second, func() error {
		var o struct{ Interests []struct{ ID, State string } }
		if s := call("GET", "8081", "/api/v1/opportunities/"+opp.ID, lead, "", &o); s != 200 || len(o.Interests) != 1 {
			return fmt.Errorf("the interests on fr: %d %+v, want it's", s, o.Interests)
		}
		iid = o.Interests[0].ID
		return nil
	})
	if s := call("POST", "8081", "/api/v1/opportunities/"+opp.ID+"/interests/"+iid+"/accept", lead, "", nil); s != 200 {
		t.Fatalf("accept on fr: %d", s)
	}
	for _, st := range []string{`{"status":"forming"}`, `{"status":"submitted"}`, `{"status":"won","outcome":{"amount":"42000.00","currency":"EUR"}}`} {
		if s := call("POST", "8081", "/api/v1/opportunities/"+opp.ID+"/status", lead, st, nil); s != 200 {
			t.Fatalf("status %s on fr: %d", st, s)
		}
	}
	won := time.Now()
	conf := token("confederation", "confederation")
	waitFor(t, 30*time.Second, func() error {
		var v struct {
			Nodes         int
			Opportunities map[string]int
			Consortia     struct {
				Total       int
				CrossBorder int `json:"cross_border"`
			}
			BidsWon struct {
				Count int
				Value float64
			} `json:"bids_won"`
		}
		if s := call("GET", "8080", "/api/v1/network/stats", conf, "", &v); s != 200 {
			return fmt.Errorf("the network view: %d", s)
		}
		if v.Nodes != 3 || fmt.Sprint(v.Opportunities) != "map[won:1]" || v.Consortia.Total != 1 || v.Consortia.CrossBorder != 1 ||
			v.BidsWon.Count != 1 || v.BidsWon.Value != 42000 {
			return fmt.Errorf("the network view: %+v; want 3 nodes, one bid won by a cross-border consortium, 42000 EUR", v)
		}
		return nil
	})
	t.Logf("the won bid reached the network view %v after it was won (%v for the whole bid)",
		time.Since(won).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}
