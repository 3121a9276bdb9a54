package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestWebPublicSite: an anonymous visitor gets the group's home page, the
// public news and events lists with their feeds, and no cookie; a
// logged-in person still lands on their page; an admin edits the home
// texts per language.
func TestWebPublicSite(t *testing.T) {
	base, dir := mustWebNode(t)
	newsID, eventID := mustPublicItems(t, client{t, base, mustToken(t, dir, "--role", "admin")})

	anon := newBrowser(t, base)
	anon.lang = "it"
	for _, path := range []string{"/", "/news", "/events", "/news/" + newsID, "/events/" + eventID} {
		s, body, h := anon.get(path)
		if s != http.StatusOK || strings.Count(body, "<h1") != 1 || !strings.Contains(body, `<html lang="it">`) || !strings.Contains(body, `<main id="main"`) {
			t.Errorf("GET %s anonymously = %d, %d h1, want 200 with one h1 in Italian", path, s, strings.Count(body, "<h1"))
		}
		if c := h.Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("GET %s sets cookies on an anonymous visitor: %v", path, c)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s lacks the security headers: %v", path, h)
		}
	}
	_, body, _ := anon.get("/")
	for _, want := range []string{`<link rel="alternate" type="application/atom&#43;xml" href="/feeds/news.atom"`, `<link rel="alternate" type="text/calendar" href="/feeds/events.ics"`,
		`href="/news/` + newsID + `"`, `href="/events/` + eventID + `"`, "Chi siamo", "è un gruppo nazionale di cooperative", `href="/login"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the Italian home page lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "/news/write") || strings.Contains(body, `name="csrf"`) {
		t.Error("the public home page shows a writing link or a form")
	}
	if _, body, _ := anon.get("/news"); !strings.Contains(body, `href="/news/`+newsID+`"`) || strings.Contains(body, "/news/write") ||
		!strings.Contains(body, `rel="alternate" type="application/atom&#43;xml"`) {
		t.Errorf("the public news list lacks the item or its feed, or offers writing:\n%s", body)
	}
	if _, body, _ := anon.get("/events"); !strings.Contains(body, `href="/events/`+eventID+`"`) || strings.Contains(body, "/events/write") {
		t.Errorf("the public events list lacks the event or offers writing:\n%s", body)
	}
	if s, _, _ := anon.get("/news/write"); s != http.StatusSeeOther {
		t.Errorf("GET /news/write anonymously = %d, want 303 to the login", s)
	}

	echo := newBrowserAs(t, base, "fr", echoEmail)
	if s, _, h := echo.get("/"); s != http.StatusSeeOther || h.Get("Location") != "/foryou" {
		t.Errorf("a member at / = %d %s, want 303 to /foryou", s, h.Get("Location"))
	}
	if s, _, _ := echo.get("/admin/site"); s != http.StatusForbidden {
		t.Errorf("a member at /admin/site = %d, want 403", s)
	}

	admin := newBrowserAs(t, base, "en", adminEmail)
	if s, body, _ := admin.get("/admin/site?lang=it"); s != 200 || !strings.Contains(body, `<option value="it" selected>`) {
		t.Fatalf("GET /admin/site?lang=it = %d:\n%s", s, body)
	}
	long := strings.Repeat("x", 4001)
	s, body, _ := admin.post("/admin/site?lang=it", "intro", "Siamo <script>alert(1)</script> cooperative.\n\nSecondo paragrafo.", "trades", long)
	if s != http.StatusBadRequest || !strings.Contains(body, `aria-invalid="true" aria-describedby="trades-error"`) || !strings.Contains(body, "4000") {
		t.Errorf("an oversized text = %d, want 400 with the field's error:\n%s", s, body)
	}
	if _, body, _ := anon.get("/"); !strings.Contains(body, "è un gruppo nazionale") {
		t.Error("a refused form changed the home page")
	}
	if s, _, h := admin.post("/admin/site?lang=it", "intro", "Siamo <script>alert(1)</script> cooperative.\n\nSecondo paragrafo.", "trades", "Video e sottotitoli."); s != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "done=saved") {
		t.Fatalf("saving the Italian texts = %d %s", s, h.Get("Location"))
	}
	_, body, _ = anon.get("/")
	for _, want := range []string{`<p lang="it">Siamo &lt;script&gt;alert(1)&lt;/script&gt; cooperative.</p>`, `<p lang="it">Secondo paragrafo.</p>`, `<p lang="it">Video e sottotitoli.</p>`, "Raccontateci"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Italian home page after editing lacks %s:\n%s", want, body)
		}
	}
	de := newBrowser(t, base)
	de.lang = "de"
	if _, body, _ := de.get("/"); !strings.Contains(body, `<p lang="it">Video e sottotitoli.</p>`) || !strings.Contains(body, `<p lang="de">Erzählen Sie uns`) {
		t.Errorf("a German visitor should get the Italian text where it is the only one, and the German default where none was written:\n%s", body)
	}
	admin.get("/admin/site?lang=it")
	admin.post("/admin/site?lang=it", "intro", "", "trades", "")
	if _, body, _ := anon.get("/"); strings.Contains(body, "Siamo") || !strings.Contains(body, "è un gruppo nazionale") {
		t.Error("emptying the Italian texts should bring the defaults back")
	}
}
