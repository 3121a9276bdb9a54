package main

import (
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMemberCannotForgeThroughWebsite replays the reproductions of issue
// #22: a member edits only its own website, through the API and through
// the web form, to add a property to its catalogue entry, to overwrite
// another co-op's entry, to forge an opportunity on the peers, and to
// stop its objects federating with a ">". Each save is refused with a
// field error; a valid website still reaches the peer, and the peer holds
// nothing the member injected.
func TestMemberCannotForgeThroughWebsite(t *testing.T) {
	fr, it := MustFederatedNode(t, "fr", "FR"), MustFederatedNode(t, "it", "IT")
	MustMesh(t, fr, it)
	mallory := fr.mustMember("scop-mallory", "FR", "72413000")
	fr.mustMember("scop-victime", "FR", "72413000")
	waitFor(t, 5*time.Second, "both co-ops on it", func() (bool, string) {
		c := it.catalogue("country=FR")
		return len(c) == 2, fmt.Sprint(c)
	})
	base := "http://" + fr.addr
	injections := map[string]string{
		"property injection": `https://ok.example/","legalForm":"INJECTED`,
		"id override":        `https://ok.example/","id":"` + base + `/members/scop-victime","name":"Victime PWNED`,
		"forged opportunity": `https://ok.example/","type":["Article","Opportunity"],"id":"` + base + `/opportunities/forged","name":"Forged","cpvCodes":["72413000"],"country":"FR","opportunityStatus":"active","attributedTo":"` + base + `/members/scop-victime`,
		"greater-than":       `https://ok.example/a>b`,
		"javascript":         `javascript:alert(4)`,
		"backslash":          `https://ok.example\@evil.example/`,
	}
	for name, website := range injections {
		body, _ := json.Marshal(map[string]string{"website": website})
		s, b, _ := mallory.do("PATCH", "/api/v1/members/scop-mallory", string(body))
		if s != 400 || !strings.Contains(fmt.Sprint(b), "website") {
			t.Errorf("%s: PATCH website %q = %d %v, want 400 naming the website field", name, website, s, b)
		}
	}
	mustUser(t, fr.dir, "mallory@mallory.example", "member", "scop-mallory", "correct horse battery")
	web := newBrowser(t, base)
	web.login("mallory@mallory.example", "correct horse battery")
	web.get("/coops/scop-mallory/edit")
	for name, website := range injections {
		s, body, _ := web.post("/coops/scop-mallory/edit", "name", "Coop scop-mallory", "website", website, "action", "save")
		if s != 400 || !strings.Contains(body, `aria-describedby="website-error"`) {
			t.Errorf("%s: web form website %q = %d, want 400 with the website field in error", name, website, s)
		}
	}
	// The positive control: a valid website goes through to the peer.
	if s, b, _ := mallory.do("PATCH", "/api/v1/members/scop-mallory", `{"website":"https://mallory.example/coop?a=1&b=2"}`); s != 200 {
		t.Fatalf("valid website: %d %v", s, b)
	}
	id := "scop-mallory@" + fr.addr
	waitFor(t, 5*time.Second, "the new website on it", func() (bool, string) {
		_, b, _ := it.admin.do("GET", "/api/v1/members/"+id, "")
		return b["website"] == "https://mallory.example/coop?a=1&b=2", fmt.Sprint(b)
	})
	// Text fields carry anything a person may type, and the peer stores
	// exactly what the origin has.
	hostile := map[string]any{"name": `Coop "M" \ </p><script>&amp;`, "legal_form": `SCOP","id":"x`,
		"summary": map[string]string{"fr": "ligne\tun \\\" <b>é</b> 😀 \u2028 & fin", "en": `a\"b`}, "tags": []string{`<x>&"y"`}}
	body, _ := json.Marshal(hostile)
	s, origin, _ := mallory.do("PATCH", "/api/v1/members/scop-mallory", string(body))
	if s != 200 {
		t.Fatalf("hostile text: %d %v", s, origin)
	}
	waitFor(t, 5*time.Second, "the hostile text on it", func() (bool, string) {
		_, b, _ := it.admin.do("GET", "/api/v1/members/"+id, "")
		for _, k := range []string{"name", "legal_form", "summary", "tags", "website"} {
			if fmt.Sprint(b[k]) != fmt.Sprint(origin[k]) {
				return false, fmt.Sprintf("%s: %v on it, %v on fr", k, b[k], origin[k])
			}
		}
		return true, ""
	})
	_, b, _ := it.admin.do("GET", "/api/v1/members/"+id, "")
	if lf, _ := b["legal_form"].(string); lf == "INJECTED" {
		t.Errorf("it stores the injected legal form: %v", b)
	}
	_, v, _ := it.admin.do("GET", "/api/v1/members/scop-victime@"+fr.addr, "")
	if v["name"] != "Coop scop-victime" {
		t.Errorf("it's copy of the other co-op was overwritten: %v", v)
	}
	if c := it.catalogue("country=FR"); len(c) != 2 {
		t.Errorf("it's catalogue of fr: %v, want the two co-ops", c)
	}
	_, ops, _ := it.admin.do("GET", "/api/v1/opportunities", "")
	if strings.Contains(fmt.Sprint(ops), "Forged") {
		t.Errorf("it lists a forged opportunity: %v", ops)
	}
}

// TestKeyRefetchCooldown: signatures that do not verify make the node
// fetch the named actor's key at most once per interval, for a peer
// (whose cached key failed) and for an actor it does not know.
func TestKeyRefetchCooldown(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR")
	peer := newFakePeer(t)
	if s, b, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, b)
	}
	inbox := "http://" + n.addr + "/inbox"
	// A good activity caches the peer's key.
	if s, b := post(t, inbox, organization(peer.srv.URL+"/m/ok", peer.actor(), "Cooperativa OK"), peer.key, peer.keyID(), time.Now(), nil); s != 202 {
		t.Fatalf("good activity: %d %s", s, b)
	}
	forger, _ := rsa.GenerateKey(rand.Reader, 2048)
	before := peer.fetched.Load()
	for i := 0; i < 100; i++ {
		if s, _ := post(t, inbox, organization(fmt.Sprintf("%s/m/%d", peer.srv.URL, i), peer.actor(), "Forged"), forger, peer.keyID(), time.Now(), nil); s != 401 {
			t.Fatalf("forged post %d: %d, want 401", i, s)
		}
	}
	if got := peer.fetched.Load() - before; got > 1 {
		t.Errorf("100 bad signatures naming a peer made %d key fetches, want at most 1", got)
	}
	stranger := newFakePeer(t) // not a peer of the node
	for i := 0; i < 100; i++ {
		if s, _ := post(t, inbox, organization(fmt.Sprintf("%s/m/%d", stranger.srv.URL, i), stranger.actor(), "Forged"), forger, stranger.keyID(), time.Now(), nil); s != 401 {
			t.Fatalf("forged post %d as a stranger: %d, want 401", i, s)
		}
	}
	if got := stranger.fetched.Load(); got > 1 {
		t.Errorf("100 bad signatures naming an unknown actor made %d key fetches, want at most 1", got)
	}
}

