package smtptest

import (
	"bytes"
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

	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Server is a loopback SMTP server that keeps the messages it receives.
type Server struct {
	Addr string
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
	srv *Server
	cur Received
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
	s.srv.msgs = append(s.srv.msgs, s.cur)
	return nil
}

// MustServer starts a server without TLS or AUTH; it stops at cleanup.
func MustServer(tb testing.TB) *Server {
	tb.Helper()
	srv := &Server{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: srv}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
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
