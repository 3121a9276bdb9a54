package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"golang.org/x/text/unicode/norm"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/market"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/opportunity"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// PeerService manages the peer nodes; federation implements it.
type PeerService interface {
	AddPeer(ctx context.Context, actorURL string) (*node.Peer, error)
	ListPeers(ctx context.Context) ([]*node.Peer, error)
	BlockPeer(ctx context.Context, id int64) (*node.Peer, error)
	UnblockPeer(ctx context.Context, id int64) (*node.Peer, error)
}

// Info describes the node for the settings page.
type Info struct {
	PublicURL string
	Name      string
	Country   string
	Role      string
	Version   string
}

// Server serves the HTML pages. Accounts, Members, Catalogue and Codes
// are required; Peers may be nil (the peers page then says so).
type Server struct {
	Accounts  *auth.Accounts
	Members   *membership.Service
	Catalogue *catalogue.Service
	Codes     *codes.Service
	Peers     PeerService
	// Reports and Trust serve the confederation pages; nil on a
	// national node (the pages then answer 404).
	Reports ReportSource
	Trust   TrustService
	// Opportunities serves the opportunity pages; nil hides them.
	// Suggest proposes consortia on them; nil hides the suggestions.
	Opportunities *opportunity.Service
	Suggest       Suggester
	// News serves the news and events pages; nil hides them.
	News *news.Service
	// Market serves the marketplace pages; nil hides them. Notices
	// gives the marketplace page its notices; nil shows none.
	Market  *market.Service
	Notices NoticeLister
	// Live lets pages follow the event stream (server-sent events that a
	// small script turns into an offer to reload); nil turns it off.
	Live LiveEvents
	Info Info
	// CSRFKey signs CSRF tokens; nil means a random key per process.
	CSRFKey []byte
	// Limits throttles login attempts; the zero value uses the defaults.
	Limits LoginLimits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; empty trusts none (the connecting address is the client).
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	// Mailer sends password reset links; nil when SMTP is not configured.
	Mailer Mailer
	// Site keeps the public site's texts; nil shows the defaults of the
	// locale catalogues and hides their form.
	Site SiteTexts

	pages   map[string]*template.Template
	limiter *loginLimiter
	mails   sync.WaitGroup

	closeOnce, stopOnce sync.Once
	closing             chan struct{}
}

// Init parses the templates; Register calls it.
func (s *Server) Init() error {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.CSRFKey == nil {
		s.CSRFKey = make([]byte, 32)
		_, _ = rand.Read(s.CSRFKey)
	}
	s.limiter = newLoginLimiter(s.Limits)
	pages, err := parsePages()
	if err != nil {
		return err
	}
	s.pages = pages
	return nil
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue // the layout and the partials (_*.html) go into every page
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", n)
		if err != nil {
			return nil, err
		}
		out[base] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"contains": contains,
	"list":     func(s ...string) []string { return s },
	"inc":      func(i int) int { return i + 1 },
	"para": func(s string) []string {
		var out []string
		for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	},
	"prefix": strings.HasPrefix,
	"host": func(u string) string {
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			return p.Host
		}
		return u
	},
}

// Route is one page route: a ServeMux pattern, the roles allowed (nil =
// anyone, empty = any logged-in user) and the handler.
type Route struct {
	Pattern string
	Roles   []string
	Handler func(s *Server, w http.ResponseWriter, r *http.Request, rq *request) error
}

var (
	anyone    []string
	loggedIn  = []string{}
	adminOnly = []string{auth.RoleAdmin}
	people    = []string{auth.RoleAdmin, auth.RoleMember}
)

