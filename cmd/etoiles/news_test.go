package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/e-toiles/etoiles/internal/smtptest"
	"github.com/mmcdole/gofeed"
)

// fediFollower is a generic Fediverse account (a Mastodon-like Person)
// that is no peer: it follows a node and records what its inbox gets.
type fediFollower struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	mu  sync.Mutex
	got []map[string]any
}

func (p *fediFollower) actor() string { return p.srv.URL + "/users/alice" }

func newFediFollower(tb testing.TB) *fediFollower {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	p := &fediFollower{key: key}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/alice", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context": []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       p.actor(), "type": "Person", "preferredUsername": "alice", "inbox": p.actor() + "/inbox",
			"endpoints": map[string]string{"sharedInbox": p.srv.URL + "/inbox"},
			"publicKey": map[string]string{"id": p.actor() + "#main-key", "owner": p.actor(), "publicKeyPem": pub},
		})
	})
	record := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var act map[string]any
		_ = json.Unmarshal(b, &act)
		p.mu.Lock()
		p.got = append(p.got, act)
		p.mu.Unlock()
		w.WriteHeader(202)
	}
	mux.HandleFunc("POST /inbox", record)
	mux.HandleFunc("POST /users/alice/inbox", record)
	p.srv = httptest.NewServer(mux)
	tb.Cleanup(p.srv.Close)
	return p
}

// received lists "Type:objectType" of the activities the inbox got.
func (p *fediFollower) received() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, a := range p.got {
		ot := ""
		if o, ok := a["object"].(map[string]any); ok {
			ot = fmt.Sprint(o["type"])
		}
		out = append(out, fmt.Sprint(a["type"])+":"+ot)
	}
	return out
}

func (p *fediFollower) find(typ, objType string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.got {
		if o, ok := a["object"].(map[string]any); ok && a["type"] == typ && o["type"] == objType {
			return a
		}
	}
	return nil
}

func (p *fediFollower) follow(tb testing.TB, n *testNode) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": p.actor() + "#follow-1", "type": "Follow", "actor": p.actor(), "object": n.actor()})
	if s, b := post(tb, "http://"+n.addr+"/inbox", body, p.key, p.actor()+"#main-key", time.Now(), nil); s != 202 {
		tb.Fatalf("follow: %d %s", s, b)
	}
}

// tinyPNG is a real 2×2 PNG: uploads are decoded and re-encoded.
var tinyPNG = func() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

func newsJSON(alt string) string {
	img := base64.StdEncoding.EncodeToString(tinyPNG)
	return `{"title":{"fr":"Journée SPIP","en":"SPIP day"},"summary":{"fr":"Formation","en":"Training"},
	"content":{"fr":"<p>Bonjour <script>alert(1)</script><a href=\"javascript:alert(2)\">x</a></p>","en":"<p>Hello</p>"},
	"tags":["SPIP","formation"],"images":[{"data":"` + img + `","alt":` + alt + `}]}`
}

const eventJSON = `{"name":{"fr":"Journée de formation SPIP"},"description":{"fr":"<p>Toute la journée</p>"},
	"start":"2027-03-10T08:30:00Z","end":"2027-03-10T16:30:00Z","timezone":"Europe/Paris",
	"address":{"name":"Maison des Scop","street":"1 rue de la Coopération","locality":"Lyon","postcode":"69001","country":"FR"},
	"online_url":"https://visio.example/spip","capacity":30,"join_mode":"external","join_url":"https://inscription.example/spip",
	"category":"LEARNING","accessibility":{"captions":true,"sign_language":"fsl","step_free":true}}`

func (n *testNode) listTitles(path, field string) map[string]string {
	_, body, _ := client{n.tb, "http://" + n.addr, ""}.do("GET", path, "")
	out := map[string]string{}
	items, _ := body["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		t, _ := m[field].(map[string]any)
		out[fmt.Sprint(t["fr"])] = fmt.Sprint(m["origin"])
	}
	return out
}

