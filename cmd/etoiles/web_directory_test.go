package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// directoryHas reports whether an anonymous visitor of n's /directory,
// with query, sees a co-op named name.
func directoryHas(t *testing.T, n *testNode, query, name string) (bool, string) {
	t.Helper()
	s, body, h := getWith(t, "http://"+n.addr+"/directory?"+query, "Accept-Language", "it")
	if s != http.StatusOK || len(h.Values("Set-Cookie")) > 0 {
		t.Fatalf("GET %s /directory?%s = %d, cookies %v", n.name, query, s, h.Values("Set-Cookie"))
	}
	return strings.Contains(body, ">"+name+"</a></h3>"), body
}

// TestWebDirectory: the public directory lists the co-ops that chose to
// show themselves, on their node and on its peers (three loopback nodes),
// searched by trade and region; hiding, lapsing or leaving takes a co-op
// off every node's directory.
func TestWebDirectory(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	de := MustFederatedNode(t, "de", "DE")
	for _, pair := range [][2]*testNode{{fr, it}, {it, fr}, {fr, de}, {de, fr}} {
		if s, body, _ := pair[0].admin.do("POST", "/api/v1/peers", `{"url":"`+pair[1].actor()+`"}`); s != 201 {
			t.Fatalf("%s adds peer %s: %d %v", pair[0].name, pair[1].name, s, body)
		}
	}
	if s, b, _ := fr.admin.do("POST", "/api/v1/members", echoJSON); s != 201 || b["in_directory"] != true {
		t.Fatalf("create Écho: %d %v (a new member is in the directory unless it says otherwise)", s, b)
	}
	if s, b, _ := fr.admin.do("POST", "/api/v1/members", `{"name":"Coop Discrète","country":"FR","region":"FR101","competences":["92111000"],"in_directory":false}`); s != 201 {
		t.Fatalf("create a hidden co-op: %d %v", s, b)
	}
	for _, n := range []*testNode{fr, it, de} {
		waitFor(t, 15*time.Second, "Écho in "+n.name+"'s directory", func() (bool, string) {
			ok, body := directoryHas(t, n, "trade=video&region=FR1", "Scop Écho")
			return ok, body
		})
		if ok, _ := directoryHas(t, n, "", "Coop Discrète"); ok {
			t.Errorf("%s's directory shows a co-op that chose to stay hidden", n.name)
		}
	}
	if ok, _ := directoryHas(t, it, "trade=training", "Scop Écho"); ok {
		t.Error("the trade filter lets a video co-op through a search for training")
	}
	if ok, _ := directoryHas(t, it, "competence=video&country=FR", "Scop Écho"); !ok {
		t.Error("competence=video should mean the video trade")
	}
	s, body, _ := getWith(t, "http://"+fr.addr+"/directory/scop-echo", "Accept-Language", "it")
	if s != 200 || !strings.Contains(body, `<h1>Scop Écho</h1>`) || strings.Contains(body, "bonjour@echo.example") || !strings.Contains(body, "92111000") {
		t.Errorf("Écho's public page = %d, or it shows the contact address:\n%s", s, body)
	}
	_, body, _ = getWith(t, "http://"+it.addr+"/directory", "Accept-Language", "it")
	if !strings.Contains(body, `/directory/`) || !strings.Contains(body, "127.0.0.1") {
		t.Errorf("it's directory should link Écho's page and say it belongs to fr's group:\n%s", body)
	}
	if s, _, _ := getWith(t, "http://"+fr.addr+"/directory/coop-discrete"); s != http.StatusNotFound {
		t.Errorf("the page of a hidden co-op = %d, want 404", s)
	}

	gone := func(why string) {
		t.Helper()
		for _, n := range []*testNode{fr, it, de} {
			waitFor(t, 15*time.Second, "Écho gone from "+n.name+"'s directory after "+why, func() (bool, string) {
				ok, body := directoryHas(t, n, "", "Scop Écho")
				return !ok, body
			})
		}
	}
	back := func() {
		t.Helper()
		for _, n := range []*testNode{it, de} {
			waitFor(t, 15*time.Second, "Écho back in "+n.name+"'s directory", func() (bool, string) { return directoryHas(t, n, "", "Scop Écho") })
		}
	}
	if s, b, _ := fr.admin.do("PATCH", "/api/v1/members/scop-echo", `{"in_directory":false}`); s != 200 {
		t.Fatalf("hide Écho: %d %v", s, b)
	}
	gone("hiding itself")
	if s, _, _ := getWith(t, "http://"+fr.addr+"/directory/scop-echo"); s != http.StatusNotFound {
		t.Errorf("the page of a co-op that hid itself = %d, want 404", s)
	}
	fr.admin.do("PATCH", "/api/v1/members/scop-echo", `{"in_directory":true}`)
	back()
	if s, b, _ := fr.admin.do("POST", "/api/v1/members/scop-echo/status", `{"status":"lapsed"}`); s != 200 {
		t.Fatalf("Écho lapses: %d %v", s, b)
	}
	gone("lapsing")
}