// Routes lists every page route.
var Routes = []Route{
	{"GET /login", anyone, (*Server).loginPage},
	{"POST /login", anyone, (*Server).login},
	{"POST /logout", anyone, (*Server).logout},
	{"GET /invite/{token}", anyone, (*Server).invitePage},
	{"POST /invite/{token}", anyone, (*Server).acceptInvite},
	{"GET /lang/{tag}", anyone, (*Server).switchLanguage},
	{"GET /password/forgot", anyone, (*Server).forgotPage},
	{"POST /password/forgot", anyone, (*Server).forgot},
	{"GET /password/reset/{token}", anyone, (*Server).resetPage},
	{"POST /password/reset/{token}", anyone, (*Server).reset},
	{"GET /catalogue", loggedIn, (*Server).cataloguePage},
	{"GET /directory", anyone, (*Server).directoryPage},
	{"GET /directory/{id}", anyone, (*Server).directoryEntry},
	{"GET /profile", people, (*Server).profile},
	{"GET /coops/{id}/edit", people, (*Server).editPage},
	{"POST /coops/{id}/edit", people, (*Server).edit},
	{"GET /admin/members", adminOnly, (*Server).membersPage},
	{"GET /admin/members/new", adminOnly, (*Server).newMemberPage},
	{"POST /admin/members/new", adminOnly, (*Server).createMember},
	{"GET /admin/members/{id}", adminOnly, (*Server).memberPage},
	{"POST /admin/members/{id}/status", adminOnly, (*Server).setStatus},
	{"GET /admin/invites", adminOnly, (*Server).invitesPage},
	{"POST /admin/invites", adminOnly, (*Server).createInvite},
	{"GET /admin/peers", adminOnly, (*Server).peersPage},
	{"POST /admin/peers", adminOnly, (*Server).addPeer},
	{"POST /admin/peers/{id}/block", adminOnly, (*Server).blockPeer},
	{"POST /admin/peers/{id}/unblock", adminOnly, (*Server).unblockPeer},
	{"GET /admin/settings", adminOnly, (*Server).settingsPage},
	{"GET /admin/site", adminOnly, (*Server).siteTextsPage},
	{"POST /admin/site", adminOnly, (*Server).saveSiteTexts},
	{"GET /foryou", people, (*Server).forYou},
	{"GET /opportunities", people, (*Server).opportunitiesPage},
	{"GET /opportunities/new", people, (*Server).postOpportunityPage},
	{"POST /opportunities/new", people, (*Server).postOpportunity},
	{"GET /opportunities/{id}", people, (*Server).opportunityPage},
	{"POST /opportunities/{id}/interest", people, (*Server).expressInterest},
	{"POST /opportunities/{id}/lead", people, (*Server).takeOn},
	{"POST /opportunities/{id}/interests/{iid}/accept", people, (*Server).acceptInterest},
	{"POST /opportunities/{id}/interests/{iid}/reject", people, (*Server).rejectInterest},
	{"POST /opportunities/{id}/status", people, (*Server).setOpportunityStatus},
	{"GET /live/opportunities/{id}", people, (*Server).liveOpportunity},
	{"GET /live/foryou", people, (*Server).liveForYou},
	{"GET /news", anyone, (*Server).newsPage},
	{"GET /news/write", people, (*Server).writeNewsPage},
	{"POST /news/write", people, (*Server).writeNews},
	{"GET /news/{id}/edit", people, (*Server).editNewsPage},
	{"POST /news/{id}/edit", people, (*Server).editNews},
	{"POST /news/{id}/delete", people, (*Server).deleteNews},
	{"GET /events", anyone, (*Server).eventsPage},
	{"GET /events/write", people, (*Server).writeEventPage},
	{"POST /events/write", people, (*Server).writeEvent},
	{"GET /events/{id}/edit", people, (*Server).editEventPage},
	{"POST /events/{id}/edit", people, (*Server).editEvent},
	{"POST /events/{id}/delete", people, (*Server).deleteEvent},
	{"GET /market", people, (*Server).marketPage},
	{"GET /market/new", people, (*Server).postListingPage},
	{"POST /market/new", people, (*Server).postListing},
	{"GET /market/{id}", people, (*Server).listingPage},
	{"GET /market/{id}/shares.csv", people, (*Server).sharesCSV},
	{"POST /market/{id}/respond", people, (*Server).respondListing},
	{"POST /market/{id}/responses/{rid}/accept", people, (*Server).acceptResponse},
	{"POST /market/{id}/responses/{rid}/reject", people, (*Server).rejectResponse},
	{"POST /market/{id}/close", people, (*Server).closeListing},
	{"POST /market/{id}/subscribe", people, (*Server).subscribe},
	{"POST /market/{id}/unsubscribe", people, (*Server).unsubscribe},
	{"GET /network", confed, (*Server).networkPage},
	{"GET /network/stats.csv", confed, (*Server).networkCSV},
	{"GET /network/admissions", confed, (*Server).admissionsPage},
	{"POST /network/admissions", confed, (*Server).admit},
	{"POST /network/admissions/{jti}/revoke", confed, (*Server).revokeAdmission},
}

