package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/e-toiles/etoiles/internal/sharedtest"
)

var screenshots = flag.Bool("screenshots", false, "write the browser tests' screenshots to docs/screenshots")

// findChromium returns the browser to drive: $ETOILES_CHROMIUM, else the
// first of Debian's and Google's names on PATH.
func findChromium() string {
	if p := os.Getenv("ETOILES_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// MustChromium starts a headless browser for the test. Without one it
// skips, except under CI=true, where it fails.
func MustChromium(t *testing.T) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium found (install Debian's chromium package or set ETOILES_CHROMIUM); CI=true, so this fails")
		}
		t.Skip("no chromium found; install chromium or set ETOILES_CHROMIUM")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "en-GB"), chromedp.Flag("font-render-hinting", "none"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now, without a timeout
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// page drives one tab of the browser against one node.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func (p *page) eval(expr string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (p *page) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitReady(chromedp.CSS("footer")))
}

// key presses keys (kb.Tab, kb.Enter, text) as a keyboard user would.
func (p *page) key(keys string) {
	p.t.Helper()
	p.do("press "+fmt.Sprintf("%q", keys), chromedp.KeyEvent(keys))
}

// press presses keys that load a new page (a link, a form), and waits
// until the new document has loaded.
func (p *page) press(keys string) {
	p.t.Helper()
	p.eval(`window.etoilesOldPage = true; ""`)
	p.key(keys)
	deadline := time.Now().Add(10 * time.Second)
	for p.eval(`String(window.etoilesOldPage === true) + document.readyState`) != "falsecomplete" {
		if time.Now().After(deadline) {
			p.t.Fatalf("pressing %q loaded no new page; at %s", keys, p.eval(`location.href`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newPage opens a tab with its own cookies in the browser of ctx.
func newPage(t *testing.T, ctx context.Context, base string) *page {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &page{t: t, ctx: tab, base: base}
}

// waitPath waits until the page is at path (a prefix) and loaded.
func (p *page) waitPath(path string) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.HasPrefix(p.eval(`location.pathname + location.search`), path) && p.eval(`document.readyState`) == "complete" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("waited for %s; at %s", path, p.eval(`location.href`))
}

const activeJS = `(function(){const e=document.activeElement; if(!e) return ""; return e.id || e.getAttribute("href") || e.getAttribute("value") || e.tagName})()`

// tabTo presses Tab until the focused element's id (or href or value)
// is want, as a keyboard user moving through the page.
func (p *page) tabTo(want string) {
	p.t.Helper()
	var seen []string
	for range 60 {
		p.key(kb.Tab)
		got := p.eval(activeJS)
		if got == want {
			return
		}
		seen = append(seen, got)
	}
	p.t.Fatalf("Tab never reached %q; focus went through %v", want, seen)
}

func (p *page) text() string { return p.eval(`document.body.innerText`) }

// screenshot saves the page: to docs/screenshots with -screenshots,
// else to the test's temporary folder.
func (p *page) screenshot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := p.t.TempDir()
	if *screenshots {
		dir = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			p.t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// interactive lists the accessibility roles that must have a name.
var interactive = map[string]bool{"link": true, "button": true, "textbox": true, "searchbox": true, "checkbox": true,
	"combobox": true, "listbox": true, "radio": true, "menuitem": true, "tab": true, "switch": true, "slider": true, "spinbutton": true}

func axString(v *accessibility.Value) string {
	if v == nil || len(v.Value) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal([]byte(v.Value), &s); err != nil {
		return string(v.Value)
	}
	return s
}

// checkAccessibility reads the page's full accessibility tree and fails
// on an interactive node without a name, a focusable node that is hidden,
// a page without exactly one h1 or with a skipped heading level, or a
// page without a main landmark or lang.
func (p *page) checkAccessibility(name string) {
	p.t.Helper()
	for _, problem := range p.accessibilityProblems(name) {
		p.t.Error(problem)
	}
}

func (p *page) accessibilityProblems(name string) []string {
	p.t.Helper()
	var problems []string
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		p.t.Fatalf("%s: accessibility tree: %v", name, err)
	}
	var headings []int
	mains := 0
	for _, n := range tree.Nodes {
		role, label := axString(n.Role), strings.TrimSpace(axString(n.Name))
		props := map[string]string{}
		for _, pr := range n.Properties {
			props[string(pr.Name)] = axString(pr.Value)
			if props[string(pr.Name)] == "" && pr.Value != nil {
				props[string(pr.Name)] = string(pr.Value.Value)
			}
		}
		if props["focusable"] == "true" && (n.Ignored || props["hidden"] == "true") {
			errorf("%s: focusable %s %q is hidden from assistive technology", name, role, label)
		}
		if n.Ignored {
			continue
		}
		if interactive[role] && label == "" {
			errorf("%s: %s node (DOM %d) has no accessible name", name, role, n.BackendDOMNodeID)
		}
		switch role {
		case "heading":
			var level int
			fmt.Sscan(props["level"], &level)
			headings = append(headings, level)
		case "main":
			mains++
		}
	}
	h1 := 0
	for i, l := range headings {
		if l == 1 {
			h1++
		}
		if i > 0 && l > headings[i-1]+1 {
			errorf("%s: heading levels %v skip from h%d to h%d", name, headings, headings[i-1], l)
		}
	}
	if h1 != 1 || len(headings) == 0 || headings[0] != 1 {
		errorf("%s: headings %v, want exactly one h1, first", name, headings)
	}
	if mains != 1 {
		errorf("%s: %d main landmarks, want 1", name, mains)
	}
	if lang := p.eval(`document.documentElement.lang`); lang == "" {
		errorf("%s: html has no lang", name)
	}
	// Nothing focusable sits inside aria-hidden or is invisible.
	if bad := p.eval(`Array.from(document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [tabindex]")).filter(e => e.tabIndex >= 0 && !e.disabled && (e.closest("[aria-hidden=true]") || getComputedStyle(e).visibility === "hidden" || getComputedStyle(e).opacity === "0")).map(e => e.outerHTML.slice(0, 80)).join(" | ")`); bad != "" {
		errorf("%s: focusable but hidden: %s", name, bad)
	}
	// Every element with lang carries a non-empty one.
	if bad := p.eval(`Array.from(document.querySelectorAll("[lang]")).filter(e => !e.lang.trim()).map(e => e.outerHTML.slice(0, 80)).join(" | ")`); bad != "" {
		errorf("%s: empty lang attributes: %s", name, bad)
	}
	if n := p.eval(`String(document.querySelectorAll("script:not([src]), [style]").length)`); n != "0" {
		errorf("%s: %s scripts or inline styles", name, n)
	}
	return problems
}

func (p *page) login(email string) {
	p.t.Helper()
	p.open("/login")
	p.do("log in as "+email,
		chromedp.Focus(chromedp.CSS("#email")), chromedp.KeyEvent(email),
		chromedp.Focus(chromedp.CSS("#password")), chromedp.KeyEvent(password))
	p.press(kb.Enter)
	if strings.HasPrefix(p.eval(`location.pathname`), "/login") {
		p.t.Fatalf("login as %s failed: %s", email, p.text())
	}
}

func (p *page) logout() {
	p.t.Helper()
	p.do("log out", chromedp.Focus(chromedp.CSS("form.logout button")))
	p.press(kb.Enter)
	p.waitPath("/login")
}

func TestBrowser(t *testing.T) {
	ctx := MustChromium(t)
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	lists := sharedtest.Path(t, "eforms", "codelists")
	var out, errOut strings.Builder
	for _, n := range []*testNode{fr, it} {
		if code := run(context.Background(), []string{"vocab", "import", "--data", n.dir, filepath.Join(lists, "cpv.csv")}, func(string) string { return "" }, &out, &errOut); code != 0 {
			t.Fatalf("vocab import on %s: %s", n.name, errOut.String())
		}
	}
	for _, pair := range [][2]*testNode{{fr, it}, {it, fr}} {
		if s, body, _ := pair[0].admin.do("POST", "/api/v1/peers", `{"url":"`+pair[1].actor()+`"}`); s != 201 {
			t.Fatalf("%s adds peer %s: %d %v", pair[0].name, pair[1].name, s, body)
		}
	}
	for _, body := range []string{echoJSON,
		`{"name":"Coop Autre","country":"FR","region":"FR101","summary":{"fr":"Menuiserie et agencement de lieux accessibles"},"languages":["fr"],"competences":["45421000"]}`,
		`{"name":"Ancienne Scop","country":"FR","status":"alumni"}`} {
		if s, b, _ := fr.admin.do("POST", "/api/v1/members", body); s != 201 {
			t.Fatalf("create member on fr: %d %v", s, b)
		}
	}
	if s, b, _ := it.admin.do("POST", "/api/v1/members", `{"name":"Cooperativa Sottotitoli","country":"IT","summary":{"it":"Sottotitoli e audiodescrizione","en":"Captions and audio description"},"languages":["it","en"],"competences":["92111000"]}`); s != 201 {
		t.Fatalf("create member on it: %d %v", s, b)
	}
	waitFor(t, 15*time.Second, "the Italian co-op in fr's catalogue", func() (bool, string) {
		c := fr.catalogue("country=IT")
		return len(c) == 1, fmt.Sprint(c, fr.peerStates())
	})
	mustUser(t, fr.dir, adminEmail, "admin", "", password)
	mustUser(t, fr.dir, echoEmail, "member", "scop-echo", password)
	mustUser(t, fr.dir, autreEmail, "member", "coop-autre", password)
	mustUser(t, it.dir, sottoEmail, "member", "cooperativa-sottotitoli", password)
	mustUser(t, it.dir, adminEmail, "admin", "", password)
	base := "http://" + fr.addr
	opps := mustCrossBorderOpportunities(t, fr, it)
	mk := mustBrowserMarket(t, fr, it)
	newsID, eventID := mustPublicItems(t, fr.admin)

	t.Run("keyboard only", func(t *testing.T) {
		p := newPage(t, ctx, base)
		p.open("/lang/en?next=/login")
		p.tabTo("email")
		p.key(echoEmail)
		p.key(kb.Tab)
		p.key(password)
		p.press(kb.Enter)
		p.waitPath("/foryou")
		p.tabTo("/catalogue")
		p.press(kb.Enter)
		p.waitPath("/catalogue")
		p.tabTo("q")
		p.key("sottotitoli")
		p.press(kb.Enter)
		p.waitPath("/catalogue?q=")
		if txt := p.text(); !strings.Contains(txt, "Cooperativa Sottotitoli") || !strings.Contains(txt, it.addr) {
			t.Fatalf("catalogue search by keyboard did not find the remote co-op:\n%s", txt)
		}
		p.tabTo("/profile")
		p.press(kb.Enter)
		p.waitPath("/coops/scop-echo/edit")
		p.tabTo("summary-en")
		p.key(kb.End)
		p.key(" Also sign language.")
		p.tabTo("cpv_q")
		p.key("interpretation")
		p.press(kb.Enter) // the search field's form submits with its first button: find competences
		p.waitPath("/coops/scop-echo/edit")
		if !strings.Contains(p.text(), "Interpretation services") {
			t.Fatalf("no CPV results:\n%s", p.text())
		}
		p.tabTo("cpv-79540000")
		p.key(" ")
		p.tabTo("save")
		p.press(kb.Enter)
		p.waitPath("/coops/scop-echo/edit?saved=1")
		txt := p.text() + p.eval(`document.getElementById("summary-en").value`)
		for _, want := range []string{"The profile has been saved", "79540000", "Also sign language."} {
			if !strings.Contains(txt, want) {
				t.Errorf("after saving by keyboard the page lacks %q:\n%s", want, txt)
			}
		}
		p.logout()
	})

	t.Run("keyboard only: opportunities across borders, in Italian and French", func(t *testing.T) {
		keyboardOpportunities(t, ctx, fr, it, opps)
	})

	pages := map[string][]struct{ path, shot string }{
		adminEmail: {{"/admin/members", "admin-members"}, {"/admin/members/scop-echo", "admin-member"}, {"/admin/members/new", "admin-new-member"},
			{"/admin/invites", "admin-invites"}, {"/admin/peers", "admin-peers"}, {"/admin/settings", "admin-settings"},
			{"/catalogue?competence=92000000", ""}, {"/coops/coop-autre/edit", ""}},
		echoEmail: {{"/catalogue", "catalogue"}, {"/coops/scop-echo/edit", "profile"}, {"/foryou", ""},
			{"/opportunities", "opportunities"}, {"/opportunities?country=Francia", ""},
			{"/opportunities/new", "opportunity-post"},
			{"/news", ""}, {"/news/write", "news-write"}, {"/events", ""}, {"/events/write", "event-write"},
			{"/news/" + newsID, ""}, {"/events/" + eventID, ""}},
		autreEmail: {{"/opportunities/" + opps.onFR, ""}, {"/foryou", ""}},
	}
	for who, list := range mk.pages() {
		pages[who] = append(pages[who], list...)
	}
	t.Run("anonymous pages", func(t *testing.T) {
		p := newPage(t, ctx, base)
		p.open("/login")
		p.checkAccessibility("login")
		p.screenshot("login")
		p.open("/password/forgot")
		p.checkAccessibility("forgotten password")
		p.open(mustResetLink(t, fr.dir, echoEmail))
		p.checkAccessibility("password reset")
		p.screenshot("password-reset")
		for _, pg := range [][3]string{{"/lang/fr?next=/news/" + newsID, "public news (fr)", "public-news"},
			{"/lang/it?next=/events/" + eventID, "public event (it)", "public-event-it"}} {
			p.open(pg[0])
			p.checkAccessibility(pg[1])
			p.screenshot(pg[2])
		}
		p.open("/lang/en?next=/nowhere")
		p.checkAccessibility("404")
		// The checker itself catches a nameless button, a focusable
		// element hidden from assistive technology and a second h1.
		p.eval(`document.querySelector("main").insertAdjacentHTML("beforeend", '<button></button><a href="/x" aria-hidden="true">x</a><h1>Again</h1>'); ""`)
		if got := p.accessibilityProblems("broken page"); len(got) < 3 {
			t.Errorf("the accessibility check found %d problems in a broken page, want 3: %v", len(got), got)
		}
		p.open("/lang/fr?next=/login")
		p.do("submit a wrong login", chromedp.Focus(chromedp.CSS("#email")), chromedp.KeyEvent("x@y.example"),
			chromedp.Focus(chromedp.CSS("#password")), chromedp.KeyEvent("nope"))
		p.press(kb.Enter)
		if p.eval(`String(document.querySelectorAll(".error-summary").length)`) != "1" {
			t.Fatalf("a wrong login shows no error summary: %s", p.text())
		}
		p.checkAccessibility("login with errors (fr)")
		p.screenshot("login-error-fr")
		p.open("/lang/en?next=/login")
	})
	for _, who := range []string{adminEmail, echoEmail, autreEmail} {
		t.Run(who, func(t *testing.T) {
			p := newPage(t, ctx, base)
			p.login(who)
			for _, pg := range pages[who] {
				p.open(pg.path)
				p.checkAccessibility(who + " " + pg.path)
				if pg.shot != "" {
					p.screenshot(pg.shot)
				}
			}
			if who == echoEmail {
				keyboardMarket(t, p)
			}
			if who == adminEmail {
				p.open("/admin/invites?member=coop-autre")
				p.do("focus the invite button", chromedp.Focus(chromedp.CSS("form.stack button.primary")))
				p.press(kb.Enter)
				link := p.eval(`document.getElementById("link") ? document.getElementById("link").value : ""`)
				if !strings.Contains(link, "/invite/") {
					t.Fatalf("no invitation link shown: %s", p.text())
				}
				guest := newPage(t, ctx, base)
				guest.open(link[strings.Index(link, "/invite/"):])
				guest.checkAccessibility("invitation page")
				guest.screenshot("invite")
				p.checkAccessibility("invite created")
				p.screenshot("admin-invite-link")
				p.open("/lang/de?next=/catalogue")
				p.checkAccessibility("catalogue (de)")
				p.screenshot("catalogue-de")
				p.open("/lang/en?next=/catalogue")
			}
			p.logout()
		})
	}
}