func TestNewsAndEventsFederate(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	es := MustFederatedNode(t, "es", "ES")
	nodes := []*testNode{fr, it, es}
	MustMesh(t, nodes...)
	alice := newFediFollower(t)
	alice.follow(t, fr)
	waitFor(t, 5*time.Second, "alice's follow accepted", func() (bool, string) {
		return alice.find("Accept", "Follow") != nil, fmt.Sprint(alice.received())
	})

	// Bad inputs are refused with the field named, nothing written.
	for _, tt := range []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"missing alt", "/api/v1/news", newsJSON(`{"fr":"Logo de SPIP"}`), 400, "images[0].alt.en"},
		{"oversize image", "/api/v1/news", `{"title":{"fr":"x"},"images":[{"alt":{"fr":"a"},"data":"` + base64.StdEncoding.EncodeToString(append(tinyPNG, make([]byte, 600<<10)...)) + `"}]}`, 413, "images[0].data"},
		{"end before start", "/api/v1/events", strings.Replace(eventJSON, `"end":"2027-03-10T16:30:00Z"`, `"end":"2027-03-10T07:00:00Z"`, 1), 400, "end"},
		{"unknown timezone", "/api/v1/events", strings.Replace(eventJSON, "Europe/Paris", "Europe/Lyon", 1), 400, "timezone"},
	} {
		s, body, _ := fr.admin.do("POST", tt.path, tt.body)
		errs, _ := body["errors"].([]any)
		field := ""
		if len(errs) > 0 {
			field = fmt.Sprint(errs[0].(map[string]any)["field"])
		}
		if s != tt.status || field != tt.field {
			t.Errorf("%s: %d %v, want %d on %s", tt.name, s, body, tt.status, tt.field)
		}
	}

	s, created, _ := fr.admin.do("POST", "/api/v1/news", newsJSON(`{"fr":"Logo de SPIP","en":"SPIP logo"}`))
	if s != 201 {
		t.Fatalf("create news: %d %v", s, created)
	}
	newsID := created["id"].(string)
	// The answer points to the image; it does not send the upload back.
	if imgs, _ := created["images"].([]any); len(imgs) != 1 || imgs[0].(map[string]any)["data"] != nil ||
		!strings.HasPrefix(fmt.Sprint(imgs[0].(map[string]any)["url"]), "http://"+fr.addr+"/media/") {
		t.Errorf("created news images = %v, want a /media/ URL and no data", created["images"])
	}
	s, ev, _ := fr.admin.do("POST", "/api/v1/events", eventJSON)
	if s != 201 {
		t.Fatalf("create event: %d %v", s, ev)
	}
	eventID := ev["id"].(string)
	// A member co-op's catalogue entry: peers get it, alice must not.
	if s, b, _ := fr.admin.do("POST", "/api/v1/members", echoJSON); s != 201 {
		t.Fatalf("create member: %d %v", s, b)
	}

	for _, n := range []*testNode{it, es} {
		waitFor(t, 5*time.Second, "news and event on "+n.name, func() (bool, string) {
			nw, evs := n.listTitles("/api/v1/news", "title"), n.listTitles("/api/v1/events", "name")
			return nw["Journée SPIP"] == fr.actor() && evs["Journée de formation SPIP"] == fr.actor(), fmt.Sprint(nw, evs)
		})
		_, body, _ := client{t, "http://" + n.addr, ""}.do("GET", "/api/v1/news?origin=remote", "")
		item := body["items"].([]any)[0].(map[string]any)
		content := fmt.Sprint(item["content"])
		if strings.Contains(content, "script") || strings.Contains(content, "javascript") || fmt.Sprint(item["link"]) != "http://"+fr.addr+"/news/"+newsID {
			t.Errorf("%s keeps %v", n.name, item)
		}
		imgs, _ := item["images"].([]any)
		if len(imgs) != 1 || fmt.Sprint(imgs[0].(map[string]any)["alt"]) != "map[en:SPIP logo fr:Logo de SPIP]" {
			t.Errorf("%s image = %v", n.name, imgs)
		}
		_, body, _ = client{t, "http://" + n.addr, ""}.do("GET", "/api/v1/events?origin=remote", "")
		e := body["items"].([]any)[0].(map[string]any)
		if e["timezone"] != "Europe/Paris" || e["join_mode"] != "external" || e["category"] != "LEARNING" || e["capacity"] != 30.0 ||
			fmt.Sprint(e["accessibility"]) != "map[captions:true sign_language:fsl step_free:true]" || e["start"] != "2027-03-10T08:30:00Z" {
			t.Errorf("%s event = %v", n.name, e)
		}
	}

	// The generic follower got the Article and the Event, addressed for
	// Mastodon, and never the Organization.
	waitFor(t, 5*time.Second, "alice gets the article and the event", func() (bool, string) {
		return alice.find("Create", "Article") != nil && alice.find("Create", "Event") != nil, fmt.Sprint(alice.received())
	})
	art := alice.find("Create", "Article")
	obj := art["object"].(map[string]any)
	if fmt.Sprint(art["to"]) != "[https://www.w3.org/ns/activitystreams#Public]" || fmt.Sprint(art["cc"]) != "["+fr.actor()+"/followers]" ||
		obj["url"] != "http://"+fr.addr+"/news/"+newsID || obj["published"] == nil || obj["updated"] == nil || strings.Contains(fmt.Sprint(obj["content"]), "script") {
		t.Errorf("article for alice = %v", art)
	}
	evObj := alice.find("Create", "Event")["object"].(map[string]any)
	if evObj["startTime"] != "2027-03-10T08:30:00Z" || evObj["timezone"] != "Europe/Paris" || evObj["joinMode"] != "external" ||
		evObj["eventStatus"] != "EventScheduled" || evObj["category"] != "LEARNING" || evObj["maximumAttendeeCapacity"] != 30.0 {
		t.Errorf("event for alice = %v", evObj)
	}

	// Edits follow.
	if s, b, _ := fr.admin.do("PATCH", "/api/v1/news/"+newsID, `{"title":{"fr":"Journée SPIP (complet)","en":"SPIP day (full)"}}`); s != 200 {
		t.Fatalf("patch news: %d %v", s, b)
	}
	if s, b, _ := fr.admin.do("PATCH", "/api/v1/events/"+eventID, `{"status":"cancelled"}`); s != 200 {
		t.Fatalf("patch event: %d %v", s, b)
	}
	for _, n := range []*testNode{it, es} {
		waitFor(t, 5*time.Second, "edits on "+n.name, func() (bool, string) {
			nw := n.listTitles("/api/v1/news", "title")
			_, body, _ := client{t, "http://" + n.addr, ""}.do("GET", "/api/v1/events", "")
			items, _ := body["items"].([]any)
			st := ""
			if len(items) == 1 {
				st = fmt.Sprint(items[0].(map[string]any)["status"])
			}
			return nw["Journée SPIP (complet)"] != "" && len(nw) == 1 && st == "cancelled", fmt.Sprint(nw, st)
		})
	}

	// Public objects are readable without a signature, as JSON or HTML.
	req, _ := http.NewRequest("GET", "http://"+fr.addr+"/news/"+newsID, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if resp.StatusCode != 200 || doc["type"] != "Article" || fmt.Sprint(doc["nameMap"]) != "map[en:SPIP day (full) fr:Journée SPIP (complet)]" {
		t.Errorf("unsigned GET of the article: %d %v", resp.StatusCode, doc)
	}
	resp, err = http.Get("http://" + fr.addr + "/events/" + eventID)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "Journée de formation SPIP") {
		t.Errorf("event page: %s %s", resp.Header.Get("Content-Type"), page)
	}

	// Feeds parse with real parsers.
	resp, err = http.Get("http://" + fr.addr + "/feeds/news.atom")
	if err != nil {
		t.Fatal(err)
	}
	feed, err := gofeed.NewParser().Parse(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("news.atom does not parse: %v", err)
	}
	if feed.FeedType != "atom" || len(feed.Items) != 1 || feed.Items[0].Link != "http://"+fr.addr+"/news/"+newsID || !strings.HasPrefix(feed.Items[0].Title, "SPIP day") {
		t.Errorf("atom feed = %s %d items %+v", feed.FeedType, len(feed.Items), feed.Items)
	}
	for _, path := range []string{"/feeds/events.ics", "/events/" + eventID + ".ics"} {
		resp, err = http.Get("http://" + fr.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := ics.ParseCalendar(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s does not parse: %v", path, err)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%s has %d events", path, len(evs))
		}
		start, err := evs[0].GetStartAt()
		if err != nil || !start.Equal(time.Date(2027, 3, 10, 8, 30, 0, 0, time.UTC)) {
			t.Errorf("%s DTSTART = %s, %v", path, start, err)
		}
		if st := evs[0].GetProperty(ics.ComponentPropertyStatus); st == nil || st.Value != "CANCELLED" {
			t.Errorf("%s STATUS = %v", path, st)
		}
		if sum := evs[0].GetProperty(ics.ComponentPropertySummary); sum == nil || sum.Value != "Journée de formation SPIP" {
			t.Errorf("%s SUMMARY = %v", path, sum)
		}
	}

	// Deletions follow.
	if s, _, _ := fr.admin.do("DELETE", "/api/v1/news/"+newsID, ""); s != 204 {
		t.Fatalf("delete news: %d", s)
	}
	if s, _, _ := fr.admin.do("DELETE", "/api/v1/events/"+eventID, ""); s != 204 {
		t.Fatalf("delete event: %d", s)
	}
	for _, n := range []*testNode{it, es} {
		waitFor(t, 5*time.Second, "deletions on "+n.name, func() (bool, string) {
			nw, evs := n.listTitles("/api/v1/news", "title"), n.listTitles("/api/v1/events", "name")
			return len(nw) == 0 && len(evs) == 0, fmt.Sprint(nw, evs)
		})
	}
	waitFor(t, 5*time.Second, "alice gets the deletions", func() (bool, string) {
		return alice.find("Delete", "Tombstone") != nil && len(alice.received()) >= 7, fmt.Sprint(alice.received())
	})
	// The peers got the member (so its Create was delivered by now); the
	// public follower must not have.
	waitFor(t, 5*time.Second, "the member on it", func() (bool, string) {
		c := it.catalogue("country=FR")
		return len(c) == 1, fmt.Sprint(c)
	})
	for _, r := range alice.received() {
		if strings.Contains(r, "Organization") || strings.Contains(r, "Opportunity") {
			t.Errorf("the public follower received business data: %s", r)
		}
	}
}

