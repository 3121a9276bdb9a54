package smtptest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted: the envelope, the raw
// message, whether it came over TLS and who authenticated.
type Received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// Options configure a server: with TLS it offers STARTTLS, or speaks
// TLS from the first byte when ImplicitTLS is set (smtps); with User it
// offers AUTH PLAIN and accepts only User and Pass.
type Options struct {
	TLS         *tls.Config
	ImplicitTLS bool
	User, Pass  string
}

// Server is a loopback SMTP server that keeps the messages it receives.
type Server struct {
	Addr string
	opts Options
	mu   sync.Mutex
	msgs []Received
	// Refuse, when set, makes DATA fail with this error.
	refuse error
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// SetRefuse makes the server refuse messages (nil accepts again).
func (s *Server) SetRefuse(err error) {
	s.mu.Lock()
	s.refuse = err
	s.mu.Unlock()
}

// URL returns an --smtp-url for the server with the given from address.
func (s *Server) URL(from string) string {
	return "smtp://" + s.Addr + "?from=" + strings.ReplaceAll(from, "@", "%40")
}

type session struct {
	srv  *Server
	conn *smtp.Conn
	cur  Received
}

func (s *session) Reset()        { s.cur = Received{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.refuse != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: s.srv.refuse.Error()}
	}
	s.cur.Data = b
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	return nil
}

func (s *session) AuthMechanisms() []string {
	if s.srv.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if s.srv.opts.User == "" || user != s.srv.opts.User || pass != s.srv.opts.Pass {
			return errors.New("bad credentials")
		}
		s.cur.User = user
		return nil
	}), nil
}

// MustServer starts a server without TLS or AUTH; it stops at cleanup.
func MustServer(tb testing.TB) *Server { return MustServerWith(tb, Options{}) }

// MustServerWith starts a server with the given options; it stops at
// cleanup.
func MustServerWith(tb testing.TB, o Options) *Server {
	tb.Helper()
	srv := &Server{opts: o}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: srv, conn: c}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = o.TLS == nil
	s.TLSConfig = o.TLS
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil && o.ImplicitTLS {
		l = tls.NewListener(l, o.TLS)
	}
	if err != nil {
		tb.Fatal(err)
	}
	srv.Addr = l.Addr().String()
	go func() { _ = s.Serve(l) }()
	tb.Cleanup(func() { _ = s.Close() })
	return srv
}

// Parsed is a received message, parsed: headers and the decoded bodies by
// media type (text/plain, text/html).
type Parsed struct {
	Header  netmail.Header
	Subject string
	Bodies  map[string]string
}

// Parse parses a raw message with net/mail and mime/multipart.
func Parse(tb testing.TB, raw []byte) Parsed {
	tb.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("parse message: %v", err)
	}
	p := Parsed{Header: msg.Header, Bodies: map[string]string{}}
	p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		tb.Fatalf("subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		tb.Fatalf("content type: %v", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		var r io.Reader = msg.Body
		if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		b, _ := io.ReadAll(r)
		p.Bodies[mt] = string(b)
		return p
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("multipart: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		b, _ := io.ReadAll(part)
		p.Bodies[pt] = string(b)
	}
	return p
}
