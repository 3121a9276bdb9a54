package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// call sends a JSON request with a bearer token and decodes the answer.
// Unlike do it never fails the test, so that it can be polled while a
// node is away.
func (nd *national) call(method, path, token, body string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, nd.base()+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	v := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil && resp.StatusCode != http.StatusNoContent {
		return resp.StatusCode, nil, fmt.Errorf("%s %s = %d, not JSON: %v", method, path, resp.StatusCode, err)
	}
	return resp.StatusCode, v, nil
}

// fetch is a GET that must answer 200.
func (nd *national) fetch(path, token string) (map[string]any, error) {
	st, v, err := nd.call("GET", path, token, "")
	if err == nil && st != http.StatusOK {
		err = fmt.Errorf("%s: GET %s = %d %v", nd.hostname, path, st, v)
	}
	return v, err
}

// must sends a request and fails the test unless the node answers want.
func (nd *national) must(tb testing.TB, want int, method, path, token, body string) map[string]any {
	tb.Helper()
	st, v, err := nd.call(method, path, token, body)
	if err != nil || st != want {
		tb.Fatalf("%s: %s %s = %d %v %v, want %d", nd.hostname, method, path, st, v, err, want)
	}
	return v
}

// memberToken mints a member co-op's token inside the container, as
// its admin would: etoiles token --role member --member ID.
func (nd *national) memberToken(tb testing.TB, id string) string {
	tb.Helper()
	tok := strings.TrimSpace(nd.exec(tb, "/etoiles", "token", "--data", "/data", "--role", "member", "--member", id))
	if strings.Count(tok, ".") != 2 {
		tb.Fatalf("etoiles token --member %s printed %q, want a JWT", id, tok)
	}
	return tok
}

// mustMember creates an active member with the competences and returns
// its member token.
func (nd *national) mustMember(tb testing.TB, id, name string, cpv ...string) string {
	tb.Helper()
	codes, _ := json.Marshal(cpv)
	nd.must(tb, http.StatusCreated, "POST", "/api/v1/members", nd.admin,
		fmt.Sprintf(`{"id":%q,"name":%q,"country":%q,"languages":["fr","en"],"competences":%s}`, id, name, nd.country, codes))
	return nd.memberToken(tb, id)
}

// items returns the items of a list answer.
func items(v map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := v["items"].([]any)
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// titled returns the only item of a list whose field (a language map)
// says title in French.
func titled(nd *national, path, token, field, title string) (map[string]any, error) {
	v, err := nd.fetch(path, token)
	if err != nil {
		return nil, err
	}
	var found []map[string]any
	for _, it := range items(v) {
		if m, _ := it[field].(map[string]any); m != nil && m["fr"] == title {
			found = append(found, it)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%s: GET %s has %d items titled %q: %v", nd.hostname, path, len(found), title, v)
	}
	return found[0], nil
}

// consortium returns an opportunity's consortium as "FR:lead-entity,IT:group-member".
func consortium(o map[string]any) string {
	var out []string
	list, _ := o["consortium"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, fmt.Sprint(m["country"], ":", m["role"]))
	}
	return strings.Join(out, ",")
}

// remoteTitles returns the French titles of the remote items of a news
// or events list, each with its origin.
func remoteTitles(nd *national, path, field string) (map[string]string, error) {
	v, err := nd.fetch(path+"?origin=remote", "")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, it := range items(v) {
		m, _ := it[field].(map[string]any)
		out[fmt.Sprint(m["fr"])] = fmt.Sprint(it["origin"])
	}
	if total, _ := v["total"].(float64); total != 0 && int(total) != len(out) {
		return out, fmt.Errorf("%s: GET %s has total %v for %d distinct titles: %v", nd.hostname, path, v["total"], len(out), v)
	}
	return out, nil
}

// opportunityScenarioTitle is the opportunity fr posts in TestCooperationScenario.
const opportunityScenarioTitle = "Site, hébergement et vidéo pour une SCIC"

// TestCooperationScenario runs fr, it and es in their containers through
// the cooperation features, then stops es while fr keeps changing them:
//
//   - fr's co-op posts an opportunity needing web design, hosting and
//     video; it and es list it as cross-border, fr suggests the
//     three-country consortium; it's video co-op expresses interest from
//     its own node, fr's lead accepts, es sees the FR+IT consortium and
//     the bid won;
//   - a news item and an event posted on fr reach it and es, their APIs
//     and their feeds;
//   - a marketplace offer on fr is seen on it, it's co-op responds, fr's
//     owner accepts, and both see the same agreement;
//   - es stopped with SIGTERM while it's co-op joins a second bid, fr's
//     lead moves it on and fr posts and edits news: once started again,
//     es converges and fr has nothing pending or dead for it.
func TestCooperationScenario(t *testing.T) {
	t.Parallel()
	n := mustNetwork(t)
	fr, it, es := mustStartNational(t, n, "fr"), mustStartNational(t, n, "it"), mustStartNational(t, n, "es")
	mustPeerAll(t, fr, it, es)
	c := &coop{fr: fr, it: it, es: es}
	c.web = fr.mustMember(t, "atelier-web", "Atelier Web", "72413000")
	c.video = it.mustMember(t, "coop-video", "Coop Video", "92111000")
	es.mustMember(t, "coop-hosting", "Coop Hosting", "72415000")
	waitCatalogue(t, fr, "country=IT", map[string]string{it.remoteID("coop-video"): "Coop Video"}, 15*time.Second)
	waitCatalogue(t, fr, "country=ES", map[string]string{es.remoteID("coop-hosting"): "Coop Hosting"}, 15*time.Second)

	for _, step := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"opportunity won by a cross-border consortium", c.opportunity},
		{"news and event reach it and es", c.newsAndEvent},
		{"marketplace agreement between fr and it", c.marketplace},
		{"es stopped while fr changes", c.peerStopped},
	} {
		start := time.Now()
		if !t.Run(step.name, step.run) {
			return // the next steps build on this one
		}
		t.Logf("%s: %v", step.name, time.Since(start).Round(time.Millisecond))
	}
}

