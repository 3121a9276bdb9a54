package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"github.com/e-toiles/etoiles/internal/ratelimit"
	"net/http"
	"net/url"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

// Cookie names. The session cookie carries the session token; the
// visitor cookie binds the CSRF token of forms sent before logging in.
const (
	sessionCookie = "etoiles_session"
	visitorCookie = "etoiles_visitor"
)

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure()})
}

func (s *Server) clearSession(w http.ResponseWriter, _ *http.Request) {
	s.setCookie(w, sessionCookie, "", -1)
}

// csrfToken returns the synchroniser token of the request: an HMAC of the
// session token when logged in, else of the visitor cookie, which it sets
// when missing.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request, rq *request) string {
	binding := rq.Session
	if binding == "" {
		if c, err := r.Cookie(visitorCookie); err == nil && len(c.Value) >= 32 {
			binding = c.Value
		} else if r.Method != http.MethodPost {
			binding = auth.NewToken()
			s.setCookie(w, visitorCookie, binding, 0)
		}
	}
	if binding == "" {
		return ""
	}
	return s.sign(binding)
}

func (s *Server) sign(binding string) string {
	m := hmac.New(sha256.New, s.CSRFKey)
	m.Write([]byte("csrf\x00" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfOK checks a POST: its csrf field must be the token of the session
// (or visitor) it came with, and a cross-origin Origin is refused.
func (s *Server) csrfOK(r *http.Request, rq *request) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	got := r.PostFormValue("csrf")
	return rq.CSRF != "" && got != "" && hmac.Equal([]byte(got), []byte(rq.CSRF))
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.User != nil {
		redirect(w, r, "/")
		return nil
	}
	v := s.view(r, rq, "login.title")
	v.Next = safeNext(r.URL.Query().Get("next"))
	v.D = map[string]string{"Email": ""}
	s.render(w, http.StatusOK, "login", v)
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, rq *request) error {
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	v := s.view(r, rq, "login.title")
	v.Next = safeNext(r.PostFormValue("next"))
	v.D = map[string]string{"Email": email}
	if !s.limiter.allow(ratelimit.ClientKey(r, s.TrustedProxies), email) {
		w.Header().Set("Retry-After", "60")
		v.Errors = []fieldProblem{{ID: "email", Label: rq.L.T("field.email"), Reason: rq.L.T("login.throttled")}}
		s.render(w, http.StatusTooManyRequests, "login", v)
		return nil
	}
	_, token, err := s.Accounts.Login(r.Context(), email, password)
	if err != nil {
		var reason string
		switch node.ErrorCode(err) {
		case node.EUNAUTHORIZED:
			reason = rq.L.T("login.failed")
		case node.EFORBIDDEN:
			reason = rq.L.T("login.inactive")
		default:
			return err
		}
		v.Errors = []fieldProblem{{ID: "email", Label: rq.L.T("field.email"), Reason: reason}}
		s.render(w, http.StatusUnauthorized, "login", v)
		return nil
	}
	// A new session token on every login: a token planted before login
	// is never authenticated. End the old session if there was one.
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = s.Accounts.Logout(r.Context(), c.Value)
	}
	s.setCookie(w, sessionCookie, token, 0)
	next := v.Next
	if next == "" {
		next = "/" // the home page sends each role to its first page
	}
	redirect(w, r, next)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.Accounts.Logout(r.Context(), rq.Session); err != nil {
		return err
	}
	s.clearSession(w, r)
	redirect(w, r, "/login")
	return nil
}

func (s *Server) invitePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	inv, err := s.Accounts.CheckInvite(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	v := s.view(r, rq, "invite.title")
	v.D = map[string]any{"Invite": inv, "Email": inv.Email, "Coop": s.coopName(r, inv.Member)}
	s.render(w, http.StatusOK, "invite", v)
	return nil
}

func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request, rq *request) error {
	token := r.PathValue("token")
	inv, err := s.Accounts.CheckInvite(r.Context(), token)
	if err != nil {
		return err
	}
	name, email := r.PostFormValue("name"), r.PostFormValue("email")
	password, again := r.PostFormValue("password"), r.PostFormValue("password2")
	v := s.view(r, rq, "invite.title")
	v.D = map[string]any{"Invite": inv, "Email": email, "Name": name, "Coop": s.coopName(r, inv.Member)}
	if password != again {
		v.Errors = []fieldProblem{{ID: "password2", Label: rq.L.T("field.password2"), Reason: rq.L.T("invite.mismatch")}}
		s.render(w, http.StatusBadRequest, "invite", v)
		return nil
	}
	if _, err := s.Accounts.AcceptInvite(r.Context(), token, name, email, password); err != nil {
		if v.Errors = problems(rq.L, err); v.Errors == nil {
			return err
		}
		s.render(w, http.StatusBadRequest, "invite", v)
		return nil
	}
	v = s.view(r, rq, "login.title")
	v.Notice = rq.L.T("invite.done")
	v.D = map[string]string{"Email": email}
	if inv.Email != "" {
		v.D = map[string]string{"Email": inv.Email}
	}
	s.render(w, http.StatusOK, "login", v)
	return nil
}

// coopName returns the name of a co-op, or its id when it is unknown.
func (s *Server) coopName(r *http.Request, id string) string {
	if id == "" {
		return ""
	}
	if m, err := s.Members.Get(r.Context(), id); err == nil {
		return m.Name
	}
	return id
}

// problems turns a domain error's field errors into form problems, or
// returns nil for an error that is not about fields.
func problems(l *Locale, err error) []fieldProblem {
	fields := node.ErrorFields(err)
	if len(fields) == 0 {
		return nil
	}
	out := make([]fieldProblem, 0, len(fields))
	seen := map[string]bool{}
	for _, f := range fields {
		id := fieldID(f.Field)
		if seen[id] {
			continue
		}
		seen[id] = true
		labelKey := "field." + strings.SplitN(id, "-", 2)[0]
		label := l.T(labelKey)
		if strings.HasPrefix(id, "summary-") {
			label = l.T("field.summary.in", l.LangName(strings.TrimPrefix(id, "summary-")))
		}
		out = append(out, fieldProblem{ID: id, Label: label, Reason: f.Reason, ReasonLang: "en"})
	}
	return out
}

// fieldID maps a domain field path to the id of its form control:
// "summary.fr" → "summary-fr", "competences[2]" → "competences".
func fieldID(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return strings.ReplaceAll(field, ".", "-")
}
