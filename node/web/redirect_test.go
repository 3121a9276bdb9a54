package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// nextCases are the next= values of issue #22: a tab, a newline or a
// backslash that browsers drop or turn into a slash, scheme-relative and
// absolute URLs; each must land on "/". Local paths are kept.
var nextCases = []struct{ next, want string }{
	{"/\t/evil.example", "/"},
	{"/\n/evil.example", "/"},
	{"/\r\n/evil.example", "/"},
	{"/\\evil.example", "/"},
	{"/x\\..\\\\evil.example", "/"},
	{"//evil.example", "/"},
	{"///evil.example", "/"},
	{"https://evil.example/", "/"},
	{"javascript:alert(1)", "/"},
	{"evil.example", "/"},
	{"/\x00/evil.example", "/"},
	{"/\u2028/evil.example", "/"},
	{"/ /evil.example", "/"},
	{"", "/"},
	{"/catalogue?q=bois#top", "/catalogue?q=bois#top"},
	{"/coops/scop-echo", "/coops/scop-echo"},
}

func noFollow(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestLanguageSwitchRedirectStaysLocal(t *testing.T) {
	srv, _ := mustServer(t, nil)
	for _, tt := range nextCases {
		resp, err := noFollow(t).Get(srv.URL + "/lang/en?next=" + url.QueryEscape(tt.next))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tt.want {
			t.Errorf("GET /lang/en?next=%q = %d Location %q, want 303 %q", tt.next, resp.StatusCode, got, tt.want)
		}
	}
}

func TestLoginRedirectStaysLocal(t *testing.T) {
	for _, tt := range nextCases {
		srv, _ := mustServer(t, nil) // a fresh server: logins are rate-limited
		c := newClient(t, srv.URL)
		c.do("GET", "/login", nil)
		form := url.Values{"csrf": {c.csrf}, "email": {"echo@echo.example"}, "password": {"correct horse battery"}, "next": {tt.next}}
		req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tt.want {
			t.Errorf("POST /login next=%q = %d Location %q, want 303 %q", tt.next, resp.StatusCode, got, tt.want)
		}
	}
}
