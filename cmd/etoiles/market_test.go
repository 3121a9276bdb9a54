package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
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
	_, body, _ := c.do("GET", "/api/v1/market/notices", "")
	var out []map[string]any
	items, _ := body["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

func hasNotice(ns []map[string]any, kind, listing string) bool {
	for _, n := range ns {
		if n["kind"] == kind && (listing == "" || n["listing_id"] == listing) {
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
}