// Register adds the pages, the stylesheet and a catch-all for "/" (the
// home page, and a 404 page for any other unknown path) to mux.
func (s *Server) Register(mux *http.ServeMux) error {
	if err := s.Init(); err != nil {
		return err
	}
	for _, rt := range Routes {
		mux.Handle(rt.Pattern, s.handler(rt))
	}
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", secureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
	mux.Handle("/", s.handler(Route{"/", anyone, (*Server).home}))
	return nil
}

// secureHeaders sets the headers every page carries.
func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// cookieless are the public pages, which hold no form and set no cookie
// for anonymous visitors.
var cookieless = map[string]bool{"/": true, "GET /directory": true, "GET /directory/{id}": true, "GET /news": true, "GET /events": true, "GET /news/{id}": true, "GET /events/{id}": true}

// request is what a handler knows about the request beyond net/http.
type request struct {
	L       *Locale
	User    *auth.User
	Session string // the session token, "" when logged out
	CSRF    string
}

func (s *Server) handler(rt Route) http.Handler {
	return secureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Cookie, Accept-Language")
		rq := &request{L: negotiate(r)}
		if rt.Pattern == "/" && (r.URL.Path != "/" || r.Method != http.MethodGet && r.Method != http.MethodHead) {
			// The catch-all answers unknown paths and methods before any
			// session or CSRF work: 404, or 405 for "/" itself.
			err := &node.Error{Code: node.ENOTFOUND, Op: "page", Message: "no page at " + r.URL.Path}
			if c, cerr := r.Cookie(sessionCookie); cerr == nil && c.Value != "" {
				// Only to show the reader's menu and the pages it may open.
				if u, aerr := s.Accounts.Authenticate(r.Context(), c.Value); aerr == nil {
					rq.User = u
				}
			}
			if r.URL.Path == "/" {
				w.Header().Set("Allow", "GET, HEAD")
				err = &node.Error{Code: node.EUNSUPPORTED, Op: "page", Message: "method " + r.Method + " is not allowed here"}
			}
			s.fail(w, r, rq, err)
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			u, err := s.Accounts.Authenticate(r.Context(), c.Value)
			switch node.ErrorCode(err) {
			case "":
				rq.User, rq.Session = u, c.Value
			case node.EUNAUTHORIZED, node.EFORBIDDEN:
				s.clearSession(w, r)
				if node.ErrorCode(err) == node.EFORBIDDEN {
					_ = s.Accounts.Logout(r.Context(), c.Value)
				}
			default:
				s.fail(w, r, rq, err)
				return
			}
		}
		if r.Method == http.MethodPost {
			if err := readForm(w, r); err != nil {
				s.fail(w, r, rq, err)
				return
			}
		}
		if rq.User != nil || !cookieless[rt.Pattern] {
			rq.CSRF = s.csrfToken(w, r, rq) // sets the visitor cookie of a form
		}
		if r.Method == http.MethodPost && !s.csrfOK(r, rq) {
			s.fail(w, r, rq, &node.Error{Code: node.EFORBIDDEN, Op: "csrf", Message: "the form is out of date or was not sent by this site"})
			return
		}
		if rt.Roles != nil {
			if rq.User == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.fail(w, r, rq, &node.Error{Code: node.EUNAUTHORIZED, Op: "authorize", Message: "log in first"})
				return
			}
			if len(rt.Roles) > 0 && !hasRole(rq.User, rt.Roles) {
				s.fail(w, r, rq, &node.Error{Code: node.EFORBIDDEN, Op: "authorize", Message: "your role may not do this"})
				return
			}
		}
		if err := rt.Handler(s, w, r, rq); err != nil {
			s.fail(w, r, rq, err)
		}
	}))
}

func hasRole(u *auth.User, roles []string) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// statusOf maps error codes to HTTP statuses for pages.
var statusOf = map[string]int{
	node.EINVALID:      http.StatusBadRequest,
	node.ENOTFOUND:     http.StatusNotFound,
	node.ECONFLICT:     http.StatusConflict,
	node.EUNAUTHORIZED: http.StatusUnauthorized,
	node.EFORBIDDEN:    http.StatusForbidden,
	node.ERATELIMITED:  http.StatusTooManyRequests,
	node.EUNAVAILABLE:  http.StatusServiceUnavailable,
	node.EUNSUPPORTED:  http.StatusMethodNotAllowed,
	node.ETOOLARGE:     http.StatusRequestEntityTooLarge,
}

