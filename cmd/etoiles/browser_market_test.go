package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browserMarket is the marketplace the Chromium test opens: a co-op's
// offer with a pending response, the group's shared service with two
// subscribers, a group purchase, and an Italian need.
type browserMarket struct {
	offer, shared, purchase, remote string
}

func mustBrowserMarket(t *testing.T, fr, it *testNode) browserMarket {
	t.Helper()
	post := func(n *testNode, body string) string {
		s, b, _ := n.admin.do("POST", "/api/v1/listings", body)
		if s != 201 {
			t.Fatalf("post listing on %s: %d %v", n.name, s, b)
		}
		return b["id"].(string)
	}
	var m browserMarket
	m.offer = post(fr, `{"side":"offer","kind":"service","owner":"scop-echo","title":{"fr":"Sous-titrage de vidéos","en":"Video captioning"},
		"description":{"fr":"Sous-titres pour sourds et malentendants, relus."},"cpv":["92111000"],"quantity":{"unit":"hour","value":40},
		"price":{"currency":"EUR","amount":5500,"per":1},"scope":"international"}`)
	m.shared = post(fr, `{"side":"offer","kind":"shared-service","title":{"fr":"Comptable partagé","en":"Shared accountant"},"cpv":["79211000"],
		"quantity":{"unit":"month","value":1},"cost_model":{"currency":"EUR","amount":100000,"rule":"equal"}}`)
	deadline := time.Now().UTC().Add(10 * 24 * time.Hour).Format(time.RFC3339)
	m.purchase = post(fr, `{"side":"need","kind":"group-purchase","title":{"fr":"Achat groupé d'ordinateurs reconditionnés"},"cpv":["30213100"],
		"quantity":{"unit":"one","value":30},"deadline":"`+deadline+`"}`)
	m.remote = post(it, `{"side":"need","kind":"service","title":{"it":"Audiodescrizione di un documentario","en":"Audio description of a documentary"},
		"cpv":["92111000"],"quantity":{"unit":"hour","value":6},"scope":"international"}`)
	for _, req := range [][2]string{
		{"/api/v1/listings/" + m.offer + "/respond", `{"responder":"coop-autre","quantity":{"unit":"hour","value":3},"terms":{"fr":"Livraison en janvier"}}`},
		{"/api/v1/listings/" + m.purchase + "/respond", `{"responder":"coop-autre","quantity":{"unit":"one","value":12}}`},
		{"/api/v1/listings/" + m.shared + "/subscriptions", `{"member":"scop-echo"}`},
		{"/api/v1/listings/" + m.shared + "/subscriptions", `{"member":"coop-autre"}`},
	} {
		if s, b, _ := fr.admin.do("POST", req[0], req[1]); s != 201 {
			t.Fatalf("POST %s: %d %v", req[0], s, b)
		}
	}
	waitFor(t, 15*time.Second, "the Italian need on fr", func() (bool, string) {
		_, ok := listingsOn(fr.admin, "origin=remote")[m.remote+"@"+it.addr]
		return ok, jsonString(listingsOn(fr.admin, "origin=remote"))
	})
	remoteID := m.remote
	m.remote += "@" + it.addr
	// A French co-op answers the Italian need from its own node's pages;
	// the answer reaches the Italian node.
	autre := newBrowserAs(t, "http://"+fr.addr, "en", autreEmail)
	autre.get("/market/" + m.remote)
	if s, body, _ := autre.post("/market/"+m.remote+"/respond", "quantity", "6", "terms", "Audio description by two describers"); s != 303 {
		t.Fatalf("respond to the Italian need from fr: %d\n%s", s, body)
	}
	waitFor(t, 15*time.Second, "the French answer on it", func() (bool, string) {
		rs := responsesOn(it.admin, remoteID)
		return len(rs) == 1 && strings.HasPrefix(fmt.Sprint(rs[0]["responder"]), "coop-autre@"), jsonString(rs)
	})
	return m
}

// marketPages are the marketplace pages each role opens in Chromium.
func (m browserMarket) pages() map[string][]struct{ path, shot string } {
	return map[string][]struct{ path, shot string }{
		adminEmail: {{"/market", ""}, {"/market/new", ""}, {"/market/" + m.shared, "market-shared-service"}, {"/market/" + m.purchase, ""},
			{"/market/" + m.offer, ""}},
		echoEmail: {{"/market", "market"}, {"/market/new", "market-post"}, {"/market/" + m.offer, "market-listing-owner"},
			{"/market/" + m.shared, ""}, {"/market/" + m.purchase, "market-group-purchase"}, {"/market/" + m.remote, ""},
			{"/market?side=bogus", ""}},
		autreEmail: {{"/market", ""}, {"/market/" + m.offer, "market-listing-responder"}, {"/market/" + m.shared, ""}},
	}
}

// keyboardMarket posts a listing with the keyboard alone, once with an
// error, and checks the form with its errors.
func keyboardMarket(t *testing.T, p *page) {
	p.open("/market/new")
	p.tabTo("title")
	p.key("Formation à l'accessibilité numérique")
	p.tabTo("cpv")
	p.key("80533100")
	p.tabTo("quantity_value")
	p.key("-3")
	p.tabTo("post")
	p.press(kb.Enter)
	p.waitPath("/market/new")
	if p.eval(`String(document.querySelectorAll(".error-summary a[href='#quantity_value']").length)`) != "1" {
		t.Fatalf("a negative quantity shows no error in the summary:\n%s", p.text())
	}
	p.checkAccessibility("market post with errors")
	p.screenshot("market-post-errors")
	p.do("fix the quantity", chromedp.Focus(chromedp.CSS("#quantity_value")), chromedp.KeyEvent(kb.End+strings.Repeat(kb.Backspace, 2)+"12"))
	p.tabTo("post")
	p.press(kb.Enter)
	p.waitPath("/market/l-")
	if !strings.Contains(p.text(), "Formation à l'accessibilité numérique") {
		t.Fatalf("the posted listing is not shown:\n%s", p.text())
	}
}
