package main

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

// mustUser creates a web account with the user command, as an operator
// would for a first admin.
func mustUser(tb testing.TB, dir, email, role, member, password string) {
	tb.Helper()
	var out strings.Builder
	args := []string{"add", "--data", dir, "--email", email, "--role", role, "--password-stdin"}
	if member != "" {
		args = append(args, "--member", member)
	}
	if err := cmdUser(context.Background(), args, func(string) string { return "" }, strings.NewReader(password+"\n"), &out); err != nil {
		tb.Fatalf("etoiles user add %s: %v", email, err)
	}
}

// browser is an HTTP client with cookies that reads the CSRF token of the
// last page it fetched.
type browser struct {
	tb   testing.TB
	base string
	c    *http.Client
	csrf string
	lang string
}

func newBrowser(tb testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, base: base, lang: "en", c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(method, path string, form url.Values) (int, string, http.Header) {
	b.tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Accept-Language", b.lang)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return resp.StatusCode, string(raw), resp.Header
}

func (b *browser) get(path string) (int, string, http.Header) { return b.do("GET", path, nil) }

// post sends a form with the CSRF token of the last page.
func (b *browser) post(path string, kv ...string) (int, string, http.Header) {
	b.tb.Helper()
	form := url.Values{"csrf": {b.csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return b.do("POST", path, form)
}

func (b *browser) login(email, password string) {
	b.tb.Helper()
	b.get("/login")
	if s, body, _ := b.post("/login", "email", email, "password", password); s != http.StatusSeeOther {
		b.tb.Fatalf("login %s: status %d, want 303\n%s", email, s, body)
	}
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

const (
	adminEmail = "admin@fr.example"
	echoEmail  = "echo@echo.example"
	password   = "correct horse battery"
)

// mustWebNode starts a node with two member co-ops, an admin and a member
// account for scop-echo.
func mustWebNode(t *testing.T) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	m := MustRun(t, dir)
	base := "http://" + m.Addr()
	admin := client{t, base, mustToken(t, dir, "--role", "admin")}
	if s, b, _ := admin.do("POST", "/api/v1/members", echoJSON); s != http.StatusCreated {
		t.Fatalf("create member: %d %v", s, b)
	}
	if s, b, _ := admin.do("POST", "/api/v1/members", `{"name":"Coop Autre","country":"FR","summary":{"fr":"Menuiserie"},"competences":["45421000"]}`); s != http.StatusCreated {
		t.Fatalf("create member: %d %v", s, b)
	}
	mustUser(t, dir, adminEmail, "admin", "", password)
	mustUser(t, dir, echoEmail, "member", "scop-echo", password)
	return base, dir
}

func TestWebSecurity(t *testing.T) {
	base, _ := mustWebNode(t)

	t.Run("headers", func(t *testing.T) {
		b := newBrowser(t, base)
		s, body, h := b.get("/login")
		if s != 200 || !strings.Contains(body, `<html lang="en">`) {
			t.Fatalf("GET /login = %d, want 200 in English", s)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "style-src 'self'") {
			t.Errorf("CSP = %q", csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("headers = %v", h)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
			t.Errorf("page has inline script or style")
		}
		if s, body, _ := b.do("POST", "/nowhere", url.Values{}); s != 404 || !strings.Contains(body, "<h1>") {
			t.Errorf("POST to an unknown path = %d, want a 404 page", s)
		}
		if s, _, h := b.do("POST", "/", url.Values{}); s != 405 || h.Get("Allow") == "" {
			t.Errorf("POST / = %d, want 405 with Allow", s)
		}
		if s, _, _ := b.do("POST", "/api/v1/nowhere", url.Values{}); s != 404 {
			t.Errorf("POST to an unknown API path = %d, want 404", s)
		}
		b.lang = "de-AT,de;q=0.9"
		if _, body, _ := b.get("/login"); !strings.Contains(body, `<html lang="de">`) {
			t.Errorf("Accept-Language de: page not in German")
		}
		b.get("/lang/it?next=/login")
		if _, body, _ := b.get("/login"); !strings.Contains(body, `<html lang="it">`) {
			t.Errorf("switcher: page not in Italian")
		}
	})

	t.Run("csrf", func(t *testing.T) {
		b := newBrowser(t, base)
		b.get("/login")
		b.csrf = ""
		if s, _, _ := b.post("/login", "email", adminEmail, "password", password); s != http.StatusForbidden {
			t.Errorf("login without CSRF token: %d, want 403", s)
		}
		b.login(adminEmail, password)
		b.get("/admin/members/new")
		b.csrf = "forged"
		if s, _, _ := b.post("/admin/members/new", "name", "Forged", "country", "FR"); s != http.StatusForbidden {
			t.Errorf("create member with a wrong CSRF token: %d, want 403", s)
		}
		if s, _, _ := b.do("POST", "/admin/members/new", url.Values{"name": {"Forged"}, "country": {"FR"}}); s != http.StatusForbidden {
			t.Errorf("create member without a CSRF token: %d, want 403", s)
		}
	})

	t.Run("session fixation", func(t *testing.T) {
		b := newBrowser(t, base)
		u, _ := url.Parse(base)
		planted := "planted-session-value-0123456789abcdef0123456789"
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "etoiles_session", Value: planted, Path: "/"}})
		if s, _, h := b.get("/catalogue"); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("planted cookie: GET /catalogue = %d, want a redirect to login", s)
		}
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "etoiles_session", Value: planted, Path: "/"}})
		b.login(adminEmail, password)
		got := b.cookie("etoiles_session")
		if got == "" || got == planted {
			t.Fatalf("session cookie after login = %q, want a new value", got)
		}
		old := newBrowser(t, base)
		old.c.Jar.SetCookies(u, []*http.Cookie{{Name: "etoiles_session", Value: planted, Path: "/"}})
		if s, _, _ := old.get("/admin/members"); s != http.StatusSeeOther {
			t.Errorf("pre-login cookie after the login: GET /admin/members = %d, want redirect", s)
		}
		if s, _, _ := b.get("/admin/members"); s != 200 {
			t.Errorf("new session: GET /admin/members = %d, want 200", s)
		}
		b.get("/admin/members")
		b.post("/logout")
		if s, _, _ := b.get("/admin/members"); s != http.StatusSeeOther {
			t.Errorf("after logout: %d, want redirect to login", s)
		}
	})

	t.Run("roles", func(t *testing.T) {
		echo := newBrowser(t, base)
		echo.login(echoEmail, password)
		if s, _, _ := echo.get("/coops/scop-echo/edit"); s != 200 {
			t.Errorf("member opens its own profile: %d", s)
		}
		if s, _, _ := echo.get("/coops/coop-autre/edit"); s != http.StatusForbidden {
			t.Errorf("member opens another co-op's profile: %d, want 403", s)
		}
		echo.get("/catalogue")
		if s, _, _ := echo.post("/coops/coop-autre/edit", "name", "Hijacked", "action", "save"); s != http.StatusForbidden {
			t.Errorf("member edits another co-op: %d, want 403", s)
		}
		for _, path := range []string{"/admin/members", "/admin/invites", "/admin/peers", "/admin/settings"} {
			if s, _, _ := echo.get(path); s != http.StatusForbidden {
				t.Errorf("member GET %s: %d, want 403", path, s)
			}
		}
		if s, _, _ := echo.post("/admin/members/new", "name", "Sneaky", "country", "FR"); s != http.StatusForbidden {
			t.Errorf("member creates a member: %d, want 403", s)
		}
		if s, _, _ := echo.post("/admin/members/coop-autre/status", "status", "alumni"); s != http.StatusForbidden {
			t.Errorf("member changes a status: %d, want 403", s)
		}
		if s, _, _ := echo.post("/admin/invites", "role", "admin"); s != http.StatusForbidden {
			t.Errorf("member invites an admin: %d, want 403", s)
		}
	})

	t.Run("a co-op that leaves loses access at once", func(t *testing.T) {
		echo := newBrowser(t, base)
		echo.login(echoEmail, password)
		admin := newBrowser(t, base)
		admin.login(adminEmail, password)
		admin.get("/admin/members/scop-echo")
		if s, body, _ := admin.post("/admin/members/scop-echo/status", "status", "lapsed", "note", "unpaid dues"); s != http.StatusSeeOther {
			t.Fatalf("lapse: %d\n%s", s, body)
		}
		if s, _, h := echo.get("/catalogue"); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("member of a lapsed co-op: GET /catalogue = %d, want a redirect to login", s)
		}
		echo.get("/login")
		if s, body, _ := echo.post("/login", "email", echoEmail, "password", password); s != http.StatusUnauthorized || !strings.Contains(body, "no longer an active member") {
			t.Errorf("member of a lapsed co-op logs in: %d", s)
		}
		admin.get("/admin/members/scop-echo")
		if s, body, _ := admin.post("/admin/members/scop-echo/status", "status", "member", "note", "paid"); s != http.StatusSeeOther {
			t.Fatalf("rejoin: %d\n%s", s, body)
		}
		_, body, _ := admin.get("/admin/members/scop-echo")
		for _, want := range []string{"unpaid dues", "paid", "lapsed"} {
			if !strings.Contains(body, want) {
				t.Errorf("history lacks %q", want)
			}
		}
	})

	t.Run("login rate limit", func(t *testing.T) {
		b := newBrowser(t, base)
		b.get("/login")
		var last int
		for range 8 {
			last, _, _ = b.post("/login", "email", "nobody@x.example", "password", "wrong password!")
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("8 failed logins for one account: last status %d, want 429", last)
		}
	})
}

