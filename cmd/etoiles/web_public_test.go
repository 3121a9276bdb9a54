package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// mustPublicItems posts a news item with an image and an event through
// the API and returns their ids.
func mustPublicItems(t *testing.T, admin client) (newsID, eventID string) {
	t.Helper()
	s, b, _ := admin.do("POST", "/api/v1/news", newsJSON(`{"fr":"Une salle de formation","en":"A training room"}`))
	if s != 201 {
		t.Fatalf("create news: %d %v", s, b)
	}
	newsID = b["id"].(string)
	s, b, _ = admin.do("POST", "/api/v1/events", eventJSON)
	if s != 201 {
		t.Fatalf("create event: %d %v", s, b)
	}
	return newsID, b["id"].(string)
}

func getWith(t *testing.T, url string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestWebPublicPages(t *testing.T) {
	base, dir := mustWebNode(t)
	newsID, eventID := mustPublicItems(t, client{t, base, mustToken(t, dir, "--role", "admin")})

	s, body, h := getWith(t, base+"/news/"+newsID, "Accept-Language", "it")
	for _, want := range []string{`<html lang="it">`, `class="skip" href="#main"`, `<h1 lang="en">SPIP day</h1>`, `<div class="description" lang="en"><p>Hello</p></div>`,
		`alt="A training room" lang="en"`, `<nav class="langs"`, `lang="en">Training</p>`, "Licenza"} {
		if s != 200 || !strings.Contains(body, want) {
			t.Errorf("the Italian reader's news page (%d) lacks %s", s, want)
		}
	}
	if strings.Count(body, "<h1") != 1 || strings.Contains(body, "<script") || !strings.Contains(h.Get("Vary"), "Accept") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("the news page: %d h1, Vary %q, CSP %q", strings.Count(body, "<h1"), h.Get("Vary"), h.Get("Content-Security-Policy"))
	}
	_, body, _ = getWith(t, base+"/news/"+newsID, "Accept-Language", "fr")
	if !strings.Contains(body, "<h1>Journée SPIP</h1>") || !strings.Contains(body, `alt="Une salle de formation" lang="fr"`) || strings.Contains(body, "javascript:") {
		t.Errorf("the French page lacks the French title or alt text, or kept a javascript: link:\n%s", body)
	}
	s, body, h = getWith(t, base+"/news/"+newsID, "Accept", "application/activity+json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); s != 200 || err != nil || doc["type"] != "Article" || !strings.Contains(h.Get("Content-Type"), "json") {
		t.Errorf("ActivityPub negotiation of the news item: %d %s %v", s, h.Get("Content-Type"), doc["type"])
	}

	s, body, _ = getWith(t, base+"/events/"+eventID, "Accept-Language", "de")
	for _, want := range []string{`<html lang="de">`, `<h1 lang="fr">Journée de formation SPIP</h1>`, "10. März 2027, 09:30 Uhr (Europe/Paris)",
		`<div class="description" lang="fr"><p>Toute la journée</p></div>`, "Maison des Scop, 1 rue de la Coopération, 69001 Lyon (Frankreich)", "(fsl)", "30 Plätze",
		`href="/events/` + eventID + `.ics"`} {
		if s != 200 || !strings.Contains(body, want) {
			t.Errorf("the German reader's event page (%d) lacks %s", s, want)
		}
	}
	if s, body, _ := getWith(t, base+"/events/"+eventID, "Accept", "application/activity+json"); s != 200 || !strings.Contains(body, `"Event"`) {
		t.Errorf("ActivityPub negotiation of the event: %d", s)
	}
	if s, _, _ := getWith(t, base+"/news/nope"); s != 404 {
		t.Errorf("an unknown item: %d, want 404", s)
	}

	echo := newBrowserAs(t, base, "fr", echoEmail)
	if _, body, _ := echo.get("/events/" + eventID); !strings.Contains(body, `href="/events" aria-current="page"`) {
		t.Errorf("a logged-in member should get the site's menu on the event page:\n%s", body)
	}
}