// coop is the state TestCooperationScenario's steps share.
type coop struct {
	fr, it, es *national
	web, video string // member tokens of fr's atelier-web and it's coop-video
	newsID     string // fr's news item
}

// postOpportunity has fr's atelier-web post an opportunity open to
// partners abroad, and returns fr's id of it and it's and es's.
func (c *coop) postOpportunity(t *testing.T, title string, cpv ...string) (frID, itID, esID string) {
	t.Helper()
	var needs []string
	for _, code := range cpv {
		needs = append(needs, fmt.Sprintf(`{"cpv":%q}`, code))
	}
	deadline := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	o := c.fr.must(t, http.StatusCreated, "POST", "/api/v1/opportunities", c.web, fmt.Sprintf(`{"title":{"fr":%q},
		"competences":[%s],"country":"FR","region":"FR101","deadline":%q,"value":{"amount":"90000","currency":"EUR"},"open_abroad":true}`,
		title, strings.Join(needs, ","), deadline))
	frID = fmt.Sprint(o["id"])
	apID := "http://fr.etoiles.test:8080/opportunities/" + frID
	for _, nd := range []*national{c.it, c.es} {
		var id string
		waitFor(t, 15*time.Second, func() error {
			got, err := titled(nd, "/api/v1/opportunities?scope=cross-border&country=FR&status=active", nd.admin, "title", title)
			if err != nil {
				return err
			}
			if got["origin"] != c.fr.actor() || got["ap_id"] != apID || got["id"] == frID || got["status"] != "active" {
				return fmt.Errorf("%s's copy: %v; want origin %s, ap_id %s, a local id, active", nd.hostname, got, c.fr.actor(), apID)
			}
			id = fmt.Sprint(got["id"])
			return nil
		})
		if nd == c.it {
			itID = id
		} else {
			esID = id
		}
	}
	return frID, itID, esID
}

// join has it's coop-video express interest in an opportunity from its
// own node, and fr's lead accept it.
func (c *coop) join(t *testing.T, frID, itID string) {
	t.Helper()
	in := c.it.must(t, http.StatusCreated, "POST", "/api/v1/opportunities/"+itID+"/interest", c.video,
		`{"competences":["92111000"],"role":"group-member","message":{"fr":"Nous faisons les vidéos."}}`)
	if in["state"] != "pending" {
		t.Errorf("the interest on it: %v, want pending", in)
	}
	var iid string
	waitFor(t, 15*time.Second, func() error {
		o, err := c.fr.fetch("/api/v1/opportunities/"+frID, c.web)
		if err != nil {
			return err
		}
		ins, _ := o["interests"].([]any)
		if len(ins) != 1 {
			return fmt.Errorf("fr's interests: %v, want it's one", o["interests"])
		}
		i, _ := ins[0].(map[string]any)
		if i["state"] != "pending" || i["country"] != "IT" || i["member"] != c.it.remoteID("coop-video") {
			return fmt.Errorf("fr's interest: %v, want coop-video of IT, pending", i)
		}
		iid = fmt.Sprint(i["id"])
		return nil
	})
	c.fr.must(t, http.StatusOK, "POST", "/api/v1/opportunities/"+frID+"/interests/"+iid+"/accept", c.web, "")
	c.fr.must(t, http.StatusConflict, "POST", "/api/v1/opportunities/"+frID+"/interests/"+iid+"/accept", c.web, "")
}

