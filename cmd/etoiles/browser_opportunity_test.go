package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const sottoEmail = "sottotitoli@it.example"

// crossBorder holds two opportunities: one led by coop-autre on fr, one
// led by Cooperativa Sottotitoli on it; each fits a co-op of the other
// country.
type crossBorder struct {
	onFR, onIT string // local ids on their origin nodes
}

func mustCrossBorderOpportunities(t *testing.T, fr, it *testNode) crossBorder {
	t.Helper()
	deadline := time.Now().Add(20 * 24 * time.Hour).UTC().Format(time.RFC3339)
	var c crossBorder
	c.onFR = mustOpportunity(t, fr.admin, `{"member":"coop-autre","title":{"fr":"Musée accessible : films et mobilier"},
		"summary":{"fr":"Films en langue des signes et mobilier adapté pour un musée de Lyon"},"country":"FR","status":"active",
		"open_abroad":true,"deadline":"`+deadline+`","value":{"amount":"90000","currency":"EUR"},
		"competences":[{"cpv":"92111000"},{"cpv":"45421000"}],"flags":{"accessibility_criteria":true}}`)
	c.onIT = mustOpportunity(t, it.admin, `{"member":"cooperativa-sottotitoli","title":{"it":"Portale accessibile per un teatro","en":"Accessible website for a theatre"},
		"summary":{"it":"Sito web accessibile con video sottotitolati"},"country":"IT","status":"active","open_abroad":true,
		"deadline":"`+deadline+`","competences":[{"cpv":"72413000"},{"cpv":"92111000"}]}`)
	for _, w := range []struct {
		n     *testNode
		title string
	}{{it, "Musée accessible"}, {fr, "Portale accessibile"}} {
		waitFor(t, 15*time.Second, "the other country's opportunity on "+w.n.name, func() (bool, string) {
			_, b, _ := w.n.admin.do("GET", "/api/v1/opportunities?scope=cross-border", "")
			return strings.Contains(fmt.Sprint(b), w.title), fmt.Sprint(b)
		})
	}
	return c
}

