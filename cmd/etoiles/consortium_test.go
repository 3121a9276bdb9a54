package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// suggestionMembers returns, for each suggestion, its members as
// "name/country" sorted, and the included ones.
func suggestionMembers(tb testing.TB, body map[string]any) (all [][]string, included []string) {
	tb.Helper()
	items, ok := body["suggestions"].([]any)
	if !ok {
		tb.Fatalf("no suggestions in %v", body)
	}
	for _, s := range items {
		var ms []string
		for _, m := range s.(map[string]any)["members"].([]any) {
			mm := m.(map[string]any)
			ms = append(ms, fmt.Sprintf("%v/%v", mm["name"], mm["country"]))
			if mm["included"] == true && len(all) == 0 {
				included = append(included, fmt.Sprint(mm["name"]))
			}
		}
		sort.Strings(ms)
		all = append(all, ms)
	}
	return all, included
}

// TestConsortiumSuggestions: fr, it and es federate their catalogues; an
// opportunity posted on fr gets consortia drawn from the three countries.
func TestConsortiumSuggestions(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	es := MustFederatedNode(t, "es", "ES")
	nodes := []*testNode{fr, it, es}
	MustMesh(t, nodes...)
	members := []struct {
		on   *testNode
		body string
	}{
		{fr, `{"name":"Scop Lead","country":"FR","region":"FR101","languages":["fr"],"competences":["79341000"]}`},
		{fr, `{"name":"Scop Web","country":"FR","region":"FR101","languages":["fr"],"competences":["72413000"]}`},
		{fr, `{"name":"Scop Video","country":"FR","region":"FR105","languages":["fr"],"competences":["92111000"]}`},
		{fr, `{"name":"Scop Ancienne","country":"FR","region":"FR101","languages":["fr"],"competences":["72415000"],"status":"prospect"}`},
		{it, `{"name":"Coop Hosting","country":"IT","region":"ITC4C","languages":["it","fr"],"competences":["72415000"]}`},
		{es, `{"name":"Coop Video","country":"ES","region":"ES300","languages":["es"],"competences":["92111000"]}`},
	}
	for _, m := range members {
		if s, b, _ := m.on.admin.do("POST", "/api/v1/members", m.body); s != 201 {
			t.Fatalf("create member on %s: %d %v", m.on.name, s, b)
		}
	}
	waitFor(t, 5*time.Second, "it's and es's members on fr", func() (bool, string) {
		c := fr.catalogue("")
		return len(c) == 5, fmt.Sprint(c)
	})

	deadline := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	s, opp, _ := fr.admin.do("POST", "/api/v1/opportunities", `{"member":"scop-lead",
		"title":{"fr":"Site accessible et vidéos"},"languages":["fr"],"country":"FR","region":"FR101",
		"deadline":"`+deadline+`","open_abroad":true,
		"competences":[{"cpv":"72413000"},{"cpv":"72415000"},{"cpv":"92111000"}]}`)
	if s != http.StatusCreated {
		t.Fatalf("post opportunity: %d %v", s, opp)
	}
	id := fmt.Sprint(opp["id"])
	member := client{t, fr.admin.base, mustToken(t, fr.dir, "--role", "member", "--member", "scop-web")}

	t.Run("nearest consortium first", func(t *testing.T) {
		s, body, _ := member.do("GET", "/api/v1/opportunities/"+id+"/suggestions?k=3", "")
		if s != 200 {
			t.Fatalf("suggestions: %d %v", s, body)
		}
		if body["opportunity"] != id || body["method"] != "exact" {
			t.Errorf("opportunity %v method %v, want %s exact", body["opportunity"], body["method"], id)
		}
		all, included := suggestionMembers(t, body)
		want := [][]string{
			// Everything in French near FR101: the lead, web, the
			// French-speaking Italian host, the video co-op in FR105.
			// Scop Ancienne, a prospect, would host nearer but only
			// active members are candidates.
			{"Coop Hosting/IT", "Scop Lead/FR", "Scop Video/FR", "Scop Web/FR"},
			// Then the Spanish video co-op, which does not work in French.
			{"Coop Hosting/IT", "Coop Video/ES", "Scop Lead/FR", "Scop Web/FR"},
		}
		if fmt.Sprint(all) != fmt.Sprint(want) {
			t.Errorf("suggestions = %v, want %v", all, want)
		}
		if fmt.Sprint(included) != "[Scop Lead]" {
			t.Errorf("included = %v, want [Scop Lead]", included)
		}
		sugg := body["suggestions"].([]any)
		second := sugg[1].(map[string]any)
		if second["decided_by"] != "language" || !strings.Contains(fmt.Sprint(second["summary"]), "Coop Video (ES) 92111000") {
			t.Errorf("second: decided by %v, summary %v", second["decided_by"], second["summary"])
		}
		for _, m := range sugg[0].(map[string]any)["members"].([]any) {
			mm := m.(map[string]any)
			if mm["name"] == "Coop Hosting" {
				cov := mm["covers"].([]any)[0].(map[string]any)
				if mm["node"] != it.actor() || cov["required"] != "72415000" || cov["match"] != "exact" || mm["language"] != "fr" || mm["proximity"] != "abroad" {
					t.Errorf("Coop Hosting explained as %v", mm)
				}
			}
		}
	})

	t.Run("cross-border brings the three countries", func(t *testing.T) {
		s, body, _ := fr.admin.do("GET", "/api/v1/opportunities/"+id+"/suggestions?k=1&cross_border=true", "")
		if s != 200 {
			t.Fatalf("suggestions: %d %v", s, body)
		}
		all, _ := suggestionMembers(t, body)
		want := [][]string{{"Coop Hosting/IT", "Coop Video/ES", "Scop Lead/FR", "Scop Web/FR"}}
		if fmt.Sprint(all) != fmt.Sprint(want) {
			t.Errorf("suggestions = %v, want %v", all, want)
		}
		score := body["suggestions"].([]any)[0].(map[string]any)["score"].(map[string]any)
		if score["countries"] != 3.0 || score["covered"] != 3.0 {
			t.Errorf("score = %v, want 3 countries, 3 needs covered", score)
		}
		if fmt.Sprint(body["criteria"]) != "[coverage members countries language proximity]" {
			t.Errorf("criteria = %v", body["criteria"])
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, tt := range []struct {
			c      client
			path   string
			status int
			field  string
		}{
			{fr.admin, "/api/v1/opportunities/" + id + "/suggestions?k=0", 400, "k"},
			{fr.admin, "/api/v1/opportunities/" + id + "/suggestions?k=21", 400, "k"},
			{fr.admin, "/api/v1/opportunities/" + id + "/suggestions?k=two", 400, "k"},
			{fr.admin, "/api/v1/opportunities/" + id + "/suggestions?cross_border=maybe", 400, "cross_border"},
			{fr.admin, "/api/v1/opportunities/nope/suggestions", 404, ""},
			{client{t, fr.admin.base, ""}, "/api/v1/opportunities/" + id + "/suggestions", 401, ""},
		} {
			s, body, _ := tt.c.do("GET", tt.path, "")
			if s != tt.status {
				t.Errorf("GET %s = %d %v, want %d", tt.path, s, body, tt.status)
				continue
			}
			if tt.field != "" && !strings.Contains(fmt.Sprint(body["errors"]), tt.field) {
				t.Errorf("GET %s: problem %v does not name %s", tt.path, body, tt.field)
			}
		}
	})
}
