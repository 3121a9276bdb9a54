package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/e-toiles/etoiles/node/web"
)

// mailbox is a Mailer that keeps what it is asked to send: the SMTP
// server is outside this package.
type mailbox struct {
	mu   sync.Mutex
	sent []mail
}

type mail struct{ To, Subject, Body string }

func (m *mailbox) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, mail{to, subject, body})
	return nil
}

func (m *mailbox) all() []mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail(nil), m.sent...)
}

// mustServer serves the web UI over a fresh SQLite database with one
// member account (echo@echo.example) and, when mailer is set, SMTP.
func mustServer(t *testing.T, mailer web.Mailer) (*httptest.Server, *web.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	accounts := &auth.Accounts{Store: db, ResetKey: []byte("a key for the reset tokens, 32 b")}
	members := &membership.Service{Store: db, Codes: db}
	if _, err := members.Create(ctx, mustMember()); err != nil {
		t.Fatal(err)
	}
	token, _, err := accounts.CreateInvite(ctx, auth.RoleMember, "scop-echo", "", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.AcceptInvite(ctx, token, "Écho", "echo@echo.example", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	s := &web.Server{Accounts: accounts, Members: members, Catalogue: &catalogue.Service{Store: db}, Codes: &codes.Service{Store: db},
		Info: web.Info{Name: "e-toiles Test", Country: "FR"}}
	if mailer != nil {
		s.Mailer = mailer
	}
	mux := http.NewServeMux()
	if err := s.Register(mux); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.Info.PublicURL = srv.URL
	return srv, s
}

// client is a cookie-keeping form client that reads CSRF tokens.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	lang string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, lang: "en", c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Accept-Language", c.lang)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		c.csrf = html.UnescapeString(m[1])
	}
	return resp.StatusCode, string(b)
}

