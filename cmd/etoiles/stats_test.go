package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// TestOwnStatsInFull: a node's admins see their own figures in full; the
// report the confederation would receive leaves out cells under the
// threshold (3 by default).
func TestOwnStatsInFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m := MustRun(t, dir)
	admin := client{t, "http://" + m.Addr(), mustToken(t, dir, "--role", "admin")}
	if s, b, _ := admin.do("POST", "/api/v1/members", `{"name":"Scop Seule","country":"FR","competences":["72413000"]}`); s != 201 {
		t.Fatalf("create member: %d %v", s, b)
	}
	_, own, _ := admin.do("GET", "/api/v1/stats", "")
	if fmt.Sprint(own["members"]) != "map[member:1]" || own["suppressed"] != nil {
		t.Errorf("own figures: members %v, suppressed %v; want one member, nothing suppressed", own["members"], own["suppressed"])
	}
	_, rep, _ := admin.do("GET", "/api/v1/stats?report=true", "")
	if sup, _ := rep["suppressed"].([]any); fmt.Sprint(rep["members"]) != "map[]" || !slices.Contains(sup, any("members.member")) {
		t.Errorf("the report: members %v, suppressed %v; want the single member suppressed", rep["members"], rep["suppressed"])
	}
}