// waitOpportunity waits until nd's copy of an opportunity has that
// status and consortium.
func waitOpportunity(t *testing.T, nd *national, id, status, cons string, timeout time.Duration) map[string]any {
	t.Helper()
	var o map[string]any
	waitFor(t, timeout, func() error {
		var err error
		if o, err = nd.fetch("/api/v1/opportunities/"+id, nd.admin); err != nil {
			return err
		}
		if o["status"] != status || consortium(o) != cons {
			return fmt.Errorf("%s's opportunity %s: %v [%s], want %s [%s]", nd.hostname, id, o["status"], consortium(o), status, cons)
		}
		return nil
	})
	return o
}

func (c *coop) opportunity(t *testing.T) {
	frID, itID, esID := c.postOpportunity(t, opportunityScenarioTitle, "72413000", "72415000", "92111000")

	// fr suggests the consortium of the three countries.
	s := c.fr.must(t, http.StatusOK, "GET", "/api/v1/opportunities/"+frID+"/suggestions?k=1&cross_border=true", c.fr.admin, "")
	var members []string
	if list, _ := s["suggestions"].([]any); len(list) == 1 {
		for _, m := range list[0].(map[string]any)["members"].([]any) {
			mm := m.(map[string]any)
			members = append(members, fmt.Sprint(mm["name"], "/", mm["country"]))
		}
	}
	sort.Strings(members)
	if got := strings.Join(members, " "); got != "Atelier Web/FR Coop Hosting/ES Coop Video/IT" {
		t.Errorf("fr's cross-border suggestion: %s (%v), want the three co-ops", got, s)
	}

	c.join(t, frID, itID)
	const fritaly = "FR:lead-entity,IT:group-member"
	waitOpportunity(t, c.es, esID, "active", fritaly, 15*time.Second)
	waitFor(t, 15*time.Second, func() error {
		o, err := c.it.fetch("/api/v1/opportunities/"+itID, c.video)
		if err != nil {
			return err
		}
		ins, _ := o["interests"].([]any)
		if len(ins) != 1 || ins[0].(map[string]any)["state"] != "accepted" {
			return fmt.Errorf("coop-video's interest on it: %v, want accepted", o["interests"])
		}
		return nil
	})

	c.fr.must(t, http.StatusConflict, "POST", "/api/v1/opportunities/"+frID+"/status", c.web, `{"status":"won","outcome":{"amount":"1","currency":"EUR"}}`)
	for _, st := range []string{`{"status":"forming"}`, `{"status":"submitted"}`, `{"status":"won","outcome":{"amount":"87500.00","currency":"EUR"}}`} {
		c.fr.must(t, http.StatusOK, "POST", "/api/v1/opportunities/"+frID+"/status", c.web, st)
	}
	for _, nd := range []*national{c.es, c.it} {
		id := map[*national]string{c.es: esID, c.it: itID}[nd]
		o := waitOpportunity(t, nd, id, "won", fritaly, 15*time.Second)
		if out, _ := o["outcome"].(map[string]any); out["amount"] != "87500.00" || out["currency"] != "EUR" {
			t.Errorf("%s's won bid: outcome %v, want 87500.00 EUR", nd.hostname, o["outcome"])
		}
	}
}

