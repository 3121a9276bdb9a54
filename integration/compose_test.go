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
	run := func(args ...string) (string, error) {
		all := append(append(append([]string{}, compose[1:]...), "-p", project, "-f", filepath.Join(root, "compose.yaml")), args...)
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
	if out, err := run("up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	token := func(service, role string) string {
		out, err := run("exec", "-T", service, "/etoiles", "token", "--data", "/data", "--role", role)
		if err != nil {
			t.Fatalf("token on %s: %v\n%s", service, err, out)
		}
		return strings.TrimSpace(out)
	}
	get := func(port, path, tok string, v any) int {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, v)
		return resp.StatusCode
	}
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
	body := `{"name":"Scop Compose","country":"FR","competences":["72413000"]}`
	req, _ := http.NewRequest("POST", "http://127.0.0.1:8081/api/v1/members", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fr)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create a member on fr: %v %v", resp, err)
	}
	resp.Body.Close()
	waitFor(t, 10*time.Second, func() error {
		var res struct{ Total int }
		if s := get("8082", "/api/v1/catalogue?q=compose", it, &res); s != 200 || res.Total != 1 {
			return fmt.Errorf("it's catalogue: status %d, %d matches", s, res.Total)
		}
		return nil
	})
}