func TestImportRSSCommand(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR")
	feed, err := filepath.Abs(filepath.Join("..", "..", "node", "news", "feedimport", "testdata", "spip-backend.rss"))
	if err != nil {
		t.Fatal(err)
	}
	env := func(string) string { return "" }
	for i, want := range []string{"2 news items imported, 0 already there", "0 news items imported, 2 already there"} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{"import", "rss", "--data", n.dir, "--name", "e-toiles FR", feed}, env, &out, &errOut); code != 0 {
			t.Fatalf("import %d: exit %d: %s", i, code, errOut.String())
		}
		if strings.TrimSpace(out.String()) != want {
			t.Errorf("import %d printed %q, want %q", i, out.String(), want)
		}
	}
	got := n.listTitles("/api/v1/news", "title")
	if len(got) != 2 || got["Journée de formation SPIP à Lyon"] != "local" {
		t.Errorf("news after import = %v", got)
	}
	// A feed URL goes through the outbound guard: loopback is refused
	// unless the private-address flag is given.
	rss, err := os.ReadFile(feed)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(rss)
	}))
	defer srv.Close()
	{
		var out, errOut bytes.Buffer
		code := run(t.Context(), []string{"import", "rss", "--data", n.dir, srv.URL + "/backend.rss"}, env, &out, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), "forbidden address") {
			t.Errorf("feed on loopback without --allow-private-peers: exit %d, stderr %q, want refused", code, errOut.String())
		}
		out.Reset()
		errOut.Reset()
		code = run(t.Context(), []string{"import", "rss", "--data", n.dir, "--allow-private-peers", "--insecure-http", srv.URL + "/backend.rss"}, env, &out, &errOut)
		if code != 0 || strings.TrimSpace(out.String()) != "0 news items imported, 2 already there" {
			t.Errorf("feed on loopback with --allow-private-peers: exit %d, %q %q", code, out.String(), errOut.String())
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.rss")
	os.WriteFile(bad, []byte("<rss><channel><item><title>x"), 0o600)
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"import", "rss", "--data", n.dir, bad}, env, &out, &errOut)
	if code == 0 || strings.Count(errOut.String(), "\n") != 1 || !strings.Contains(errOut.String(), "could not be parsed") {
		t.Errorf("malformed feed: exit %d, stderr %q", code, errOut.String())
	}
}

