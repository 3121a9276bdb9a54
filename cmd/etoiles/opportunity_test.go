package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// memberClient registers a member on n and returns a client with its token.
func (n *testNode) memberClient(t *testing.T, body string) (client, string) {
	t.Helper()
	s, b, _ := n.admin.do("POST", "/api/v1/members", body)
	if s != 201 {
		t.Fatalf("create member on %s: %d %v", n.name, s, b)
	}
	id := b["id"].(string)
	return client{t, "http://" + n.addr, mustToken(t, n.dir, "--role", "member", "--member", id)}, id
}

// opportunityBySource finds an opportunity in a node's list by its title.
func findOpportunity(c client, query, title string) map[string]any {
	_, body, _ := c.do("GET", "/api/v1/opportunities?"+query, "")
	items, _ := body["items"].([]any)
	for _, it := range items {
		o := it.(map[string]any)
		if t, _ := o["title"].(map[string]any); t != nil && t["fr"] == title {
			return o
		}
	}
	return nil
}

func fieldNames(body map[string]any) []string {
	var out []string
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		out = append(out, fmt.Sprint(e.(map[string]any)["field"]))
	}
	return out
}

func countries(o map[string]any) string {
	var out []string
	cons, _ := o["consortium"].([]any)
	for _, e := range cons {
		m := e.(map[string]any)
		out = append(out, fmt.Sprint(m["country"], ":", m["role"]))
	}
	return strings.Join(out, ",")
}

const scenarioTitle = "Site, hébergement et vidéo pour une SCIC"

