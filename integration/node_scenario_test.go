package integration

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNodeSurvivesRestart runs one node: an admin creates a member with a
// token minted in the container, finds it in the catalogue, and finds it
// again after a graceful stop and a start, on whatever host port Docker
// gives the container the second time.
func TestNodeSurvivesRestart(t *testing.T) {
	t.Parallel()
	n := mustNetwork(t)
	fr := mustStartNode(t, n, "fr.etoiles.test", "--country", "FR", "--name", "e-toiles France")
	admin := fr.token(t, "admin")
	fr.mustCreateMember(t, admin, "scop-echo", "Scop Écho")
	mustFind(t, fr, admin, "sous-titrage", "scop-echo")

	before := fr.addr(t, nodePort)
	stopped := time.Now()
	if code := fr.stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	t.Logf("graceful stop took %v", time.Since(stopped).Round(time.Millisecond))
	logs := fr.logsUntil(t, has(`msg="etoiles node stopped"`))
	for _, want := range []string{"msg=stopping reason=signal", `msg="etoiles node stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs after SIGTERM lack %q:\n%s", want, logs)
		}
	}

	fr.start(t)
	fr.waitReady(t)
	t.Logf("host port %s before the restart, %s after", before, fr.addr(t, nodePort))
	// The token still works: the signing key is in the volume too.
	mustFind(t, fr, admin, "echo", "scop-echo")
	if st, v := fr.do(t, "GET", "/api/v1/members/scop-echo", admin, ""); st != http.StatusOK || v["name"] != "Scop Écho" {
		t.Errorf("GET member after restart = %d %v, want Scop Écho", st, v)
	}
	if got := strings.Count(fr.logsUntil(t, func(s string) bool { return strings.Count(s, `msg="etoiles node ready"`) >= 2 }), `msg="etoiles node ready"`); got != 2 {
		t.Errorf("logs say ready %d times, want 2 (one per start)", got)
	}
}

// TestNationalNodesShareANetwork starts the fr, it and es nodes on one
// private network, the topology the federation scenarios build on: each
// is ready with its own volume, and each reaches the others by hostname.
func TestNationalNodesShareANetwork(t *testing.T) {
	t.Parallel()
	n := mustNetwork(t)
	nodes := map[string]*node{}
	for _, c := range []string{"fr", "it", "es"} {
		nodes[c] = mustStartNode(t, n, c+".etoiles.test", "--country", strings.ToUpper(c))
	}
	for from, a := range nodes {
		for to, b := range nodes {
			if from != to {
				a.exec(t, "/etoiles", "healthcheck", "--url", "http://"+b.hostname+":8080/healthz")
			}
		}
	}
	// Separate volumes: a member created on fr is not on it.
	nodes["fr"].mustCreateMember(t, nodes["fr"].token(t, "admin"), "scop-echo", "Scop Écho")
	if st, v := nodes["it"].do(t, "GET", "/api/v1/members/scop-echo", nodes["it"].token(t, "admin"), ""); st != http.StatusNotFound {
		t.Errorf("it has fr's member: GET = %d %v, want 404", st, v)
	}
}

// mustFind fails unless a catalogue search for q returns exactly the member id.
func mustFind(tb testing.TB, nd *node, token, q, id string) {
	tb.Helper()
	st, v := nd.do(tb, "GET", "/api/v1/catalogue?q="+q, token, "")
	items, _ := v["items"].([]any)
	if st != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["id"] != id {
		tb.Fatalf("catalogue search %q = %d %v, want %s only", q, st, v, id)
	}
}

// maxImageSize is the largest image the issue allows: 40 MB.
const maxImageSize = 40 * 1000 * 1000

// TestImage checks the facts of both images: small, unprivileged, with a
// data volume, and for the node a HEALTHCHECK that turns healthy, CA roots
// in the binary and a time zone database that works in scratch.
func TestImage(t *testing.T) {
	t.Parallel()
	pool := mustDocker(t)
	ids := map[string]string{nodeImage: mustImage(t, nodeImage), natsImage: mustImage(t, natsImage)}
	for _, l := range images.log {
		t.Log(l)
	}
	for _, tt := range []struct {
		tag, entrypoint string
		healthcheck     bool
	}{
		{nodeImage, "/etoiles", true},
		{natsImage, "/nats-server", false},
	} {
		im, err := pool.Client.InspectImage(ids[tt.tag])
		if err != nil {
			t.Fatalf("inspect %s: %v", tt.tag, err)
		}
		t.Logf("%s: %.1f MB, user %s", tt.tag, float64(im.Size)/1e6, im.Config.User)
		if im.Size > maxImageSize {
			t.Errorf("%s is %d bytes, want at most %d", tt.tag, im.Size, maxImageSize)
		}
		if uid, _, _ := strings.Cut(im.Config.User, ":"); uid == "" || uid == "0" || uid == "root" {
			t.Errorf("%s runs as user %q, want a non-root user", tt.tag, im.Config.User)
		}
		if _, ok := im.Config.Volumes["/data"]; !ok {
			t.Errorf("%s volumes = %v, want /data", tt.tag, im.Config.Volumes)
		}
		if !slices.Equal(im.Config.Entrypoint, []string{tt.entrypoint}) {
			t.Errorf("%s entrypoint = %v, want %s", tt.tag, im.Config.Entrypoint, tt.entrypoint)
		}
		if hc := im.Config.Healthcheck; tt.healthcheck && (hc == nil || !slices.Contains(hc.Test, "healthcheck")) {
			t.Errorf("%s healthcheck = %+v, want etoiles healthcheck", tt.tag, hc)
		}
	}
	if !slices.Contains(images.nodeDeps, "golang.org/x/crypto/x509roots/fallback") {
		t.Errorf("the etoiles binary does not link the fallback CA roots; deps: %v", images.nodeDeps)
	}

	n := mustNetwork(t)
	c := mustStart(t, n, spec{
		image: ids[nodeImage], hostname: "fr.etoiles.test", cmd: []string{"serve", "--country", "FR"},
		env: []string{"TZ=Europe/Paris"}, ports: []string{nodePort}, dataDir: "/data",
	})
	fr := &node{container: c, hostname: "fr.etoiles.test"}
	fr.waitReady(t)
	if u := c.inspect(t).Config.User; u != "65532:65532" {
		t.Errorf("container user = %q, want 65532:65532", u)
	}
	// Without time/tzdata the process would fall back to UTC in scratch.
	if logs := fr.logsUntil(t, has("etoiles node ready")); !regexp.MustCompile(`time=\S+\+0[12]:00 `).MatchString(logs) {
		t.Errorf("with TZ=Europe/Paris the log times are not in Paris time:\n%s", logs)
	}
	started := time.Now()
	waitFor(t, 60*time.Second, func() error {
		h := c.inspect(t).State.Health
		if h.Status != "healthy" {
			return fmt.Errorf("health %q after %d probes: %+v", h.Status, len(h.Log), h.Log)
		}
		return nil
	})
	t.Logf("healthy %v after ready", time.Since(started).Round(time.Second))
}