var linkRe = regexp.MustCompile(`value="(http[^"]+/invite/[^"]+)"`)

func TestWebInviteAndProfile(t *testing.T) {
	base, _ := mustWebNode(t)
	admin := newBrowser(t, base)
	admin.login(adminEmail, password)
	admin.get("/admin/invites")
	s, body, _ := admin.post("/admin/invites", "role", "member", "member", "coop-autre", "email", "")
	m := linkRe.FindStringSubmatch(body)
	if s != http.StatusCreated || m == nil {
		t.Fatalf("create invite: %d, no link\n%s", s, body)
	}
	link, _ := url.Parse(html.UnescapeString(m[1]))
	invitee := newBrowser(t, base)
	invitee.lang = "fr"
	if s, body, _ := invitee.get(link.Path); s != 200 || !strings.Contains(body, "Coop Autre") {
		t.Fatalf("invite page: %d", s)
	}
	if s, body, _ := invitee.post(link.Path, "name", "Léa", "email", "lea@autre.example", "password", "short", "password2", "short"); s != 400 || !strings.Contains(body, `aria-describedby="password-hint password-error"`) {
		t.Errorf("short password: %d, want 400 with the error tied to the field\n%s", s, body)
	}
	if s, body, _ := invitee.post(link.Path, "name", "Léa", "email", "lea@autre.example", "password", password, "password2", password); s != 200 {
		t.Fatalf("accept invite: %d\n%s", s, body)
	}
	if s, _, _ := invitee.get(link.Path); s != http.StatusConflict {
		t.Errorf("invite used twice: %d, want 409", s)
	}
	invitee.login("lea@autre.example", password)
	if s, _, h := invitee.get("/profile"); s != http.StatusSeeOther || h.Get("Location") != "/coops/coop-autre/edit" {
		t.Fatalf("/profile = %d %s", s, h.Get("Location"))
	}
	invitee.get("/coops/coop-autre/edit")
	s, body, _ = invitee.post("/coops/coop-autre/edit", "name", "Coop Autre", "languages", "fr, it",
		"summary-fr", "Menuiserie et agencement", "summary-it", "Falegnameria", "competences", "45421000", "competences", "45000000", "action", "save")
	if s != http.StatusSeeOther {
		t.Fatalf("save profile: %d\n%s", s, body)
	}
	_, body, _ = invitee.get("/coops/coop-autre/edit?saved=1")
	for _, want := range []string{"Falegnameria", `value="45000000"`, `lang="it"`, `role="status"`} {
		if !strings.Contains(body, want) {
			t.Errorf("saved profile lacks %q", want)
		}
	}
	s, body, _ = invitee.post("/coops/coop-autre/edit", "name", "", "website", "ftp://x", "action", "save")
	if s != 400 || !strings.Contains(body, `href="#name"`) || !strings.Contains(body, `aria-describedby="website-error"`) {
		t.Errorf("invalid profile: %d, want 400 with a summary linking to the fields\n%s", s, body)
	}
	invitee.lang = "it"
	_, body, _ = invitee.get("/catalogue?q=falegnameria")
	if !strings.Contains(body, `lang="it">Falegnameria`) {
		t.Errorf("catalogue in Italian does not show the Italian summary with its lang")
	}
	_, body, _ = invitee.get("/catalogue?competence=92000000")
	if !strings.Contains(body, "Scop Écho") || strings.Contains(body, "Coop Autre") {
		t.Errorf("competence filter: wrong results")
	}
}

func TestUserAddCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"user", "add", "--data", dir, "--email", "first@fr.example", "--role", "admin", "--public-url", "https://fr.example"},
		func(string) string { return "" }, &out, &errOut)
	if code != 0 || !strings.HasPrefix(out.String(), "https://fr.example/invite/") {
		t.Fatalf("user add = exit %d, %q %q; want an invite link", code, out.String(), errOut.String())
	}
	for _, args := range [][]string{
		{"user"},
		{"user", "add", "--data", dir},
		{"user", "add", "--data", dir, "--email", "m@fr.example", "--role", "member", "--member", "no-such-coop"},
		{"user", "add", "--data", dir, "--email", "x@fr.example", "--role", "root"},
	} {
		errOut.Reset()
		if code := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); code != 1 || errOut.Len() == 0 {
			t.Errorf("%v = exit %d, %q; want exit 1 with a message", args, code, errOut.String())
		}
	}
}

// mustResetLink makes a password reset link for email as the node would
// mail it, with the key the node derives from its token key.
func mustResetLink(t *testing.T, dir, email string) string {
	t.Helper()
	key, err := auth.LoadOrCreateKey(filepath.Join(dir, tokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	token, _, err := (&auth.Accounts{Store: db, ResetKey: resetKey(key)}).ResetToken(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return "/password/reset/" + token
}

// TestWebPasswordResetLink follows a reset link made with the key the
// node derives from its key file (so a restarted node accepts it too):
// it works once.
func TestWebPasswordResetLink(t *testing.T) {
	base, dir := mustWebNode(t)
	link := mustResetLink(t, dir, echoEmail)
	b := newBrowser(t, base)
	if s, body, _ := b.get(link); s != 200 || !strings.Contains(body, echoEmail) {
		t.Fatalf("GET %s: %d\n%s", link, s, body)
	}
	if s, body, _ := b.post(link, "password", "another long passphrase", "password2", "another long passphrase"); s != 200 || !strings.Contains(body, "Your password has been changed") {
		t.Fatalf("reset: %d\n%s", s, body)
	}
	b.login(echoEmail, "another long passphrase")
	if s, _, _ := newBrowser(t, base).get(link); s != http.StatusNotFound {
		t.Errorf("the link a second time: %d, want 404", s)
	}
}