func TestOpportunityScenario(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	es := MustFederatedNode(t, "es", "ES")
	MustMesh(t, fr, it, es)

	lead, _ := fr.memberClient(t, `{"name":"Atelier Web","country":"FR","region":"FR101","competences":["72413000"],"languages":["fr"]}`)
	other, _ := fr.memberClient(t, `{"name":"Autre Coop","country":"FR","competences":["79822500"]}`)
	video, videoID := it.memberClient(t, `{"name":"Cooperativa Video","country":"IT","region":"ITC4","competences":["92111000"],"languages":["it","fr"]}`)
	hosting, _ := es.memberClient(t, `{"name":"Alojamiento Coop","country":"ES","region":"ES51","competences":["72415000"]}`)
	grafica, graficaID := es.memberClient(t, `{"name":"Grafica Coop","country":"ES","competences":["79822500"]}`)

	deadline := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	s, opp, _ := lead.do("POST", "/api/v1/opportunities", `{"title":{"fr":"`+scenarioTitle+`","en":"Website, hosting and video for a co-op"},
		"summary":{"fr":"Refonte accessible, hébergement et vidéos sous-titrées"},
		"competences":[{"cpv":"72413000"},{"cpv":"72415000"},{"cpv":"92111000"}],
		"country":"FR","region":"FR101","deadline":"`+deadline+`","value":{"amount":"90000","currency":"EUR"},
		"flags":{"social_objective":true,"accessibility_criteria":true},"open_abroad":true}`)
	if s != 201 {
		t.Fatalf("post the opportunity: %d %v", s, opp)
	}
	frID := opp["id"].(string)

	// 2. it and es list it as cross-border.
	var itOpp, esOpp map[string]any
	waitFor(t, 5*time.Second, "the opportunity on it and es", func() (bool, string) {
		itOpp = findOpportunity(it.admin, "scope=cross-border&competence=92000000", scenarioTitle)
		esOpp = findOpportunity(es.admin, "scope=cross-border&competence=72400000&country=FR&status=active", scenarioTitle)
		return itOpp != nil && esOpp != nil, fmt.Sprint(itOpp != nil, esOpp != nil)
	})
	if itOpp["origin"] != fr.actor() || itOpp["ap_id"] != "http://"+fr.addr+"/opportunities/"+frID || itOpp["id"] == frID {
		t.Errorf("it's copy: origin %v ap_id %v id %v; want fr's origin and ap_id and a local id", itOpp["origin"], itOpp["ap_id"], itOpp["id"])
	}
	if findOpportunity(fr.admin, "scope=local", scenarioTitle) == nil || findOpportunity(it.admin, "scope=local", scenarioTitle) != nil {
		t.Error("scope=local: want the opportunity on fr only")
	}
	if findOpportunity(es.admin, "competence=79000000", scenarioTitle) != nil {
		t.Error("competence=79000000 lists an opportunity that needs no code of division 79")
	}

	// Matching: es's hosting co-op and it's video co-op get a notice, the
	// graphic designer does not, until it adds a matching competence.
	waitFor(t, 5*time.Second, "notices on it and es", func() (bool, string) {
		_, a, _ := hosting.do("GET", "/api/v1/notices", "")
		_, b, _ := video.do("GET", "/api/v1/notices", "")
		na, _ := a["items"].([]any)
		nb, _ := b["items"].([]any)
		return len(na) == 1 && len(nb) == 1, fmt.Sprint(a, b)
	})
	if _, g, _ := grafica.do("GET", "/api/v1/notices", ""); len(g["items"].([]any)) != 0 {
		t.Errorf("grafica got notices before it matches: %v", g)
	}
	if s, b, _ := grafica.do("PATCH", "/api/v1/members/"+graficaID, `{"competences":["79822500","92111000"]}`); s != 200 {
		t.Fatalf("grafica adds a competence: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "grafica's notice after its new competence", func() (bool, string) {
		_, g, _ := grafica.do("GET", "/api/v1/notices", "")
		items, _ := g["items"].([]any)
		return len(items) == 1 && items[0].(map[string]any)["ref"] == esOpp["id"], fmt.Sprint(g)
	})

	// The Atom feed at a secret URL, and its rotation.
	_, feed, _ := hosting.do("GET", "/api/v1/notices/feed", "")
	url1, _ := feed["url"].(string)
	resp, err := http.Get(url1)
	if err != nil {
		t.Fatal(err)
	}
	atom, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var parsed struct {
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(atom, &parsed); err != nil || len(parsed.Entries) != 1 || parsed.Entries[0].Title != "Website, hosting and video for a co-op" ||
		!strings.HasSuffix(parsed.Entries[0].Link.Href, "/opportunities/"+esOpp["id"].(string)) || strings.Contains(parsed.Entries[0].Link.Href, "/api/") {
		t.Errorf("feed entries: %+v, %v", parsed.Entries, err)
	}
	if resp.StatusCode != 200 || !strings.Contains(string(atom), "<feed xmlns=\"http://www.w3.org/2005/Atom\">") || !strings.Contains(string(atom), "72415000") {
		t.Errorf("feed %s: %d %s", url1, resp.StatusCode, atom)
	}
	_, feed, _ = hosting.do("POST", "/api/v1/notices/feed", "")
	if url2, _ := feed["url"].(string); url2 == url1 || url2 == "" {
		t.Errorf("rotated feed URL %q, want a new one", url2)
	}
	if resp, err := http.Get(url1); err != nil || resp.StatusCode != 404 {
		t.Errorf("old feed URL after rotation: %v %v, want 404", resp.StatusCode, err)
	}

	// 3. The suggestions at fr draw on it's and es's co-ops: the lead
	// (web design), it's video co-op and es's host.
	waitFor(t, 5*time.Second, "suggestions with it's and es's co-ops", func() (bool, string) {
		s, body, _ := lead.do("GET", "/api/v1/opportunities/"+frID+"/suggestions?k=3", "")
		if s != 200 {
			return false, fmt.Sprint(s, body)
		}
		all, _ := suggestionMembers(t, body)
		return len(all) > 0 && fmt.Sprint(all[0]) == "[Alojamiento Coop/ES Atelier Web/FR Cooperativa Video/IT]", fmt.Sprint(all)
	})

	// 4. An it member expresses interest from its own node; fr's lead sees it.
	itID := itOpp["id"].(string)
	s, in, _ := video.do("POST", "/api/v1/opportunities/"+itID+"/interest", `{"competences":["92111000"],"role":"group-member","message":{"fr":"Nous faisons les vidéos."}}`)
	if s != 201 {
		t.Fatalf("express interest on it: %d %v", s, in)
	}
	if s, b, _ := video.do("POST", "/api/v1/opportunities/"+itID+"/interest", `{}`); s != 409 {
		t.Errorf("a second interest: %d %v, want 409", s, b)
	}
	var iid string
	waitFor(t, 5*time.Second, "the interest on fr", func() (bool, string) {
		_, o, _ := lead.do("GET", "/api/v1/opportunities/"+frID, "")
		ins, _ := o["interests"].([]any)
		if len(ins) != 1 {
			return false, fmt.Sprint(o["interests"])
		}
		i := ins[0].(map[string]any)
		iid = i["id"].(string)
		return i["state"] == "pending" && i["country"] == "IT" && i["member"] == videoID+"@"+it.addr, fmt.Sprint(i)
	})
	if _, o, _ := other.do("GET", "/api/v1/opportunities/"+frID, ""); o["interests"] != nil {
		t.Errorf("another fr member sees the interests: %v", o["interests"])
	}
	if _, o, _ := es.admin.do("GET", "/api/v1/opportunities/"+esOpp["id"].(string), ""); o["interests"] != nil {
		t.Errorf("es's admin sees the interests: %v", o["interests"])
	}
	// The lead is told, with a link to the opportunity; nobody else is.
	waitFor(t, 5*time.Second, "the lead's notice of the interest", func() (bool, string) {
		_, b, _ := lead.do("GET", "/api/v1/notices", "")
		for _, n := range toMaps(b["items"]) {
			if n["kind"] == "interest" && n["ref"] == iid {
				return strings.Contains(fmt.Sprint(n["reason"]), "(IT) is interested as group-member") &&
					n["url"] == "http://"+fr.addr+"/api/v1/opportunities/"+frID, jsonString(n)
			}
		}
		return false, jsonString(b)
	})
	if _, b, _ := other.do("GET", "/api/v1/notices", ""); strings.Contains(jsonString(b), `"kind":"interest"`) {
		t.Errorf("another fr member was told of the interest: %v", b)
	}
	if s, b, _ := other.do("POST", "/api/v1/opportunities/"+frID+"/interests/"+iid+"/accept", ""); s != 403 {
		t.Errorf("acceptance by a non-lead: %d %v, want 403", s, b)
	}
	if s, b, _ := it.admin.do("POST", "/api/v1/opportunities/"+itID+"/interests/"+in["id"].(string)+"/accept", ""); s != 403 {
		t.Errorf("acceptance on a node that is not the origin: %d %v, want 403", s, b)
	}
	if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+frID+"/interests/"+iid+"/accept", ""); s != 200 {
		t.Fatalf("the lead accepts: %d %v", s, b)
	}
	if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+frID+"/interests/"+iid+"/accept", ""); s != 409 {
		t.Errorf("accepting twice: %d %v, want 409", s, b)
	}

	// 5. The consortium with two countries is visible on es; it learns the answer.
	waitFor(t, 5*time.Second, "the consortium on es", func() (bool, string) {
		_, o, _ := es.admin.do("GET", "/api/v1/opportunities/"+esOpp["id"].(string), "")
		c := countries(o)
		return c == "FR:lead-entity,IT:group-member", c
	})
	waitFor(t, 5*time.Second, "the answer on it", func() (bool, string) {
		_, o, _ := video.do("GET", "/api/v1/opportunities/"+itID, "")
		ins, _ := o["interests"].([]any)
		return len(ins) == 1 && ins[0].(map[string]any)["state"] == "accepted", fmt.Sprint(o["interests"])
	})

	// 6. The status moves to won; illegal transitions are refused.
	if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+frID+"/status", `{"status":"won","outcome":{"amount":"1","currency":"EUR"}}`); s != 409 {
		t.Errorf("active → won: %d %v, want 409", s, b)
	}
	for _, st := range []string{`{"status":"forming"}`, `{"status":"submitted"}`, `{"status":"won","outcome":{"amount":"87500.00","currency":"EUR"}}`} {
		if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+frID+"/status", st); s != 200 {
			t.Fatalf("status %s: %d %v", st, s, b)
		}
	}
	if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+frID+"/status", `{"status":"lost"}`); s != 409 {
		t.Errorf("won → lost: %d %v, want 409", s, b)
	}
	waitFor(t, 5*time.Second, "won on es", func() (bool, string) {
		_, o, _ := es.admin.do("GET", "/api/v1/opportunities/"+esOpp["id"].(string), "")
		out, _ := o["outcome"].(map[string]any)
		return o["status"] == "won" && out["amount"] == "87500.00" && countries(o) == "FR:lead-entity,IT:group-member", fmt.Sprint(o["status"], out)
	})
	if s, b, _ := hosting.do("POST", "/api/v1/opportunities/"+esOpp["id"].(string)+"/interest", `{}`); s != 409 {
		t.Errorf("interest in a closed opportunity: %d %v, want 409", s, b)
	}
}

