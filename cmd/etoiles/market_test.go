package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/httpsig"
)

// MustMesh peers every node with every other and waits until all the
// follows are accepted.
func MustMesh(tb testing.TB, nodes ...*testNode) {
	tb.Helper()
	for _, a := range nodes {
		for _, b := range nodes {
			if a == b {
				continue
			}
			if s, body, _ := a.admin.do("POST", "/api/v1/peers", `{"url":"`+b.actor()+`"}`); s != 201 {
				tb.Fatalf("%s adds peer %s: %d %v", a.name, b.name, s, body)
			}
		}
	}
	for _, n := range nodes {
		waitFor(tb, 10*time.Second, n.name+"'s peers accepted", func() (bool, string) {
			st := n.peerStates()
			return strings.Count(st, "=accepted") == len(nodes)-1, st
		})
	}
}

// mustMember registers an active member on a node and returns a client
// with its member token.
func (n *testNode) mustMember(id, country, competence string) client {
	n.tb.Helper()
	body := fmt.Sprintf(`{"id":%q,"name":%q,"country":%q,"summary":{"en":"a co-op"},"languages":["en"],"competences":[%q]}`, id, "Coop "+id, country, competence)
	if s, b, _ := n.admin.do("POST", "/api/v1/members", body); s != 201 {
		n.tb.Fatalf("create member %s on %s: %d %v", id, n.name, s, b)
	}
	return client{n.tb, "http://" + n.addr, mustToken(n.tb, n.dir, "--role", "member", "--member", id)}
}

// listingsOn returns the listings a node's API lists for a query, by id.
func listingsOn(c client, query string) map[string]map[string]any {
	_, body, _ := c.do("GET", "/api/v1/listings?"+query, "")
	out := map[string]map[string]any{}
	items, _ := body["items"].([]any)
	for _, it := range items {
		l := it.(map[string]any)
		out[l["id"].(string)] = l
	}
	return out
}