// keyboardOpportunities runs the member's and the lead's main tasks with
// Tab and Enter alone: an Italian co-op finds the French opportunity in
// "Per voi" and expresses interest, the French lead accepts it; then a
// French co-op does the same with the Italian opportunity, and the
// Italian lead accepts.
func keyboardOpportunities(t *testing.T, ctx context.Context, fr, it *testNode, opps crossBorder) {
	type run struct {
		memberNode, leadNode *testNode
		coop, personName     string // the member co-op and its new person's name
		member, lead         string
		memberLang, leadLang string
		title, leadID        string
		sent, accepted       string // the notices, in the member's and the lead's language
		shot                 string
	}
	for _, r := range []run{
		{it, fr, "cooperativa-sottotitoli", "Giulia", "giulia@sottotitoli.example", autreEmail, "it", "fr", "Musée accessible", opps.onFR,
			"La vostra candidatura è stata inviata", "la coopérative rejoint le groupement", "it"},
		{fr, it, "scop-echo", "Marie", "marie@echo.example", sottoEmail, "fr", "it", "Accessible website for a theatre", opps.onIT,
			"Votre candidature est envoyée", "la cooperativa entra nel raggruppamento", "fr"},
	} {
		// The lead opens the opportunity first, and keeps it open.
		l := newPage(t, ctx, "http://"+r.leadNode.addr)
		l.open("/lang/" + r.leadLang + "?next=/login")
		l.tabTo("email")
		l.key(r.lead)
		l.key(kb.Tab)
		l.key(password)
		l.press(kb.Enter)
		l.waitPath("/foryou")
		l.tabTo("/opportunities")
		l.press(kb.Enter)
		l.waitPath("/opportunities")
		leadPage := "/opportunities/" + r.leadID
		l.tabTo(leadPage)
		l.press(kb.Enter)
		l.waitPath(leadPage)

		// The member's person was invited by the node's admin, and
		// accepts the invitation and logs in by keyboard.
		m := newPage(t, ctx, "http://"+r.memberNode.addr)
		link := inviteByWeb(t, ctx, r.memberNode, r.coop, r.member)
		m.open("/lang/" + r.memberLang + "?next=" + link)
		m.tabTo("name")
		m.key(r.personName)
		m.tabTo("password")
		m.key(password)
		m.key(kb.Tab)
		m.key(password)
		m.press(kb.Enter)
		m.waitPath("/invite/")
		m.tabTo("password")
		m.key(password)
		m.press(kb.Enter)
		m.waitPath("/foryou")
		if !strings.Contains(m.text(), r.title) {
			t.Fatalf("%s: For you lacks %q:\n%s", r.member, r.title, m.text())
		}
		m.checkAccessibility("for you (" + r.memberLang + ")")
		if r.shot == "fr" {
			m.screenshot("foryou")
		}
		link = m.eval(`(function(){const h=document.getElementById("cross"); const l=h && h.nextElementSibling && h.nextElementSibling.querySelector("a[href^='/opportunities/']"); return l ? l.getAttribute("href") : ""})()`)
		if link == "" {
			t.Fatalf("%s: no cross-border opportunity in For you:\n%s", r.member, m.text())
		}
		m.tabTo(link)
		m.press(kb.Enter)
		m.waitPath(link)
		m.checkAccessibility("opportunity, member view (" + r.memberLang + ")")
		m.screenshot("opportunity-express-" + r.shot)
		m.tabTo("message")
		m.key("LSF / LIS")
		m.tabTo("express")
		m.press(kb.Enter)
		m.waitPath(link + "?done=interest")
		if !strings.Contains(m.text(), r.sent) {
			t.Fatalf("%s: expressing interest by keyboard: %s", r.member, m.text())
		}

		// The lead's open page says it changed (the interest came over
		// federation and the live stream); the lead reloads from the
		// link and accepts, by keyboard.
		waitFor(t, 15*time.Second, "the lead's page to offer a reload", func() (bool, string) {
			txt := l.eval(`document.getElementById("live") ? document.getElementById("live").innerText : "no live region"`)
			return txt != "", txt
		})
		l.checkAccessibility("opportunity, lead view with a live notice (" + r.leadLang + ")")
		l.tabTo(leadPage)
		l.press(kb.Enter)
		l.waitPath(leadPage)
		accept := l.eval(`(function(){const b=document.querySelector("button[id^=accept-]"); return b ? b.id : ""})()`)
		if accept == "" {
			t.Fatalf("%s: no interest to accept after reloading:\n%s", r.lead, l.text())
		}
		l.checkAccessibility("opportunity, lead view (" + r.leadLang + ")")
		l.tabTo(accept)
		l.press(kb.Enter)
		l.waitPath(leadPage + "?done=accepted")
		if !strings.Contains(l.text(), r.accepted) {
			t.Fatalf("%s: accepting by keyboard: %s", r.lead, l.text())
		}
		if r.shot == "it" {
			l.screenshot("opportunity-lead")
		}
		waitFor(t, 15*time.Second, "the answer back at the member's node", func() (bool, string) {
			m.open(link)
			txt := m.text()
			return strings.Contains(txt, map[string]string{"it": "accettata", "fr": "acceptée"}[r.memberLang]), txt
		})
	}
}

// inviteByWeb has the node's admin invite a person of a co-op from the
// Invitations page, and returns the path of the invitation link.
func inviteByWeb(t *testing.T, ctx context.Context, n *testNode, coop, email string) string {
	t.Helper()
	a := newPage(t, ctx, "http://"+n.addr)
	a.login(adminEmail)
	a.open("/admin/invites?member=" + coop)
	a.do("fill the invitation", chromedp.Focus(chromedp.CSS("#email")), chromedp.KeyEvent(email),
		chromedp.Focus(chromedp.CSS("form.stack button.primary")))
	a.press(kb.Enter)
	link := a.eval(`document.getElementById("link") ? document.getElementById("link").value : ""`)
	i := strings.Index(link, "/invite/")
	if i < 0 {
		t.Fatalf("%s: no invitation link: %s", n.name, a.text())
	}
	a.logout()
	return link[i:]
}