func TestOpportunityBadInput(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	lead, _ := fr.memberClient(t, `{"name":"Atelier Web","country":"FR","competences":["72413000"]}`)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name   string
		c      client
		body   string
		status int
		fields string
	}{
		{"past deadline", lead, `{"title":{"fr":"x"},"competences":[{"cpv":"72413000"}],"country":"FR","deadline":"` + past + `"}`, 400, "deadline"},
		{"bad deadline", lead, `{"title":{"fr":"x"},"competences":[{"cpv":"72413000"}],"country":"FR","deadline":"tomorrow"}`, 400, "deadline"},
		{"invalid codes", lead, `{"title":{"fr":"x"},"competences":[{"cpv":"12345678"},{"cpv":"72413000","lot":"L9"}],"country":"FR","region":"DE11","value":{"amount":"1,5","currency":"EURO"}}`,
			400, "competences[0].cpv competences[1].lot region value.amount value.currency"},
		{"bad country", lead, `{"title":{"fr":"x"},"competences":[{"cpv":"72413000"}],"country":"XX"}`, 400, "country"},
		{"no title", lead, `{"competences":[{"cpv":"72413000"}],"country":"FR"}`, 400, "title"},
		{"unknown field", lead, `{"titel":{"fr":"x"}}`, 400, "titel"},
		{"admin without member", fr.admin, `{"title":{"fr":"x"},"competences":[{"cpv":"72413000"}],"country":"FR"}`, 400, "member"},
	}
	for _, tt := range tests {
		s, b, h := tt.c.do("POST", "/api/v1/opportunities", tt.body)
		if s != tt.status || strings.Join(fieldNames(b), " ") != tt.fields || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %v fields %v, want %d %s", tt.name, s, h.Get("Content-Type"), fieldNames(b), tt.status, tt.fields)
		}
	}
	s, b, _ := fr.admin.do("GET", "/api/v1/opportunities", "")
	if s != 200 || b["total"] != float64(0) {
		t.Errorf("after refusals: %d %v, want nothing written", s, b)
	}
	if s, b, _ := fr.admin.do("GET", "/api/v1/opportunities?scope=world&status=open", ""); s != 400 || strings.Join(fieldNames(b), " ") != "scope status[0]" {
		t.Errorf("bad filters: %d %v", s, fieldNames(b))
	}
	// An admin token reads the group's notices (none here); the feed
	// stays a member's.
	if s, b, _ := fr.admin.do("GET", "/api/v1/notices", ""); s != 200 || b["items"] == nil || len(b["items"].([]any)) != 0 {
		t.Errorf("notices with an admin token: %d %v, want 200 and the group's (none)", s, b)
	}
	if s, _, _ := fr.admin.do("GET", "/api/v1/notices/feed", ""); s != 403 {
		t.Errorf("notice feed with an admin token: %d, want 403", s)
	}
	if resp, err := http.Get("http://" + fr.addr + "/feeds/notices/not-a-secret-at-all.atom"); err != nil || resp.StatusCode != 404 {
		t.Errorf("unknown feed: %v %v, want 404", resp.StatusCode, err)
	}
}