func responsesOn(c client, listing string) []map[string]any {
	_, body, _ := c.do("GET", "/api/v1/listings/"+listing+"/responses", "")
	var out []map[string]any
	items, _ := body["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

func noticesOn(c client) []map[string]any {
	_, body, _ := c.do("GET", "/api/v1/notices", "")
	var out []map[string]any
	items, _ := body["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

// hasNotice reports whether a marketplace notice of this kind about
// this listing is among ns (ref "{listing}#{kind}[:{other}]").
func hasNotice(ns []map[string]any, kind, listing string) bool {
	for _, n := range ns {
		ref, _ := n["ref"].(string)
		if n["kind"] == "listing" && (ref == listing+"#"+kind || strings.HasPrefix(ref, listing+"#"+kind+":")) {
			return true
		}
	}
	return false
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestMarketplaceAcrossNodes(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	es := MustFederatedNode(t, "es", "ES")
	MustMesh(t, fr, it, es)
	spip := fr.mustMember("atelier-spip", "FR", "72413000")
	other := fr.mustMember("autre-scop", "FR", "79000000")
	rete := it.mustMember("coop-rete", "IT", "72000000")
	sol := es.mustMember("coop-sol", "ES", "72000000")

	// A need on es, open before the offer exists: the offer's arrival
	// notifies its owner (matching anywhere in the network).
	s, need, _ := sol.do("POST", "/api/v1/listings", `{"side":"need","kind":"service","title":{"es":"Sitio web cooperativo"},
		"cpv":["72000000"],"quantity":{"unit":"one","value":1},"scope":"international"}`)
	if s != 201 {
		t.Fatalf("need on es: %d %v", s, need)
	}

	s, offer, _ := spip.do("POST", "/api/v1/listings", `{"side":"offer","kind":"product",
		"title":{"fr":"Paquet de site SPIP avec formation et hotline","en":"SPIP site package with training and hotline"},
		"description":{"en":"A ready SPIP site, two days of training and a year of hotline."},
		"cpv":["72413000"],"quantity":{"unit":"one","value":10},"price":{"currency":"EUR","amount":150000},
		"scope":"international"}`)
	if s != 201 {
		t.Fatalf("offer on fr: %d %v", s, offer)
	}
	local := offer["id"].(string)
	remote := local + "@" + fr.addr
	// An offer on fr is seen on it (and es).
	for _, c := range []client{rete, sol} {
		waitFor(t, 5*time.Second, "the offer on "+c.base, func() (bool, string) {
			ls := listingsOn(c, "side=offer&cpv=72000000&country=FR")
			l := ls[remote]
			return l != nil && l["origin"] == fr.actor(), jsonString(ls)
		})
	}
	waitFor(t, 5*time.Second, "es's need owner notified of the match", func() (bool, string) {
		ns := noticesOn(sol)
		return hasNotice(ns, "match", need["id"].(string)), jsonString(ns)
	})
	// Matching runs in the matcher consumer, from both sides: the offer's
	// owner hears of es's need; a redelivered event adds nothing; a need
	// posted on it after the offer finds it.
	matchedThroughConsumer(t, es, sol, need["id"].(string), remote)
	// An admin reads a member's notices with ?member=; a member token
	// only its own.
	if _, b, _ := es.admin.do("GET", "/api/v1/notices?member=coop-sol", ""); countMatches(toMaps(b["items"]), need["id"].(string), remote) != 1 {
		t.Errorf("es's admin reading coop-sol's notices: %v", b)
	}
	if s, b, _ := sol.do("GET", "/api/v1/notices?member=coop-other", ""); s != 403 {
		t.Errorf("a member token reading another member's notices: %d %v, want 403", s, b)
	}
	waitFor(t, 5*time.Second, "fr's offer owner notified of es's need", func() (bool, string) {
		return countMatches(noticesOn(spip), local, need["id"].(string)+"@"+es.addr) == 1, jsonString(noticesOn(spip))
	})
	s, later, _ := rete.do("POST", "/api/v1/listings", `{"side":"need","kind":"product","title":{"it":"Sito SPIP"},
		"cpv":["72400000"],"quantity":{"unit":"one","value":1},"scope":"international"}`)
	if s != 201 {
		t.Fatalf("need on it: %d %v", s, later)
	}
	waitFor(t, 5*time.Second, "a need posted after the offer matches it", func() (bool, string) {
		ns := noticesOn(rete)
		return countMatches(ns, later["id"].(string), remote) == 1, jsonString(ns)
	})
	waitFor(t, 5*time.Second, "fr's offer owner notified of it's later need", func() (bool, string) {
		return countMatches(noticesOn(spip), local, later["id"].(string)+"@"+it.addr) == 1, jsonString(noticesOn(spip))
	})

	// Bad responses are refused with field-level details.
	if s, b, _ := rete.do("POST", "/api/v1/listings/"+remote+"/respond", `{"quantity":{"unit":"month","value":2}}`); s != 400 || !strings.Contains(jsonString(b["errors"]), "quantity.unit") {
		t.Errorf("unit mismatch: %d %v, want 400 on quantity.unit", s, b)
	}
	if s, b, _ := rete.do("POST", "/api/v1/listings/"+remote+"/respond", `{"quantity":{"value":-2}}`); s != 400 || !strings.Contains(jsonString(b["errors"]), "quantity.value") {
		t.Errorf("negative quantity: %d %v, want 400 on quantity.value", s, b)
	}

	// A member on it responds: an Offer(Agreement) reaches fr.
	s, resp, _ := rete.do("POST", "/api/v1/listings/"+remote+"/respond", `{"quantity":{"unit":"one","value":2},"terms":{"en":"Delivery in January"}}`)
	if s != 201 || resp["status"] != "pending" {
		t.Fatalf("respond on it: %d %v", s, resp)
	}
	var rid string
	waitFor(t, 5*time.Second, "the response on fr", func() (bool, string) {
		rs := responsesOn(spip, local)
		if len(rs) == 1 {
			rid, _ = rs[0]["id"].(string)
		}
		return len(rs) == 1 && rs[0]["responder"] == "coop-rete@"+it.addr && rs[0]["status"] == "pending", jsonString(rs)
	})
	if !hasNotice(noticesOn(spip), "response", local) {
		t.Errorf("the owner got no notice of the response: %v", noticesOn(spip))
	}
	// Its link is absolute, in the API and in the member's Atom feed, so
	// that a feed reader can follow it.
	wantLink := "http://" + fr.addr + "/api/v1/listings/" + local
	if ns := noticesOn(spip); len(ns) == 0 || ns[0]["url"] != wantLink {
		t.Errorf("market notice links: %v, want %s", ns, wantLink)
	}
	if _, b, _ := spip.do("GET", "/api/v1/notices", ""); !strings.Contains(jsonString(b), `"url":"`+wantLink+`"`) {
		t.Errorf("GET /api/v1/notices: %v, want a link %s", b, wantLink)
	}
	_, feed, _ := spip.do("GET", "/api/v1/notices/feed", "")
	feedURL, _ := feed["url"].(string)
	feedResp, err := http.Get(feedURL)
	if err != nil {
		t.Fatal(err)
	}
	atom, _ := io.ReadAll(feedResp.Body)
	feedResp.Body.Close()
	// The feed links the listing's web page, which a feed reader opens.
	if page := "http://" + fr.addr + "/market/" + local; !strings.Contains(string(atom), `href="`+page+`"`) {
		t.Errorf("notice feed %s: %s, want a link %s", feedURL, atom, page)
	}

	// Acceptance by a non-owner is refused; the owner accepts.
	if s, b, _ := other.do("POST", "/api/v1/listings/"+local+"/responses/"+rid+"/accept", ""); s != 403 {
		t.Errorf("accept by a non-owner: %d %v, want 403", s, b)
	}
	s, accepted, _ := spip.do("POST", "/api/v1/listings/"+local+"/responses/"+rid+"/accept", "")
	if s != 200 || accepted["status"] != "accepted" {
		t.Fatalf("accept by the owner: %d %v", s, accepted)
	}
	ag := accepted["agreement"].(map[string]any)
	if amount := ag["amount"].(map[string]any); amount["amount"] != 300000.0 || ag["provider"] != "atelier-spip" || ag["receiver"] != "coop-rete@"+it.addr {
		t.Errorf("agreement on fr = %v, want 300000 EUR from atelier-spip to coop-rete", ag)
	}
	if s, b, _ := spip.do("POST", "/api/v1/listings/"+local+"/responses/"+rid+"/accept", ""); s != 409 {
		t.Errorf("second accept: %d %v, want 409", s, b)
	}
	// The agreement is visible to both.
	waitFor(t, 5*time.Second, "the agreement on it", func() (bool, string) {
		rs := responsesOn(rete, remote)
		if len(rs) != 1 || rs[0]["status"] != "accepted" {
			return false, jsonString(rs)
		}
		got := rs[0]["agreement"].(map[string]any)
		amount, _ := got["amount"].(map[string]any)
		return got["id"] == ag["id"] && amount["amount"] == 300000.0 && got["provider"] == "atelier-spip@"+fr.addr && got["receiver"] == "coop-rete", jsonString(got)
	})
	if !hasNotice(noticesOn(rete), "accepted", remote) {
		t.Errorf("the responder got no notice of the acceptance: %v", noticesOn(rete))
	}
	waitFor(t, 5*time.Second, "the committed quantity on es", func() (bool, string) {
		l := listingsOn(sol, "side=offer")[remote]
		return l != nil && l["committed"] == 2.0, jsonString(l)
	})

	// The owner withdraws the offer: peers delete it.
	if s, b, _ := spip.do("DELETE", "/api/v1/listings/"+local, ""); s != 204 {
		t.Fatalf("delete: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "the offer gone from it", func() (bool, string) {
		ls := listingsOn(rete, "side=offer")
		return ls[remote] == nil, jsonString(ls)
	})

	t.Run("group purchase reaches its target across two countries", func(t *testing.T) {
		deadline := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		s, gp, _ := fr.admin.do("POST", "/api/v1/listings", `{"side":"need","kind":"group-purchase",
			"title":{"en":"Group purchase of 10 laptops","fr":"Achat groupé de 10 ordinateurs portables"},
			"cpv":["30213100"],"quantity":{"unit":"one","value":10},"price":{"currency":"EUR","amount":90000},
			"scope":"international","deadline":"`+deadline+`"}`)
		if s != 201 {
			t.Fatalf("group purchase on fr: %d %v", s, gp)
		}
		id := gp["id"].(string) + "@" + fr.addr
		for _, c := range []client{rete, sol} {
			waitFor(t, 5*time.Second, "the group purchase on "+c.base, func() (bool, string) {
				return listingsOn(c, "kind=group-purchase")[id] != nil, ""
			})
		}
		if s, b, _ := rete.do("POST", "/api/v1/listings/"+id+"/respond", `{"quantity":{"value":6}}`); s != 201 {
			t.Fatalf("commit on it: %d %v", s, b)
		}
		waitFor(t, 5*time.Second, "it's commitment counted everywhere", func() (bool, string) {
			l := listingsOn(sol, "kind=group-purchase")[id]
			return l != nil && l["committed"] == 6.0 && l["status"] == "open", jsonString(l)
		})
		if s, b, _ := sol.do("POST", "/api/v1/listings/"+id+"/respond", `{"quantity":{"value":4}}`); s != 201 {
			t.Fatalf("commit on es: %d %v", s, b)
		}
		for _, c := range []client{fr.admin, rete, sol} {
			waitFor(t, 5*time.Second, "the purchase reached on "+c.base, func() (bool, string) {
				ls := listingsOn(c, "kind=group-purchase")
				l := ls[id]
				if c.base == fr.admin.base {
					l = ls[gp["id"].(string)]
				}
				return l != nil && l["status"] == "reached" && l["committed"] == 10.0, jsonString(l)
			})
		}
		// Participants are notified on their own nodes.
		for _, c := range []client{rete, sol} {
			waitFor(t, 5*time.Second, "the closing notice on "+c.base, func() (bool, string) {
				ns := noticesOn(c)
				return hasNotice(ns, "closed", id) && hasNotice(ns, "accepted", id), jsonString(ns)
			})
		}
		// A response to the closed listing is refused.
		if s, b, _ := sol.do("POST", "/api/v1/listings/"+id+"/respond", `{"quantity":{"value":1}}`); s != 409 {
			t.Errorf("response to a closed listing: %d %v, want 409", s, b)
		}
	})

	// it blocks fr: fr's listings leave it's marketplace, as its members
	// leave the catalogue; nobody on it can answer them any more.
	var frID string
	_, peers, _ := it.admin.do("GET", "/api/v1/peers", "")
	for _, p := range toMaps(peers["items"]) {
		if p["url"] == fr.actor() {
			frID = fmt.Sprint(p["id"])
		}
	}
	if s, b, _ := it.admin.do("POST", "/api/v1/peers/"+frID+"/block", ""); s != 200 {
		t.Fatalf("it blocks fr: %d %v", s, b)
	}
	if ls := listingsOn(rete, "origin="+fr.actor()); len(ls) != 0 {
		t.Errorf("fr's listings on it after the block: %v, want none", jsonString(ls))
	}
	if s, b, _ := rete.do("POST", "/api/v1/listings/"+remote+"/respond", `{"quantity":{"value":1}}`); s != 404 {
		t.Errorf("a response to a blocked peer's listing: %d %v, want 404", s, b)
	}
	if ls := listingsOn(sol, "origin="+fr.actor()); len(ls) == 0 {
		t.Errorf("es, which did not block fr, lost fr's listings")
	}
}

// activity encodes an activity for the fake peer to sign.
func marketActivity(v map[string]any) []byte {
	v["@context"] = []any{"https://www.w3.org/ns/activitystreams", map[string]any{"vf": "https://w3id.org/valueflows/ont/vf#", "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/"}}
	b, _ := json.Marshal(v)
	return b
}

func offerOf(id, actor, member, proposal string, qty int) []byte {
	return marketActivity(map[string]any{"id": id, "type": "Offer", "actor": actor, "to": []string{},
		"object": map[string]any{"type": "Agreement", "attributedTo": member,
			"stipulates": map[string]any{"type": "Commitment", "satisfies": proposal + "#primary",
				"resourceQuantity": map[string]any{"hasUnit": "year", "hasNumericalValue": fmt.Sprint(qty)}}}})
}

// TestMarketplaceRefusesForgeries drives fr's inbox with fake peers:
// Offers from a stranger, replays, Offers for another host's member,
// Accepts from a node that does not own the listing, listing changes by
// another host.
func TestMarketplaceRefusesForgeries(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	peer, other, stranger := newFakePeer(t), newFakePeer(t), newFakePeer(t)
	for _, p := range []*fakePeer{peer, other} {
		if s, b, _ := fr.admin.do("POST", "/api/v1/peers", `{"url":"`+p.actor()+`"}`); s != 201 {
			t.Fatalf("add a fake peer: %d %v", s, b)
		}
	}
	spip := fr.mustMember("atelier-spip", "FR", "72413000")
	fr.mustMember("coop-b", "FR", "72000000")
	s, offer, _ := spip.do("POST", "/api/v1/listings", `{"side":"offer","kind":"service","title":{"en":".coop domain registration"},
		"cpv":["72400000"],"quantity":{"unit":"year","value":100},"scope":"international"}`)
	if s != 201 {
		t.Fatalf("offer: %d %v", s, offer)
	}
	local := offer["id"].(string)
	proposal := "http://" + fr.addr + "/listings/" + local
	inbox := "http://" + fr.addr + "/inbox"
	send := func(p *fakePeer, body []byte, want int) {
		t.Helper()
		if s, b := post(t, inbox, body, p.key, p.keyID(), time.Now(), nil); s != want {
			t.Fatalf("post: %d %s, want %d", s, b, want)
		}
	}

	// The Proposal is served to a signed GET of a peer only.
	get := func(p *fakePeer) (int, map[string]any) {
		req, _ := http.NewRequest("GET", proposal, nil)
		req.Header.Set("Accept", "application/activity+json")
		if p != nil {
			if err := httpsig.Sign(req, nil, p.key, p.keyID(), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&doc)
		return resp.StatusCode, doc
	}
	if s, doc := get(peer); s != 200 || doc["type"] != "Proposal" || doc["id"] != proposal || doc["purpose"] != "offer" {
		t.Errorf("signed GET of the proposal by a peer: %d %v", s, doc)
	}
	if s, _ := get(nil); s != 401 {
		t.Errorf("unsigned GET of the proposal: %d, want 401", s)
	}
	if s, _ := get(stranger); s != 403 {
		t.Errorf("GET of the proposal by a stranger: %d, want 403", s)
	}

	// A forged Offer from a signer that is no peer: 403 at the inbox.
	send(stranger, offerOf(stranger.srv.URL+"/offer-1", stranger.actor(), stranger.srv.URL+"/members/x", proposal, 1), 403)
	// An Offer for a member of another host is dropped; a good one is
	// recorded once, however often it is replayed.
	send(peer, offerOf(peer.srv.URL+"/activities/offer-forged", peer.actor(), "http://elsewhere.example/members/x", proposal, 1), 202)
	good := offerOf(peer.srv.URL+"/activities/offer-r-1", peer.actor(), peer.srv.URL+"/members/coop-x", proposal, 3)
	for i := 0; i < 3; i++ {
		send(peer, good, 202)
	}
	// A unit the listing does not count in: recorded as rejected, and a
	// Reject goes back.
	wrongUnit := bytes.Replace(offerOf(peer.srv.URL+"/activities/offer-r-2", peer.actor(), peer.srv.URL+"/members/coop-x", proposal, 1), []byte(`"year"`), []byte(`"month"`), 1)
	send(peer, wrongUnit, 202)
	var rs []map[string]any
	waitFor(t, 5*time.Second, "the good offer recorded once", func() (bool, string) {
		rs = responsesOn(fr.admin, local)
		return len(rs) == 2, jsonString(rs)
	})
	time.Sleep(200 * time.Millisecond) // the replays and the forged Offer are processed by now
	rs = responsesOn(fr.admin, local)
	host := strings.TrimPrefix(peer.srv.URL, "http://")
	byID := map[string]map[string]any{}
	for _, r := range rs {
		byID[r["id"].(string)] = r
	}
	if len(rs) != 2 || byID["r-1@"+host]["status"] != "pending" || byID["r-1@"+host]["responder"] != "coop-x@"+host || byID["r-2@"+host]["status"] != "rejected" {
		t.Fatalf("responses = %s, want r-1 pending from coop-x and r-2 rejected", jsonString(rs))
	}
	before := peer.received.Load()
	if s, b, _ := spip.do("POST", "/api/v1/listings/"+local+"/responses/r-1@"+host+"/accept", ""); s != 200 {
		t.Fatalf("accept: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "the Reject and the Accept delivered to the peer", func() (bool, string) {
		return peer.received.Load() >= before+1, fmt.Sprint(peer.received.Load())
	})

	// The peer publishes a need; fr's coop-b answers it.
	need := peer.srv.URL + "/listings/l-need"
	create := func(p *fakePeer, id, object string, status string) []byte {
		return marketActivity(map[string]any{"id": id, "type": "Create", "actor": p.actor(),
			"object": map[string]any{"id": object, "type": "Proposal", "name": "Shared printing contract", "purpose": "request",
				"listingKind": "service", "listingScope": "international", "listingStatus": status, "country": "IT", "cpvCodes": []string{"79800000"},
				"publishes": map[string]any{"type": "Intent", "resourceQuantity": map[string]any{"hasUnit": "one", "hasNumericalValue": "1"}}}})
	}
	send(peer, create(peer, peer.srv.URL+"/activities/c1", need, "open"), 202)
	// Another host may not publish a listing under the peer's name.
	send(other, create(other, other.srv.URL+"/activities/c2", need, "closed"), 403)
	needID := "l-need@" + host
	waitFor(t, 5*time.Second, "the peer's need on fr", func() (bool, string) {
		l := listingsOn(fr.admin, "side=need")[needID]
		return l != nil && l["status"] == "open", jsonString(l)
	})
	coopB := client{t, "http://" + fr.addr, mustToken(t, fr.dir, "--role", "member", "--member", "coop-b")}
	s, resp, _ := coopB.do("POST", "/api/v1/listings/"+needID+"/respond", `{"quantity":{"value":1}}`)
	if s != 201 {
		t.Fatalf("respond to the peer's need: %d %v", s, resp)
	}
	offerID := "http://" + fr.addr + "/activities/offer-" + resp["id"].(string)
	accept := func(p *fakePeer, id string, qty int) []byte {
		return marketActivity(map[string]any{"id": id, "type": "Accept", "actor": p.actor(), "object": offerID,
			"result": map[string]any{"id": p.srv.URL + "/agreements/a-" + fmt.Sprint(qty), "type": "Agreement",
				"stipulates": map[string]any{"type": "Commitment", "satisfies": need + "#primary",
					"resourceQuantity": map[string]any{"hasUnit": "one", "hasNumericalValue": fmt.Sprint(qty)}}}})
	}
	// An Accept from a peer that does not own the listing changes nothing.
	send(other, accept(other, other.srv.URL+"/activities/acc-0", 9), 202)
	send(peer, accept(peer, peer.srv.URL+"/activities/acc-1", 1), 202)
	waitFor(t, 5*time.Second, "the acceptance on fr", func() (bool, string) {
		rs := responsesOn(coopB, needID)
		return len(rs) == 1 && rs[0]["status"] == "accepted", jsonString(rs)
	})
	// A second Accept (replayed or new) does not change the agreement.
	send(peer, accept(peer, peer.srv.URL+"/activities/acc-1", 1), 202)
	send(peer, accept(peer, peer.srv.URL+"/activities/acc-2", 7), 202)
	time.Sleep(200 * time.Millisecond)
	rs = responsesOn(coopB, needID)
	ag, _ := rs[0]["agreement"].(map[string]any)
	if ag["id"] != "a-1" || ag["quantity"].(map[string]any)["value"] != 1.0 {
		t.Errorf("agreement = %s, want a-1 for 1 unit", jsonString(ag))
	}
}

// TestSharedServiceThroughTheAPI subscribes co-ops to a shared service,
// lets one lapse (the member event reaches the marketplace over NATS and
// unsubscribes it at once) and reads the month's shares as JSON and CSV.
func TestSharedServiceThroughTheAPI(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	a := fr.mustMember("coop-a", "FR", "79500000")
	fr.mustMember("coop-b", "FR", "79500000")
	s, svc, _ := fr.admin.do("POST", "/api/v1/listings", `{"side":"offer","kind":"shared-service",
		"title":{"fr":"Télésecrétariat partagé, 20 heures par mois"},"cpv":["79512000"],"quantity":{"unit":"hour","value":20},
		"cost_model":{"currency":"EUR","amount":100001,"rule":"equal"}}`)
	if s != 201 {
		t.Fatalf("shared service: %d %v", s, svc)
	}
	id := svc["id"].(string)
	if s, b, _ := a.do("POST", "/api/v1/listings/"+id+"/subscriptions", `{"member":"coop-b"}`); s != 403 {
		t.Errorf("a member subscribing another: %d %v, want 403", s, b)
	}
	for _, body := range []string{`{"member":"coop-a"}`, `{"member":"coop-b"}`} {
		if s, b, _ := fr.admin.do("POST", "/api/v1/listings/"+id+"/subscriptions", body); s != 201 {
			t.Fatalf("subscribe %s: %d %v", body, s, b)
		}
	}
	if s, b, _ := fr.admin.do("POST", "/api/v1/listings/"+id+"/subscriptions", `{"member":"coop-a"}`); s != 409 {
		t.Errorf("subscribing twice: %d %v, want 409", s, b)
	}
	period := time.Now().UTC().Format("2006-01")
	lines := func() map[string]float64 {
		_, st, _ := fr.admin.do("GET", "/api/v1/listings/"+id+"/shares?period="+period, "")
		out := map[string]float64{}
		items, _ := st["lines"].([]any)
		for _, it := range items {
			l := it.(map[string]any)
			out[l["member"].(string)] = l["amount"].(float64)
		}
		return out
	}
	if got := lines(); got["coop-a"]+got["coop-b"] != 100001 || got["coop-a"] != 50001 {
		t.Errorf("shares before the lapse = %v, want 50001 + 50000", got)
	}
	if s, b, _ := fr.admin.do("POST", "/api/v1/members/coop-b/status", `{"status":"lapsed"}`); s != 200 {
		t.Fatalf("lapse: %d %v", s, b)
	}
	// coop-b joined and lapsed today: it owes nothing for the month.
	waitFor(t, 5*time.Second, "coop-b unsubscribed", func() (bool, string) {
		got := lines()
		return len(got) == 1 && got["coop-a"] == 100001, fmt.Sprint(got)
	})
	if _, b, _ := fr.admin.do("GET", "/api/v1/notices", ""); !hasNotice(toMaps(b["items"]), "unsubscribed", id) {
		t.Errorf("admins were not told: %v", b)
	}
	s, b, h := fr.admin.do("GET", "/api/v1/listings/"+id+"/shares.csv?period="+period, "")
	csv, _ := b["_raw"].(string)
	if s != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(csv, ",coop-a,") || !strings.Contains(csv, ",TOTAL,") || !strings.Contains(csv, "100001,EUR") {
		t.Errorf("CSV: %d %s\n%s", s, h.Get("Content-Type"), csv)
	}
	if s, b, _ := fr.admin.do("GET", "/api/v1/listings/"+id+"/shares?period=November", ""); s != 400 || !strings.Contains(jsonString(b["errors"]), "period") {
		t.Errorf("bad period: %d %v, want 400 on period", s, b)
	}
}

func toMaps(v any) []map[string]any {
	items, _ := v.([]any)
	var out []map[string]any
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

// TestListingsReachANewPeer checks that a peer admitted after listings
// were published receives them (the backfill that follows its Follow).
func TestListingsReachANewPeer(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	s, l, _ := fr.admin.do("POST", "/api/v1/listings", `{"side":"offer","kind":"service","title":{"fr":"Distribution de domaines .coop"},
		"cpv":["72400000"],"quantity":{"unit":"year","value":50},"price":{"currency":"EUR","amount":2500},"scope":"international"}`)
	if s != 201 {
		t.Fatalf("offer: %d %v", s, l)
	}
	MustMesh(t, fr, it)
	id := l["id"].(string) + "@" + fr.addr
	waitFor(t, 5*time.Second, "the earlier offer on it", func() (bool, string) {
		got := listingsOn(it.admin, "origin=remote")
		return got[id] != nil && got[id]["price"].(map[string]any)["amount"] == 2500.0, jsonString(got)
	})
}

// TestListingEditsPropagate patches a listing on its node and checks the
// peer's copy follows, and that a peer cannot patch it.
func TestListingEditsPropagate(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	MustMesh(t, fr, it)
	s, l, _ := fr.admin.do("POST", "/api/v1/listings", `{"side":"need","kind":"service","title":{"fr":"Contrat d'impression partagé"},
		"cpv":["79800000"],"quantity":{"unit":"month","value":12},"scope":"national"}`)
	if s != 201 {
		t.Fatalf("need: %d %v", s, l)
	}
	local := l["id"].(string)
	remote := local + "@" + fr.addr
	waitFor(t, 5*time.Second, "the need on it", func() (bool, string) { return listingsOn(it.admin, "side=need")[remote] != nil, "" })
	if s, b, _ := fr.admin.do("PATCH", "/api/v1/listings/"+local, `{"title":{"fr":"Contrat d'impression partagé","en":"Shared printing contract"},"quantity":{"unit":"month","value":-1}}`); s != 400 {
		t.Errorf("patch with a negative quantity: %d %v, want 400", s, b)
	}
	if s, b, _ := fr.admin.do("PATCH", "/api/v1/listings/"+local, `{"title":{"fr":"Contrat d'impression partagé","en":"Shared printing contract"},"status":"closed"}`); s != 200 {
		t.Fatalf("patch: %d %v", s, b)
	}
	waitFor(t, 5*time.Second, "the edit on it", func() (bool, string) {
		got := listingsOn(it.admin, "side=need")[remote]
		title, _ := got["title"].(map[string]any)
		return got != nil && title["en"] == "Shared printing contract" && got["status"] == "closed", jsonString(got)
	})
	if s, b, _ := it.admin.do("PATCH", "/api/v1/listings/"+remote, `{"status":"open"}`); s != 403 {
		t.Errorf("patching a peer's listing: %d %v, want 403", s, b)
	}
	if s, b, _ := it.admin.do("DELETE", "/api/v1/listings/"+remote, ""); s != 403 {
		t.Errorf("deleting a peer's listing: %d %v, want 403", s, b)
	}
}