func TestRemoteContentSanitizedAndChecked(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR")
	peer := newFakePeer(t)
	if s, b, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, b)
	}
	inbox := "http://" + n.addr + "/inbox"
	article := func(actID, objID, title, content string, updated time.Time) []byte {
		b, _ := json.Marshal(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": actID, "type": "Create", "actor": peer.actor(),
			"object": map[string]any{"id": objID, "type": "Article", "name": title, "content": content,
				"published": "2026-11-20T10:00:00Z", "updated": updated.UTC().Format(time.RFC3339),
				"attachment": []any{map[string]any{"type": "Image", "mediaType": "image/png", "url": "javascript:alert(1)", "name": "x"}}},
		})
		return b
	}
	nasty := `<p onclick="steal()" style="position:fixed">Salut<script>alert(1)</script><style>body{display:none}</style>` +
		`<a href="javascript:alert(2)">a</a><a href=" JaVaScRiPt:alert(3)">b</a><img src=x onerror="alert(4)"><iframe src="https://evil.example"></iframe></p>`
	t1 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	body := article(peer.srv.URL+"/act/1", peer.srv.URL+"/news/1", "Nouvelles <b>du</b> pair", nasty, t1)
	for i := 0; i < 2; i++ { // the second delivery is a duplicate
		if s, b := post(t, inbox, body, peer.key, peer.keyID(), time.Now(), nil); s != 202 {
			t.Fatalf("deliver: %d %s", s, b)
		}
	}
	var item map[string]any
	waitFor(t, 5*time.Second, "the remote article", func() (bool, string) {
		_, b, _ := client{t, "http://" + n.addr, ""}.do("GET", "/api/v1/news?origin=remote", "")
		items, _ := b["items"].([]any)
		if len(items) == 1 {
			item = items[0].(map[string]any)
		}
		return len(items) == 1, fmt.Sprint(b)
	})
	content := fmt.Sprint(item["content"])
	for _, bad := range []string{"<script", "alert", "onclick", "style", "javascript", "onerror", "iframe", "display:none"} {
		if strings.Contains(strings.ToLower(content), bad) {
			t.Errorf("remote content kept %q: %s", bad, content)
		}
	}
	if !strings.Contains(content, "Salut") || item["origin"] != peer.actor() || len(item["images"].([]any)) != 0 {
		t.Errorf("remote item = %v", item)
	}
	// An older Update changes nothing; a newer one applies.
	upd := func(actID, title string, at time.Time) []byte {
		b := article(actID, peer.srv.URL+"/news/1", title, "<p>ok</p>", at)
		return bytes.Replace(b, []byte(`"type":"Create"`), []byte(`"type":"Update"`), 1)
	}
	post(t, inbox, upd(peer.srv.URL+"/act/2", "Ancien", t1.Add(-time.Hour)), peer.key, peer.keyID(), time.Now(), nil)
	post(t, inbox, upd(peer.srv.URL+"/act/3", "Nouveau", t1.Add(time.Hour)), peer.key, peer.keyID(), time.Now(), nil)
	waitFor(t, 5*time.Second, "the newer update", func() (bool, string) {
		_, b, _ := client{t, "http://" + n.addr, ""}.do("GET", "/api/v1/news?origin=remote", "")
		items, _ := b["items"].([]any)
		return len(items) == 1 && strings.Contains(fmt.Sprint(items[0]), "Nouveau"), fmt.Sprint(b)
	})
	// A peer may not create objects of another host.
	forged := article(peer.srv.URL+"/act/4", "http://"+n.addr+"/news/forged", "Forged", "<p>x</p>", t1)
	if s, _ := post(t, inbox, forged, peer.key, peer.keyID(), time.Now(), nil); s != 403 {
		t.Errorf("a Create of another host's object: %d, want 403", s)
	}
	// A Delete from the origin removes it.
	del, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": peer.srv.URL + "/act/5", "type": "Delete",
		"actor": peer.actor(), "object": map[string]any{"id": peer.srv.URL + "/news/1", "type": "Tombstone", "deleted": t1.Add(2 * time.Hour).Format(time.RFC3339)}})
	post(t, inbox, del, peer.key, peer.keyID(), time.Now(), nil)
	waitFor(t, 5*time.Second, "the deletion", func() (bool, string) {
		_, b, _ := client{t, "http://" + n.addr, ""}.do("GET", "/api/v1/news?origin=remote", "")
		items, _ := b["items"].([]any)
		return len(items) == 0, fmt.Sprint(b)
	})
	// A non-peer may follow, but not publish.
	alice := newFediFollower(t)
	b, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": alice.actor() + "#c", "type": "Create",
		"actor": alice.actor(), "object": map[string]any{"id": alice.actor() + "/n/1", "type": "Article", "name": "spam"}})
	if s, _ := post(t, inbox, b, alice.key, alice.actor()+"#main-key", time.Now(), nil); s != 403 {
		t.Errorf("a Create from a non-peer: %d, want 403", s)
	}
}

