package web

import (
	"context"
	"github.com/e-toiles/etoiles/internal/ratelimit"
	"net/http"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Mailer sends a plain-text email. The composition root adapts the
// node's SMTP sender to it; nil means SMTP is not configured, and there
// is no password reset by email.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// ResetLink returns the page where a password reset token is used.
func ResetLink(publicURL, token string) string {
	return strings.TrimSuffix(publicURL, "/") + "/password/reset/" + token
}

func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.view(r, rq, "forgot.title")
	v.D = map[string]string{"Email": r.URL.Query().Get("email")}
	s.render(w, http.StatusOK, "forgot", v)
	return nil
}

// forgot sends a reset link when an account has the address, and answers
// the same whether or not one has: the same page, the same status, and
// the mail goes out after the answer, so that the time taken tells
// nothing either.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Mailer == nil {
		return &node.Error{Code: node.EUNAVAILABLE, Op: "password reset", Message: "this node sends no email; ask an administrator"}
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	v := s.view(r, rq, "forgot.title")
	v.D = map[string]string{"Email": email}
	if email == "" || !strings.Contains(email, "@") {
		v.Errors = []fieldProblem{{ID: "email", Label: rq.L.T("field.email"), Reason: rq.L.T("forgot.email.invalid")}}
		s.render(w, http.StatusBadRequest, "forgot", v)
		return nil
	}
	if !s.limiter.allow(ratelimit.ClientKey(r, s.TrustedProxies), "reset:"+email) {
		w.Header().Set("Retry-After", "60")
		v.Errors = []fieldProblem{{ID: "email", Label: rq.L.T("field.email"), Reason: rq.L.T("login.throttled")}}
		s.render(w, http.StatusTooManyRequests, "forgot", v)
		return nil
	}
	token, u, err := s.Accounts.ResetToken(r.Context(), email)
	switch node.ErrorCode(err) {
	case "":
		l := rq.L
		ttl := s.Accounts.ResetTTL
		if ttl <= 0 {
			ttl = time.Hour
		}
		subject := l.T("reset.mail.subject", s.Info.Name)
		body := l.T("reset.mail.body", u.Name, s.Info.Name, ResetLink(s.Info.PublicURL, token), int(ttl.Minutes()))
		s.mails.Add(1)
		go func() {
			defer s.mails.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := s.Mailer.Send(ctx, u.Email, subject, body); err != nil {
				s.Logger.Error("send password reset mail", "user", u.ID, "err", err)
			}
		}()
	case node.ENOTFOUND, node.EFORBIDDEN:
		// No account, or one that may not log in: say the same.
	default:
		s.Logger.ErrorContext(r.Context(), "password reset", "err", err)
	}
	v.D = map[string]string{"Email": ""}
	v.Notice = rq.L.T("forgot.sent", email)
	s.render(w, http.StatusOK, "forgot", v)
	return nil
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := s.Accounts.CheckReset(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	v := s.view(r, rq, "reset.title")
	v.D = map[string]string{"Email": u.Email}
	s.render(w, http.StatusOK, "reset", v)
	return nil
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request, rq *request) error {
	token := r.PathValue("token")
	u, err := s.Accounts.CheckReset(r.Context(), token)
	if err != nil {
		return err
	}
	password, again := r.PostFormValue("password"), r.PostFormValue("password2")
	v := s.view(r, rq, "reset.title")
	v.D = map[string]string{"Email": u.Email}
	if password != again {
		v.Errors = []fieldProblem{{ID: "password2", Label: rq.L.T("field.password2"), Reason: rq.L.T("invite.mismatch")}}
		s.render(w, http.StatusBadRequest, "reset", v)
		return nil
	}
	if _, err := s.Accounts.ResetPassword(r.Context(), token, password); err != nil {
		if v.Errors = problems(rq.L, err); v.Errors == nil {
			return err
		}
		s.render(w, http.StatusBadRequest, "reset", v)
		return nil
	}
	v = s.view(r, rq, "login.title")
	v.Notice = rq.L.T("reset.done")
	v.D = map[string]string{"Email": u.Email}
	s.render(w, http.StatusOK, "login", v)
	return nil
}

// WaitMails waits until the reset mails sent so far have gone out or
// failed; the server calls it when it stops, tests to read them.
func (s *Server) WaitMails() { s.mails.Wait() }
