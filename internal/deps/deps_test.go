package deps_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/e-toiles/etoiles"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", mod+"/...")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found %d packages; the test is not looking at the module", len(pkgs))
	}
	return pkgs
}

func isStd(path string) bool { return !strings.Contains(strings.Split(path, "/")[0], ".") }

func inModule(path string) bool { return path == mod || strings.HasPrefix(path, mod+"/") }

// rel returns the path inside the module: "node/api".
func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, mod), "/") }

// transports are packages the domain core and federation may not reach.
var transports = []string{"net/http", "github.com/nats-io/", "modernc.org/sqlite", "database/sql"}

var adapters = map[string]bool{"node/store": true, "node/bus": true, "node/auth": true, "node/api": true, "node/web": true}

func isFeature(r string) bool {
	parts := strings.Split(r, "/")
	return len(parts) == 2 && parts[0] == "node" && !adapters[r]
}

func isFederationLeaf(r string) bool {
	return strings.HasPrefix(r, "federation/") && strings.Count(r, "/") == 1
}

// check returns the rule an import of dep by p breaks, or "".
func check(p pkg, dep string, direct bool) string {
	r, d := rel(p.ImportPath), rel(dep)
	switch {
	case inModule(dep) && strings.HasPrefix(d, "cmd"):
		return "nothing imports cmd"
	case r == "node" && !isStd(dep):
		return "node imports only the standard library"
	case (r == "node" || isFeature(r)) && hasPrefix(dep, transports):
		return "the domain core imports no transport"
	case isFeature(r) && inModule(dep) && d != "node":
		return "feature packages import only node"
	case strings.HasPrefix(r, "node") && inModule(dep) && strings.HasPrefix(d, "federation"):
		return "node does not import federation"
	case isFederationLeaf(r) && direct && !isStd(dep) && !strings.HasPrefix(dep, "github.com/go-ap/") && d != "spec":
		return "federation leaves import only the standard library and go-ap"
	case strings.HasPrefix(r, "federation") && (hasPrefix(dep, []string{"github.com/nats-io/", "modernc.org/sqlite"}) || d == "node/store/sqlite" || d == "node/bus"):
		return "federation gets interfaces, never the SQLite store or NATS"
	}
	return ""
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == strings.TrimSuffix(p, "/") || strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func TestImportDirections(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.HasPrefix(rel(p.ImportPath), "internal/") {
			continue
		}
		direct := map[string]bool{}
		for _, i := range p.Imports {
			direct[i] = true
		}
		for _, dep := range p.Deps {
			if rule := check(p, dep, direct[dep]); rule != "" {
				t.Errorf("%s imports %s: %s", rel(p.ImportPath), dep, rule)
			}
		}
	}
}

// TestRulesCanFail shows the checker catches each kind of breach.
func TestRulesCanFail(t *testing.T) {
	for _, c := range []struct{ pkg, dep string }{
		{mod + "/node", "github.com/google/go-cmp/cmp"},
		{mod + "/node/membership", "net/http"},
		{mod + "/node/membership", mod + "/node/store/sqlite"},
		{mod + "/node/api", mod + "/cmd/etoiles"},
		{mod + "/federation/httpsig", "github.com/nats-io/nats.go"},
		{mod + "/federation", mod + "/node/store/sqlite"},
		{mod + "/federation", "github.com/nats-io/nats.go"},
	} {
		if check(pkg{ImportPath: c.pkg}, c.dep, true) == "" {
			t.Errorf("check(%s imports %s) passed, want a broken rule", c.pkg, c.dep)
		}
	}
	for _, c := range []struct{ pkg, dep string }{
		{mod + "/node/membership", mod + "/node"},
		{mod + "/node/api", "net/http"},
		{mod + "/federation/vocab", "github.com/go-ap/activitypub"},
		{mod + "/cmd/etoiles", mod + "/node/store/sqlite"},
	} {
		if rule := check(pkg{ImportPath: c.pkg}, c.dep, true); rule != "" {
			t.Errorf("check(%s imports %s) = %q, want allowed", c.pkg, c.dep, rule)
		}
	}
}
