package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestWebNotFound asks for pages that do not exist: the answer is 404 with
// the not-found page in the reader's language, proposing the pages the
// reader probably meant among those the node serves, and every response
// carries a request id.
func TestWebNotFound(t *testing.T) {
	base, _ := mustWebNode(t)
	conf := mustConfederationWeb(t)
	confBase := "http://" + conf.addr

	anon := newBrowser(t, base)
	anon.lang = "fr"
	s, body, h := anon.get("/members")
	if s != http.StatusNotFound {
		t.Fatalf("GET /members = %d, want 404", s)
	}
	for _, want := range []string{"<title>Page introuvable", `<html lang="fr"`, `href="/admin/members"`, "/members"} {
		if !strings.Contains(body, want) {
			t.Errorf("not-found page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Something went wrong") || strings.Contains(body, "Une erreur") {
		t.Errorf("not-found page reads as a generic error:\n%s", body)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(h.Get("X-Request-Id")) {
		t.Errorf("X-Request-Id = %q, want a 16-hex id", h.Get("X-Request-Id"))
	}

	// A national node has no /network pages: it does not propose them.
	admin := newBrowser(t, base)
	admin.login(adminEmail, password)
	if s, body, _ := admin.get("/admissions"); s != http.StatusNotFound || strings.Contains(body, `href="/network/admissions"`) {
		t.Errorf("GET /admissions on a national node = %d, proposing /network/admissions: %v", s, strings.Contains(body, "/network/admissions"))
	}
	confAdmin := newBrowser(t, confBase)
	confAdmin.login(adminEmail, password)
	if s, body, _ := confAdmin.get("/admissions"); s != http.StatusNotFound || !strings.Contains(body, `href="/network/admissions"`) || !strings.Contains(body, "<title>Page not found") {
		t.Errorf("GET /admissions on the confederation = %d, want 404 proposing /network/admissions:\n%s", s, body)
	}
	// A member is not sent to admin pages it cannot open.
	member := newBrowser(t, base)
	member.login(echoEmail, password)
	if s, body, _ := member.get("/members"); s != http.StatusNotFound || strings.Contains(body, `href="/admin/members"`) {
		t.Errorf("GET /members as a member = %d, proposing /admin/members: %v", s, strings.Contains(body, "/admin/members"))
	}
	// The API answers problem+json, not the page.
	if s, _, h := anon.do("GET", "/api/v1/nothing", nil); s != http.StatusNotFound || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
		t.Errorf("GET /api/v1/nothing = %d %s, want 404 problem+json", s, h.Get("Content-Type"))
	}
}
