package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTakeOnRadarEntry: a tender imported on fr has no lead; an it co-op
// takes it on from its own node (a local copy under the same source), a
// fr co-op takes on fr's entry itself, and nobody takes it on twice.
func TestTakeOnRadarEntry(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	MustMesh(t, fr, it)
	fixture, err := os.ReadFile(filepath.Join("..", "..", "node", "tender", "testdata", "flags.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s, entry, _ := fr.admin.do("POST", "/api/v1/opportunities/import", strings.ReplaceAll(string(fixture), "2026-09-", "2099-09-"), "application/xml")
	if s != 201 || entry["lead"] != nil {
		t.Fatalf("import: %d %v", s, entry)
	}
	source := entry["source"].(string)
	frMember, frID := fr.memberClient(t, `{"name":"Atelier Web","country":"FR","competences":["72413000"]}`)
	itMember, itID := it.memberClient(t, `{"name":"Cooperativa Web","country":"IT","competences":["72413000"]}`)

	var copyOnIt map[string]any
	waitFor(t, 5*time.Second, "fr's radar entry on it", func() (bool, string) {
		_, body, _ := it.admin.do("GET", "/api/v1/opportunities?scope=cross-border", "")
		items, _ := body["items"].([]any)
		for _, x := range items {
			if o := x.(map[string]any); o["source"] == source {
				copyOnIt = o
			}
		}
		return copyOnIt != nil, fmt.Sprint(body["total"])
	})

	// it's co-op leads its own bid on fr's notice.
	s, own, _ := itMember.do("POST", "/api/v1/opportunities/"+copyOnIt["id"].(string)+"/lead", "")
	if s != 201 || own["id"] == copyOnIt["id"] || own["origin"] != nil || own["source"] != source || own["lead"] != itID || own["status"] != "active" {
		t.Fatalf("it takes on fr's entry: %d %v", s, own)
	}
	if cons, _ := own["consortium"].([]any); len(cons) != 1 || cons[0].(map[string]any)["role"] != "lead-entity" {
		t.Errorf("consortium of the new bid: %v", own["consortium"])
	}
	if s, b, _ := itMember.do("POST", "/api/v1/opportunities/"+copyOnIt["id"].(string)+"/lead", ""); s != 409 {
		t.Errorf("it takes the same notice on twice: %d %v, want 409", s, b)
	}
	// fr's co-op leads fr's entry itself; then it has a lead.
	s, led, _ := frMember.do("POST", "/api/v1/opportunities/"+entry["id"].(string)+"/lead", "")
	if s != 200 || led["id"] != entry["id"] || led["lead"] != frID {
		t.Fatalf("fr takes on its entry: %d %v", s, led)
	}
	if s, b, _ := fr.admin.do("POST", "/api/v1/opportunities/"+entry["id"].(string)+"/lead", `{"member":"`+frID+`"}`); s != 409 {
		t.Errorf("taking on an entry with a lead: %d %v, want 409", s, b)
	}
	if s, b, _ := frMember.do("POST", "/api/v1/opportunities/"+entry["id"].(string)+"/lead", `{"member":"someone-else"}`); s != 403 {
		t.Errorf("a member taking on for another co-op: %d %v, want 403", s, b)
	}
	// A change notice with an earlier deadline leaves the bid as it is.
	if s, b, _ := fr.admin.do("POST", "/api/v1/opportunities/import", string(fixture), "application/xml"); s != 200 || b["status"] != "active" || b["lead"] != frID {
		t.Errorf("re-import of the taken-on notice: %d status %v lead %v, want 200 active %s", s, b["status"], b["lead"], frID)
	}
	// A past notice is history: nobody takes it on.
	other := strings.ReplaceAll(string(fixture), "0000000000ff", "0000000000fe")
	s, past, _ := fr.admin.do("POST", "/api/v1/opportunities/import", other, "application/xml")
	if s != 201 || past["status"] != "complete" || past["source"] == source {
		t.Fatalf("import another, past notice: %d %v", s, past)
	}
	if s, b, _ := frMember.do("POST", "/api/v1/opportunities/"+past["id"].(string)+"/lead", ""); s != 409 {
		t.Errorf("taking on a closed entry: %d %v, want 409", s, b)
	}
}

// TestWebTakeOn: on a radar entry's page a member may lead a bid (and
// may not express interest: nobody would answer); once its co-op leads
// it, nobody else may.
func TestWebTakeOn(t *testing.T) {
	base, dir := mustWebNode(t)
	mustUser(t, dir, autreEmail, "member", "coop-autre", password)
	admin := client{t, base, mustToken(t, dir, "--role", "admin")}
	fixture, err := os.ReadFile(filepath.Join("..", "..", "node", "tender", "testdata", "flags.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s, entry, _ := admin.do("POST", "/api/v1/opportunities/import", strings.ReplaceAll(string(fixture), "2026-09-", "2099-09-"), "application/xml")
	if s != 201 {
		t.Fatalf("import: %d %v", s, entry)
	}
	page := "/opportunities/" + entry["id"].(string)
	echo := newBrowser(t, base)
	echo.lang = "en"
	echo.login(echoEmail, password)
	s, body, _ := echo.get(page)
	if s != 200 || !strings.Contains(body, `action="`+page+`/lead"`) || strings.Contains(body, `action="`+page+`/interest"`) {
		t.Fatalf("the radar entry's page: %d, want the lead form and no interest form\n%s", s, body)
	}
	if s, _, _ := echo.do("POST", page+"/lead", nil); s != 403 {
		t.Errorf("taking on without a CSRF token: %d, want 403", s)
	}
	s, _, h := echo.post(page + "/lead")
	if s != 303 || h.Get("Location") != page+"?done=taken" {
		t.Fatalf("take on: %d %s", s, h.Get("Location"))
	}
	if _, o, _ := admin.do("GET", "/api/v1/opportunities/"+entry["id"].(string), ""); o["lead"] != "scop-echo" {
		t.Errorf("lead after taking on: %v", o["lead"])
	}
	s, body, _ = echo.get(page + "?done=taken")
	if s != 200 || strings.Contains(body, `action="`+page+`/lead"`) || !strings.Contains(body, "Your co-op leads the bid") {
		t.Errorf("the page once taken on: %d\n%s", s, body)
	}
	autre := newBrowser(t, base)
	autre.login(autreEmail, password)
	autre.get(page)
	if s, _, _ := autre.post(page + "/lead"); s != 409 {
		t.Errorf("another co-op takes it on: %d, want 409", s)
	}
}