// syncBuffer is a log sink safe for the node's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRemoteInvalidURLs: a peer's URLs that are not valid URLs are
// dropped (the object is kept) or, where the URL is essential, the object
// is refused; either way an INFO line says why.
func TestRemoteInvalidURLs(t *testing.T) {
	logs := &syncBuffer{}
	n := newTestNode(t, "fr", nil)
	n.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	n.run("FR")
	peer := newFakePeer(t)
	if s, b, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, b)
	}
	inbox := "http://" + n.addr + "/inbox"
	send := func(obj map[string]any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": obj["id"].(string) + "#create", "type": "Create", "actor": peer.actor(), "object": obj})
		if s, b := post(t, inbox, body, peer.key, peer.keyID(), time.Now(), nil); s != 202 {
			t.Fatalf("post %s: %d %s", obj["id"], s, b)
		}
	}
	send(map[string]any{"id": peer.srv.URL + "/m/js", "type": "Organization", "name": "Cooperativa JS", "country": "IT",
		"competences": []string{"72413000"}, "url": "javascript:alert(4)"})
	event := func(id string, extra map[string]any) map[string]any {
		e := map[string]any{"id": peer.srv.URL + "/events/" + id, "type": "Event", "name": "Giornata " + id, "nameMap": map[string]string{"it": "Giornata " + id},
			"startTime": "2027-03-10T08:30:00Z", "endTime": "2027-03-10T16:30:00Z", "timezone": "Europe/Rome",
			"location": []any{map[string]any{"type": "Place", "name": "Sala", "address": "Via Roma 1"},
				map[string]any{"type": "VirtualLocation", "url": `https://visio.example/a"onmouseover="alert(1)`}}}
		for k, v := range extra {
			e[k] = v
		}
		return e
	}
	send(event("dropped", nil))
	send(event("refused", map[string]any{"joinMode": "external", "externalParticipationUrl": "javascript:alert(5)"}))
	id := "js@" + strings.TrimPrefix(peer.srv.URL, "http://")
	waitFor(t, 5*time.Second, "the co-op and the event stored", func() (bool, string) {
		s, m, _ := n.admin.do("GET", "/api/v1/members/"+id, "")
		_, evs, _ := n.admin.do("GET", "/api/v1/events?origin=remote", "")
		return s == 200 && strings.Contains(fmt.Sprint(evs), "Giornata dropped") && strings.Contains(logs.String(), "/events/refused#create"),
			fmt.Sprint(m, evs, logs.String())
	})
	if _, m, _ := n.admin.do("GET", "/api/v1/members/"+id, ""); m["website"] != nil {
		t.Errorf("the javascript: website was kept: %v", m)
	}
	_, evs, _ := n.admin.do("GET", "/api/v1/events?origin=remote", "")
	if s := fmt.Sprint(evs); strings.Contains(s, "onmouseover") || strings.Contains(s, "Giornata refused") {
		t.Errorf("remote events keep an invalid URL or an event whose registration URL is invalid: %s", s)
	}
	out := logs.String()
	for _, want := range []string{
		`level=INFO msg="remote URL dropped" component=federation kind=member`, `field=website url=javascript:alert(4) reason="it is not an absolute http or https URL"`,
		`level=INFO msg="remote URL dropped" component=federation kind=event`, `field=location.url`, `reason="it contains a space, a quote`,
		`level=INFO msg="inbox: activity refused"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
}

// TestUnbuiltActivityInDeliveryHealth: an object that cannot be built (a
// row written before today's validation, here a summary under a key that
// is no language tag) does not vanish into a WARN: the peer's delivery
// health shows it, while the other co-ops of the backfill still go.
func TestUnbuiltActivityInDeliveryHealth(t *testing.T) {
	fr, it := MustFederatedNode(t, "fr", "FR"), MustFederatedNode(t, "it", "IT")
	fr.mustMember("scop-ancienne", "FR", "72413000")
	fr.mustMember("scop-bonne", "FR", "72413000")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(fr.dir, dbFile)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE members SET summary = '{"fr_FR":"vieux"}' WHERE id = 'scop-ancienne'`); err != nil {
		t.Fatal(err)
	}
	MustMesh(t, fr, it)
	waitFor(t, 5*time.Second, "the good co-op on it", func() (bool, string) {
		c := it.catalogue("country=FR")
		return len(c) == 1, fmt.Sprint(c)
	})
	waitFor(t, 5*time.Second, "the unbuilt activity in fr's delivery health", func() (bool, string) {
		_, b, _ := fr.admin.do("GET", "/api/v1/peers", "")
		items, _ := b["items"].([]any)
		for _, x := range items {
			p := x.(map[string]any)
			d, _ := p["delivery"].(map[string]any)
			if p["url"] == it.actor() && d["dead"] == float64(1) && strings.Contains(fmt.Sprint(d["last_error"]), "could not build the activity") &&
				d["unreachable"] == false {
				return true, ""
			}
		}
		return false, fmt.Sprint(items)
	})
	_, page, _ := fr.admin.do("GET", "/api/v1/peers", "")
	t.Logf("fr's peers: %v", page)
}