func TestPublicFollowsCanBeTurnedOff(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR", func(c *Config) { c.PublicFollows = false })
	alice := newFediFollower(t)
	alice.follow(t, n)
	waitFor(t, 5*time.Second, "the Reject", func() (bool, string) {
		return alice.find("Reject", "Follow") != nil, fmt.Sprint(alice.received())
	})
	if s, b, _ := n.admin.do("POST", "/api/v1/news", `{"title":{"fr":"Privé"}}`); s != 201 {
		t.Fatalf("create: %d %v", s, b)
	}
	// Once the Create is in the outbox its deliveries are recorded: the
	// refused follower has only the Reject's.
	waitFor(t, 5*time.Second, "the Create in the outbox", func() (bool, string) {
		_, b, _ := client{t, "http://" + n.addr, ""}.do("GET", "/actor/outbox?page=true", "")
		return strings.Contains(fmt.Sprint(b), "Article"), fmt.Sprint(b)
	})
	_, peers, _ := n.admin.do("GET", "/api/v1/peers", "")
	for _, p := range peers["items"].([]any) {
		pm := p.(map[string]any)
		d := pm["delivery"].(map[string]any)
		if total := d["pending"].(float64) + d["delivered"].(float64) + d["dead"].(float64); pm["url"] == alice.actor() && total != 1 {
			t.Errorf("a refused follower has %v deliveries, want the Reject only", total)
		}
	}
}