func (c *client) post(path string, kv ...string) (int, string) {
	c.t.Helper()
	form := url.Values{"csrf": {c.csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return c.do("POST", path, form)
}

var linkRe = regexp.MustCompile(`http://\S+/password/reset/(\S+)`)

func TestPasswordResetByMail(t *testing.T) {
	box := &mailbox{}
	srv, s := mustServer(t, box)
	c := newClient(t, srv.URL)
	if _, body := c.do("GET", "/login", nil); !strings.Contains(body, `href="/password/forgot"`) {
		t.Error("the login page does not link to the password reset")
	}
	c.do("GET", "/password/forgot", nil)

	// The same answer with and without an account.
	s1, known := c.post("/password/forgot", "email", "echo@echo.example")
	s2, unknown := c.post("/password/forgot", "email", "nobody@echo.example")
	strip := func(b string) string {
		b = strings.ReplaceAll(b, "echo@echo.example", "ADDRESS")
		b = strings.ReplaceAll(b, "nobody@echo.example", "ADDRESS")
		return csrfRe.ReplaceAllString(b, "")
	}
	if s1 != 200 || s2 != 200 || strip(known) != strip(unknown) {
		t.Errorf("known address: %d, unknown: %d; the pages differ:\n%s\n---\n%s", s1, s2, known, unknown)
	}
	if !strings.Contains(known, "If an account uses the address echo@echo.example") {
		t.Errorf("the answer does not say a link may have been sent:\n%s", known)
	}
	s.WaitMails()
	sent := box.all()
	if len(sent) != 1 || sent[0].To != "echo@echo.example" || !strings.Contains(sent[0].Subject, "e-toiles Test") {
		t.Fatalf("mails sent: %+v, want one to echo", sent)
	}
	m := linkRe.FindStringSubmatch(sent[0].Body)
	if m == nil || !strings.Contains(sent[0].Body, "60 minutes") {
		t.Fatalf("the mail has no link:\n%s", sent[0].Body)
	}
	path := "/password/reset/" + m[1]

	// Another session of the same person ends with the reset.
	other := newClient(t, srv.URL)
	other.do("GET", "/login", nil)
	if s, _ := other.post("/login", "email", "echo@echo.example", "password", "correct horse battery"); s != http.StatusSeeOther {
		t.Fatalf("login: %d", s)
	}

	if s, body := c.do("GET", path, nil); s != 200 || !strings.Contains(body, `autocomplete="new-password"`) {
		t.Fatalf("GET the reset page: %d\n%s", s, body)
	}
	s0, body := c.post(path, "password", "a brand new passphrase", "password2", "a different one entirely")
	if s0 != http.StatusBadRequest || !strings.Contains(body, `aria-describedby="password2-error"`) || !strings.Contains(body, `href="#password2"`) {
		t.Errorf("two different passwords: %d, want 400 with the error tied to the field and summarised", s0)
	}
	s0, body = c.post(path, "password", "short", "password2", "short")
	if s0 != http.StatusBadRequest || !strings.Contains(body, `aria-describedby="password-hint password-error"`) {
		t.Errorf("a short password: %d, want 400 with the error tied to the field\n%s", s0, body)
	}
	c.csrf = "forged"
	if s, _ := c.post(path, "password", "a brand new passphrase", "password2", "a brand new passphrase"); s != http.StatusForbidden {
		t.Errorf("reset without a valid CSRF token: %d, want 403", s)
	}
	c.do("GET", path, nil)
	if s, body := c.post(path, "password", "a brand new passphrase", "password2", "a brand new passphrase"); s != 200 || !strings.Contains(body, "Your password has been changed") {
		t.Fatalf("reset: %d\n%s", s, body)
	}
	if s, _ := other.do("GET", "/catalogue", nil); s != http.StatusSeeOther {
		t.Errorf("a session opened before the reset still works: %d", s)
	}
	if s, _ := c.do("GET", path, nil); s != http.StatusNotFound {
		t.Errorf("the link used a second time: %d, want 404", s)
	}
	if s, _ := c.post(path, "password", "a third passphrase!", "password2", "a third passphrase!"); s != http.StatusNotFound {
		t.Errorf("the link used a second time (POST): %d, want 404", s)
	}
	c.do("GET", "/login", nil)
	if s, _ := c.post("/login", "email", "echo@echo.example", "password", "a brand new passphrase"); s != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", s)
	}

	// In French, the mail is in French.
	fr := newClient(t, srv.URL)
	fr.lang = "fr"
	fr.do("GET", "/password/forgot", nil)
	if s, body := fr.post("/password/forgot", "email", "echo@echo.example"); s != 200 || !strings.Contains(body, `<html lang="fr">`) {
		t.Errorf("French request: %d", s)
	}
	s.WaitMails()
	if sent := box.all(); len(sent) != 2 || !strings.Contains(sent[1].Body, "Pour le choisir") {
		t.Errorf("the French mail: %+v", sent)
	}

	// Asking too often is throttled.
	var last int
	for range 8 {
		last, _ = fr.post("/password/forgot", "email", "nobody@echo.example")
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("eight requests for one address: last %d, want 429", last)
	}
	if s, _ := fr.post("/password/forgot", "email", ""); s != http.StatusBadRequest && s != http.StatusTooManyRequests {
		t.Errorf("an empty address: %d", s)
	}
}

func TestPasswordResetWithoutSMTP(t *testing.T) {
	srv, _ := mustServer(t, nil)
	c := newClient(t, srv.URL)
	s, body := c.do("GET", "/password/forgot", nil)
	if s != 200 || !strings.Contains(body, "This node sends no email") || strings.Contains(body, `action="/password/forgot"`) {
		t.Errorf("forgot page without SMTP: %d\n%s", s, body)
	}
	c.do("GET", "/login", nil) // for a CSRF token
	if s, _ := c.post("/password/forgot", "email", "echo@echo.example"); s != http.StatusServiceUnavailable {
		t.Errorf("POST without SMTP: %d, want 503", s)
	}
	if s, _ := c.do("GET", "/password/reset/AAAA.BBBB", nil); s != http.StatusNotFound {
		t.Errorf("a made-up reset link: %d, want 404", s)
	}
}

func mustMember() *node.Member {
	return &node.Member{Name: "Scop Echo", Country: "FR", Status: node.StatusMember}
}