// TestMemberLeavesOpportunities: a member who leaves its node leaves the
// open opportunities on the other nodes; a lead who leaves withdraws its
// open opportunity; a won bid keeps its consortium.
func TestMemberLeavesOpportunities(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	MustMesh(t, fr, it)
	lead, leadID := fr.memberClient(t, `{"name":"Atelier Web","country":"FR","competences":["72413000"]}`)
	video, videoID := it.memberClient(t, `{"name":"Cooperativa Video","country":"IT","competences":["92111000"]}`)
	deadline := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	// Two opportunities: one stays open, one is won with the same consortium.
	var frIDs, itIDs []string
	for _, title := range []string{"Ouverte", "Gagnée"} {
		s, o, _ := lead.do("POST", "/api/v1/opportunities", `{"title":{"fr":"`+title+`"},"competences":[{"cpv":"92111000"}],"country":"FR","open_abroad":true,"deadline":"`+deadline+`"}`)
		if s != 201 {
			t.Fatalf("post: %d %v", s, o)
		}
		frIDs = append(frIDs, o["id"].(string))
		var copyID string
		waitFor(t, 5*time.Second, title+" on it", func() (bool, string) {
			o := findOpportunity(it.admin, "", title)
			if o == nil {
				return false, ""
			}
			copyID = o["id"].(string)
			return true, ""
		})
		itIDs = append(itIDs, copyID)
		if s, b, _ := video.do("POST", "/api/v1/opportunities/"+copyID+"/interest", `{}`); s != 201 {
			t.Fatalf("interest: %d %v", s, b)
		}
		var iid string
		waitFor(t, 5*time.Second, "the interest on fr", func() (bool, string) {
			_, o, _ := lead.do("GET", "/api/v1/opportunities/"+frIDs[len(frIDs)-1], "")
			ins, _ := o["interests"].([]any)
			if len(ins) != 1 {
				return false, fmt.Sprint(ins)
			}
			iid = ins[0].(map[string]any)["id"].(string)
			return true, ""
		})
		if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+frIDs[len(frIDs)-1]+"/interests/"+iid+"/accept", ""); s != 200 {
			t.Fatalf("accept: %d %v", s, b)
		}
	}
	for _, st := range []string{`{"status":"submitted"}`, `{"status":"won","outcome":{"amount":"1000","currency":"EUR"}}`} {
		if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+frIDs[1]+"/status", st); s != 200 {
			t.Fatalf("status: %d %v", s, b)
		}
	}
	waitFor(t, 5*time.Second, "both consortia on it", func() (bool, string) {
		_, a, _ := it.admin.do("GET", "/api/v1/opportunities/"+itIDs[0], "")
		_, b, _ := it.admin.do("GET", "/api/v1/opportunities/"+itIDs[1], "")
		return countries(a) == "FR:lead-entity,IT:group-member" && b["status"] == "won", countries(a) + " " + fmt.Sprint(b["status"])
	})

	// The it member leaves its node.
	if s, b, _ := it.admin.do("POST", "/api/v1/members/"+videoID+"/status", `{"status":"alumni"}`); s != 200 {
		t.Fatalf("leave: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "the open consortium without it, on both nodes", func() (bool, string) {
		_, a, _ := fr.admin.do("GET", "/api/v1/opportunities/"+frIDs[0], "")
		_, b, _ := it.admin.do("GET", "/api/v1/opportunities/"+itIDs[0], "")
		ins, _ := a["interests"].([]any)
		state := ""
		if len(ins) == 1 {
			state = fmt.Sprint(ins[0].(map[string]any)["state"])
		}
		return countries(a) == "FR:lead-entity" && countries(b) == "FR:lead-entity" && state == "withdrawn",
			countries(a) + " / " + countries(b) + " / " + state
	})
	_, won, _ := fr.admin.do("GET", "/api/v1/opportunities/"+frIDs[1], "")
	if c := countries(won); c != "FR:lead-entity,IT:group-member" {
		t.Errorf("the won bid's consortium after the departure: %s, want FR and IT kept", c)
	}

	// The lead leaves: its open opportunity is withdrawn everywhere.
	if s, b, _ := fr.admin.do("POST", "/api/v1/members/"+leadID+"/status", `{"status":"lapsed"}`); s != 200 {
		t.Fatalf("lead leaves: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "the open opportunity withdrawn on it", func() (bool, string) {
		_, o, _ := it.admin.do("GET", "/api/v1/opportunities/"+itIDs[0], "")
		return o["status"] == "withdrawn", fmt.Sprint(o["status"])
	})
	if _, o, _ := fr.admin.do("GET", "/api/v1/opportunities/"+frIDs[1], ""); o["status"] != "won" {
		t.Errorf("the won bid after the lead left: %v, want won", o["status"])
	}
}