func TestDigestThroughServe(t *testing.T) {
	srv := smtptest.MustServer(t)
	n := MustFederatedNode(t, "fr", "FR", func(c *Config) {
		c.SMTPURL, c.DigestTo, c.DigestPeriod = srv.URL("news@fr.example"), "liste@lists.example", "weekly"
	})
	now := time.Now().UTC()
	monday := now.AddDate(0, 0, -((int(now.Weekday())+6)%7)-7) // in the last complete ISO week
	lastWeek := time.Date(monday.Year(), monday.Month(), monday.Day(), 12, 0, 0, 0, time.UTC)
	if s, b, _ := n.admin.do("POST", "/api/v1/news", `{"title":{"fr":"Bilan de la semaine"},"publish_at":"`+lastWeek.Format(time.RFC3339)+`"}`); s != 201 {
		t.Fatalf("create: %d %v", s, b)
	}
	// The loop looks at start (and every minute): restart to have it look
	// again now. That the period is never sent twice across restarts is
	// tested in node/news/digest, where the passes can be awaited.
	n.stop()
	n.restart("FR")
	waitFor(t, 5*time.Second, "the digest", func() (bool, string) {
		return len(srv.Messages()) >= 1, fmt.Sprint(len(srv.Messages()))
	})
	if got := len(srv.Messages()); got != 1 {
		t.Fatalf("the list received %d digests, want 1", got)
	}
	m := smtptest.Parse(t, srv.Messages()[0].Data)
	if !strings.Contains(m.Bodies["text/plain"], "Bilan de la semaine") || !strings.Contains(m.Bodies["text/html"], "Bilan de la semaine") {
		t.Errorf("digest bodies = %v", m.Bodies)
	}
}

