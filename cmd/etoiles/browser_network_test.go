package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserNetwork checks the confederation's pages in Chromium: the
// accessibility tree of the dashboard, its drill-down and the admissions,
// and a keyboard-only drill-down to a country.
func TestBrowserNetwork(t *testing.T) {
	ctx := MustChromium(t)
	conf := mustConfederationWeb(t)
	p := newPage(t, ctx, "http://"+conf.addr)
	p.login(adminEmail)
	p.waitPath("/network")
	p.checkAccessibility("network dashboard")
	p.screenshot("network")
	if n := p.eval(`String(document.querySelectorAll("svg[role=img] > title + desc").length)`); n != "2" {
		t.Errorf("%s charts with a title and a description, want 2", n)
	}

	// Keyboard only: Tab to France in the table, Enter.
	p.tabTo("/network?country=FR")
	p.press(kb.Enter)
	p.waitPath("/network?country=FR")
	if !strings.Contains(p.text(), "fr.example") {
		t.Fatalf("the drill-down by keyboard shows no French node:\n%s", p.text())
	}
	p.checkAccessibility("network drill-down")
	p.screenshot("network-country")

	p.open("/network/admissions")
	p.checkAccessibility("admissions")
	p.do("send a bad admission", chromedp.Focus(chromedp.CSS("#country")), chromedp.KeyEvent("Italia"),
		chromedp.Focus(chromedp.CSS("#name")), chromedp.KeyEvent("e-toiles Italia"),
		chromedp.Focus(chromedp.CSS("#actor")), chromedp.KeyEvent("http://it.example/actor"))
	p.do("submit", chromedp.Focus(chromedp.CSS("form.stack button.primary")))
	p.press(kb.Enter)
	if p.eval(`String(document.querySelectorAll(".error-summary a[href='#country']").length)`) != "1" {
		t.Fatalf("a bad country shows no error in the summary: %s", p.text())
	}
	p.checkAccessibility("admissions with errors")
	p.do("fix the country", chromedp.Focus(chromedp.CSS("#country")), chromedp.KeyEvent(kb.End+strings.Repeat(kb.Backspace, 6)+"IT"))
	p.do("submit", chromedp.Focus(chromedp.CSS("form.stack button.primary")))
	p.press(kb.Enter)
	if !strings.Contains(p.eval(`document.getElementById("credential") ? document.getElementById("credential").value : ""`), ".") {
		t.Fatalf("no credential shown after admitting: %s", p.text())
	}
	p.checkAccessibility("admission issued")
	p.screenshot("admissions")
	p.open("/lang/fr?next=/network")
	p.checkAccessibility("network dashboard (fr)")
	p.screenshot("network-fr")
	p.open("/lang/en?next=/network")
}