func (c *coop) newsAndEvent(t *testing.T) {
	news := c.fr.must(t, http.StatusCreated, "POST", "/api/v1/news", c.fr.admin,
		`{"title":{"fr":"Journée SPIP","en":"SPIP day"},"summary":{"fr":"Formation"},"content":{"fr":"<p>Bonjour <script>alert(1)</script></p>"},"tags":["SPIP"]}`)
	c.newsID = fmt.Sprint(news["id"])
	c.fr.must(t, http.StatusCreated, "POST", "/api/v1/events", c.fr.admin, `{"name":{"fr":"Assemblée SPIP"},
		"start":"2027-03-10T08:30:00Z","end":"2027-03-10T16:30:00Z","timezone":"Europe/Paris",
		"address":{"name":"Maison des Scop","locality":"Lyon","country":"FR"},"join_mode":"free","category":"LEARNING"}`)
	link := "http://fr.etoiles.test:8080/news/" + c.newsID
	for _, nd := range []*national{c.it, c.es} {
		waitFor(t, 15*time.Second, func() error {
			nw, err := remoteTitles(nd, "/api/v1/news", "title")
			if err != nil {
				return err
			}
			evs, err := remoteTitles(nd, "/api/v1/events", "name")
			if err != nil {
				return err
			}
			if fmt.Sprint(nw) != fmt.Sprint(map[string]string{"Journée SPIP": c.fr.actor()}) ||
				fmt.Sprint(evs) != fmt.Sprint(map[string]string{"Assemblée SPIP": c.fr.actor()}) {
				return fmt.Errorf("%s's remote news %v and events %v, want fr's one of each", nd.hostname, nw, evs)
			}
			return nil
		})
		v, err := nd.fetch("/api/v1/news?origin=remote", "")
		if err != nil {
			t.Fatal(err)
		}
		item := items(v)[0]
		if item["link"] != link || strings.Contains(fmt.Sprint(item["content"]), "script") {
			t.Errorf("%s's copy of the news: link %v content %v, want %s without the script", nd.hostname, item["link"], item["content"], link)
		}
		// The feeds of each node carry its peers' items too.
		st, atom, err := get(nd.base()+"/feeds/news.atom", "")
		if err != nil || st != http.StatusOK || !strings.Contains(atom, `href="`+link+`"`) {
			t.Errorf("%s's /feeds/news.atom: %d %v, want an entry linking %s:\n%s", nd.hostname, st, err, link, atom)
		}
		st, ics, err := get(nd.base()+"/feeds/events.ics", "")
		if err != nil || st != http.StatusOK || !strings.Contains(ics, "SUMMARY:Assemblée SPIP") || !strings.Contains(ics, "DTSTART") {
			t.Errorf("%s's /feeds/events.ics: %d %v, want fr's event:\n%s", nd.hostname, st, err, ics)
		}
	}
}

func (c *coop) marketplace(t *testing.T) {
	offer := c.fr.must(t, http.StatusCreated, "POST", "/api/v1/listings", c.web, `{"side":"offer","kind":"product",
		"title":{"fr":"Paquet de site SPIP avec formation"},"cpv":["72413000"],"quantity":{"unit":"one","value":10},
		"price":{"currency":"EUR","amount":150000},"scope":"international"}`)
	local := fmt.Sprint(offer["id"])
	remote := local + "@fr.etoiles.test:8080"
	waitFor(t, 15*time.Second, func() error {
		v, err := c.it.fetch("/api/v1/listings?side=offer&country=FR", c.video)
		if err != nil {
			return err
		}
		ls := items(v)
		if len(ls) != 1 || ls[0]["id"] != remote || ls[0]["origin"] != c.fr.actor() {
			return fmt.Errorf("it's offers from FR: %v, want %s from fr", ls, remote)
		}
		return nil
	})
	resp := c.it.must(t, http.StatusCreated, "POST", "/api/v1/listings/"+remote+"/respond", c.video,
		`{"quantity":{"unit":"one","value":2},"terms":{"fr":"Livraison en janvier"}}`)
	if resp["status"] != "pending" {
		t.Errorf("it's response: %v, want pending", resp)
	}
	var rid string
	waitFor(t, 15*time.Second, func() error {
		v, err := c.fr.fetch("/api/v1/listings/"+local+"/responses", c.web)
		if err != nil {
			return err
		}
		rs := items(v)
		if len(rs) != 1 || rs[0]["responder"] != c.it.remoteID("coop-video") || rs[0]["status"] != "pending" {
			return fmt.Errorf("the responses on fr: %v, want coop-video's, pending", rs)
		}
		rid = fmt.Sprint(rs[0]["id"])
		return nil
	})
	acc := c.fr.must(t, http.StatusOK, "POST", "/api/v1/listings/"+local+"/responses/"+rid+"/accept", c.web, "")
	ag, _ := acc["agreement"].(map[string]any)
	amount, _ := ag["amount"].(map[string]any)
	if acc["status"] != "accepted" || amount["amount"] != 300000.0 || ag["provider"] != "atelier-web" || ag["receiver"] != c.it.remoteID("coop-video") {
		t.Fatalf("the agreement on fr: %v, want 300000 EUR from atelier-web to coop-video", acc)
	}
	waitFor(t, 15*time.Second, func() error {
		v, err := c.it.fetch("/api/v1/listings/"+remote+"/responses", c.video)
		if err != nil {
			return err
		}
		rs := items(v)
		if len(rs) != 1 || rs[0]["status"] != "accepted" {
			return fmt.Errorf("coop-video's response on it: %v, want accepted", rs)
		}
		got, _ := rs[0]["agreement"].(map[string]any)
		amount, _ := got["amount"].(map[string]any)
		if got["id"] != ag["id"] || amount["amount"] != 300000.0 || got["provider"] != c.fr.remoteID("atelier-web") || got["receiver"] != "coop-video" {
			return fmt.Errorf("the agreement on it: %v, want fr's %v", got, ag)
		}
		return nil
	})
}