// readForm reads a POST form, multipart (file uploads) or not, within
// maxFormBytes: a bigger body is refused with 413 before anything else.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &node.Error{Code: node.ETOOLARGE, Op: "read form", Message: fmt.Sprintf("the form is over %d bytes", maxFormBytes)}
	case err != nil:
		return &node.Error{Code: node.EINVALID, Op: "read form", Message: "the form could not be read"}
	}
	nfcValues(r.PostForm)
	nfcValues(r.Form)
	if r.MultipartForm != nil {
		nfcValues(r.MultipartForm.Value)
	}
	return nil
}

// nfcValues normalises every form value to Unicode NFC, so that a name
// typed with combining accents and one typed precomposed are one name.
func nfcValues(v map[string][]string) {
	for _, vs := range v {
		for i, s := range vs {
			vs[i] = norm.NFC.String(s)
		}
	}
}

// fail renders the error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	code := node.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
		s.Logger.ErrorContext(r.Context(), "page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	s.failPage(w, r, rq, status, code, node.ErrorMessage(err))
}

// view is what every page template gets.
type view struct {
	L     *Locale
	User  *auth.User
	CSRF  string
	Title string
	// TitleLang is the language of the title when it is content (an
	// opportunity's title), not UI text.
	TitleLang string
	Path      string
	Next      string
	Info      Info
	Errors    []fieldProblem
	Notice    string
	D         any
	Language  []langLink
	// Network is true when the user may see the confederation pages.
	Network bool
	// Reset is true when password reset links can be sent.
	Reset bool
	// Opps is true when the node serves opportunity pages.
	Opps bool
	// HasNews is true when the node serves the news and events pages.
	HasNews bool
	// HasMarket is true when the node serves the marketplace pages.
	HasMarket bool
	// LiveURL is the page's event stream, for static/live.js; "" for none.
	LiveURL string
	// Alternates are the page's feeds, linked from its head.
	Alternates []alternate
}

type langLink struct {
	Tag, Name, Href string
	Current         bool
}

// fieldProblem is one form error: the control's id, its label and why.
type fieldProblem struct {
	ID, Label, Reason, ReasonLang string
}

// Err returns the problem of a control, for aria-describedby, or nil.
func (v *view) Err(id string) *fieldProblem {
	for i := range v.Errors {
		if v.Errors[i].ID == id {
			return &v.Errors[i]
		}
	}
	return nil
}

func (s *Server) view(r *http.Request, rq *request, titleKey string, args ...any) *view {
	v := &view{L: rq.L, User: rq.User, CSRF: rq.CSRF, Title: rq.L.T(titleKey, args...), Path: r.URL.Path, Info: s.Info}
	v.Reset = s.Mailer != nil
	v.Opps = s.Opportunities != nil
	v.HasNews = s.News != nil
	v.HasMarket = s.Market != nil
	v.Network = rq.User != nil && hasRole(rq.User, confed) && s.isConfederation()
	next := r.URL.RequestURI()
	for _, tag := range Languages {
		v.Language = append(v.Language, langLink{Tag: tag, Name: LocaleFor(tag).T("lang.self"), Current: tag == rq.L.Tag,
			Href: "/lang/" + tag + "?next=" + url.QueryEscape(next)})
	}
	return v
}

func (s *Server) render(w http.ResponseWriter, status int, page string, v *view) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "no template "+page, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.Logger.Error("render page", "page", page, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.L.Tag)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// redirect answers a successful form with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// safeNext keeps a redirect (after login, after a language switch) on
// this site: it returns next when it is a path that starts with a single
// "/", holds no backslash, control character or space (browsers drop tabs
// and newlines, so "/<TAB>/evil.example" would become "//evil.example"),
// and parses as a relative reference without scheme or host; else "".
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return ""
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	return next
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.User == nil {
		return s.publicHome(w, r, rq)
	}
	s.homeFor(w, r, rq.User)
	return nil
}

func (s *Server) switchLanguage(w http.ResponseWriter, r *http.Request, _ *request) error {
	tag := r.PathValue("tag")
	if !slices.Contains(Languages, tag) {
		return &node.Error{Code: node.ENOTFOUND, Op: "switch language", Message: "no such language"}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: tag, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure()})
	next := safeNext(r.URL.Query().Get("next"))
	if next == "" {
		next = "/"
	}
	redirect(w, r, next)
	return nil
}

func (s *Server) secure() bool { return strings.HasPrefix(s.Info.PublicURL, "https://") }