func TestPublicFollowerUnfollows(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR")
	alice := newFediFollower(t)
	alice.follow(t, n)
	waitFor(t, 5*time.Second, "the Accept", func() (bool, string) {
		return alice.find("Accept", "Follow") != nil, fmt.Sprint(alice.received())
	})
	undo, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": alice.actor() + "#undo-1", "type": "Undo",
		"actor": alice.actor(), "object": map[string]any{"id": alice.actor() + "#follow-1", "type": "Follow", "actor": alice.actor(), "object": n.actor()}})
	if s, b := post(t, "http://"+n.addr+"/inbox", undo, alice.key, alice.actor()+"#main-key", time.Now(), nil); s != 202 {
		t.Fatalf("undo: %d %s", s, b)
	}
	waitFor(t, 5*time.Second, "the unfollow", func() (bool, string) {
		_, b, _ := n.admin.do("GET", "/api/v1/peers", "")
		for _, p := range b["items"].([]any) {
			if pm := p.(map[string]any); pm["url"] == alice.actor() {
				return pm["followed_by"] == "", fmt.Sprint(pm)
			}
		}
		return false, fmt.Sprint(b)
	})
	if s, b, _ := n.admin.do("POST", "/api/v1/news", `{"title":{"fr":"Après le départ"}}`); s != 201 {
		t.Fatalf("create: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "the Create in the outbox", func() (bool, string) {
		_, b, _ := client{t, "http://" + n.addr, ""}.do("GET", "/actor/outbox?page=true", "")
		return strings.Contains(fmt.Sprint(b), "Article"), fmt.Sprint(b)
	})
	_, peers, _ := n.admin.do("GET", "/api/v1/peers", "")
	for _, p := range peers["items"].([]any) {
		pm := p.(map[string]any)
		d := pm["delivery"].(map[string]any)
		if total := d["pending"].(float64) + d["delivered"].(float64) + d["dead"].(float64); pm["url"] == alice.actor() && total != 1 {
			t.Errorf("an unfollowed account has %v deliveries, want the Accept only", total)
		}
	}
}

func TestPublicFollowerAllowedAsPeerGetsCatalogue(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR")
	if s, b, _ := n.admin.do("POST", "/api/v1/members", echoJSON); s != 201 {
		t.Fatalf("create member: %d %v", s, b)
	}
	alice := newFediFollower(t)
	alice.follow(t, n)
	waitFor(t, 5*time.Second, "the Accept", func() (bool, string) {
		return alice.find("Accept", "Follow") != nil, fmt.Sprint(alice.received())
	})
	if got := alice.find("Create", "Organization"); got != nil {
		t.Fatalf("a public follower got a catalogue backfill: %v", got)
	}
	if s, b, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+alice.actor()+`"}`); s != 201 {
		t.Fatalf("allow: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "the backfill once allowed", func() (bool, string) {
		return alice.find("Create", "Organization") != nil, fmt.Sprint(alice.received())
	})
}

func TestImportFeedOnSchedule(t *testing.T) {
	feed, err := filepath.Abs(filepath.Join("..", "..", "node", "news", "feedimport", "testdata", "spip-backend.rss"))
	if err != nil {
		t.Fatal(err)
	}
	n := MustFederatedNode(t, "fr", "FR", func(c *Config) { c.ImportFeed = feed })
	waitFor(t, 5*time.Second, "the feed imported at start", func() (bool, string) {
		got := n.listTitles("/api/v1/news", "title")
		return len(got) == 2, fmt.Sprint(got)
	})
	// Re-imports skip what is there: see TestImportRSSCommand and
	// node/news/feedimport.
}