func (c *coop) peerStopped(t *testing.T) {
	const title = "Vidéos sous-titrées pour un festival"
	frID, itID, esID := c.postOpportunity(t, title, "92111000")
	if code := c.es.stop(t); code != 0 {
		t.Fatalf("es stopped with exit code %d, want 0 after SIGTERM", code)
	}
	stopped := time.Now()

	c.join(t, frID, itID)
	c.fr.must(t, http.StatusOK, "POST", "/api/v1/opportunities/"+frID+"/status", c.web, `{"status":"forming"}`)
	c.fr.must(t, http.StatusCreated, "POST", "/api/v1/news", c.fr.admin, `{"title":{"fr":"Assemblée générale de la fédération"}}`)
	c.fr.must(t, http.StatusOK, "PATCH", "/api/v1/news/"+c.newsID, c.fr.admin, `{"title":{"fr":"Journée SPIP (complet)","en":"SPIP day (full)"}}`)
	const fritaly = "FR:lead-entity,IT:group-member"
	waitOpportunity(t, c.it, itID, "forming", fritaly, 15*time.Second) // it is not held up by es
	waitFor(t, 30*time.Second, func() error {
		p, err := c.fr.peer(c.es)
		if err != nil {
			return err
		}
		if p.Delivery.Pending == 0 || p.Delivery.LastError == "" {
			return fmt.Errorf("fr's deliveries to es: %+v, want some pending with a last error", p.Delivery)
		}
		t.Logf("fr's deliveries to es while it is stopped: %+v", p.Delivery)
		return nil
	})

	c.es.start(t)
	c.es.waitReady(t)
	restarted := time.Now()
	t.Logf("es was stopped for %v", restarted.Sub(stopped).Round(time.Millisecond))
	waitOpportunity(t, c.es, esID, "forming", fritaly, 60*time.Second)
	wantNews := map[string]string{"Journée SPIP (complet)": c.fr.actor(), "Assemblée générale de la fédération": c.fr.actor()}
	waitFor(t, 60*time.Second, func() error {
		nw, err := remoteTitles(c.es, "/api/v1/news", "title")
		if err != nil {
			return err
		}
		if fmt.Sprint(nw) != fmt.Sprint(wantNews) {
			return fmt.Errorf("es's remote news: %v, want %v", nw, wantNews)
		}
		return nil
	})
	t.Logf("es converged %v after its restart", time.Since(restarted).Round(time.Millisecond))
	waitFor(t, 60*time.Second, func() error {
		p, err := c.fr.peer(c.es)
		if err != nil {
			return err
		}
		if p.Delivery.Pending != 0 || p.Delivery.Dead != 0 || p.Delivery.Unreachable {
			return fmt.Errorf("fr's deliveries to es: %+v, want none pending or dead", p.Delivery)
		}
		return nil
	})
	// Everything is delivered: es holds exactly fr's state, each item once.
	o, err := c.es.fetch("/api/v1/opportunities?scope=cross-border", c.es.admin)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range items(o) {
		got[fmt.Sprint(it["title"].(map[string]any)["fr"])] = fmt.Sprint(it["status"], " ", consortium(it))
	}
	want := map[string]string{opportunityScenarioTitle: "won " + fritaly, title: "forming " + fritaly}
	if fmt.Sprint(got) != fmt.Sprint(want) || o["total"] != 2.0 {
		t.Errorf("es's cross-border opportunities: %v (total %v), want %v", got, o["total"], want)
	}
}
