package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/internal/smtptest"
	"github.com/e-toiles/etoiles/node/mail"
)

// MustServer starts a real SMTP server (go-smtp) on loopback; with
// tlsCfg it offers STARTTLS, and it accepts AUTH PLAIN as user/pass.
func MustServer(t testing.TB, tlsCfg *tls.Config, user, pass string) *smtptest.Server {
	return smtptest.MustServerWith(t, smtptest.Options{TLS: tlsCfg, User: user, Pass: pass})
}

func mustCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// parts parses a received message into its headers and text/html bodies.
func parts(t *testing.T, raw []byte) (*netmail.Message, map[string]string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		out[mt] = strings.TrimSuffix(string(b), "\r\n")
		return msg, out
	}
	if mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %s, want multipart/alternative", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		out[pt] = string(b)
	}
	return msg, out
}

func TestSendMultipart(t *testing.T) {
	srv := MustServer(t, nil, "digest", "s3cret")
	cfg, err := mail.ParseURL("smtp://digest:s3cret@" + srv.Addr + "?from=" + "R%C3%A9seau+FR+%3Cnews%40fr.example%3E")
	if err != nil {
		t.Fatal(err)
	}
	s, err := mail.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("coopérative ", 20)
	err = s.Send(context.Background(), mail.Message{
		To:      []string{"Liste <liste@lists.example>"},
		Subject: "Lettre de novembre — coopératives",
		Text:    "Bonjour\n" + long + "\n",
		HTML:    "<p>Bonjour <strong>" + long + "</strong></p>",
		Headers: map[string]string{"List-Id": "<liste.lists.example>"},
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	r := got[0]
	if r.From != "news@fr.example" || len(r.To) != 1 || r.To[0] != "liste@lists.example" || r.User != "digest" {
		t.Errorf("envelope = %q → %q (user %q), want news@fr.example → liste@lists.example as digest", r.From, r.To, r.User)
	}
	msg, bodies := parts(t, r.Data)
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != "Lettre de novembre — coopératives" {
		t.Errorf("Subject = %q (%v)", subj, err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || from[0].Name != "Réseau FR" {
		t.Errorf("From = %v (%v), want Réseau FR", from, err)
	}
	if msg.Header.Get("List-Id") != "<liste.lists.example>" || msg.Header.Get("Message-Id") == "" {
		t.Errorf("headers = %v", msg.Header)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if bodies["text/plain"] != "Bonjour\r\n"+long+"\r\n" {
		t.Errorf("text part = %q", bodies["text/plain"])
	}
	if !strings.Contains(bodies["text/html"], "<strong>"+long) {
		t.Errorf("html part = %q", bodies["text/html"])
	}
	for _, line := range strings.Split(string(r.Data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than 998 octets: %d", len(line))
		}
	}
}

func TestSendTextOnlyAndStartTLS(t *testing.T) {
	cert, pool := mustCert(t)
	srv := MustServer(t, &tls.Config{Certificates: []tls.Certificate{cert}}, "u", "p")
	cfg, err := mail.ParseURL("smtp://u:p@" + srv.Addr + "?from=a%40fr.example&tls=required")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig = &tls.Config{RootCAs: pool}
	s, _ := mail.New(cfg)
	if err := s.Send(context.Background(), mail.Message{To: []string{"b@example.org"}, Subject: "x", Text: "only text"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Messages()
	if len(got) != 1 || !got[0].TLS {
		t.Fatalf("received %+v, want one message over TLS", got)
	}
	_, bodies := parts(t, got[0].Data)
	if bodies["text/plain"] != "only text" {
		t.Errorf("bodies = %q", bodies)
	}
	// A server without STARTTLS is refused under tls=required.
	plain := MustServer(t, nil, "u", "p")
	cfg.Addr = plain.Addr
	s, _ = mail.New(cfg)
	if err := s.Send(context.Background(), mail.Message{To: []string{"b@example.org"}, Text: "x"}); err == nil || !strings.Contains(err.Error(), "starttls") {
		t.Errorf("Send to a plain server with tls=required = %v, want a starttls error", err)
	}
	if n := len(plain.Messages()); n != 0 {
		t.Errorf("plain server received %d messages", n)
	}
}

func TestImplicitTLS(t *testing.T) {
	cert, pool := mustCert(t)
	srv := smtptest.MustServerWith(t, smtptest.Options{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, ImplicitTLS: true})
	cfg, err := mail.ParseURL("smtps://" + srv.Addr + "?from=a%40fr.example")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig = &tls.Config{RootCAs: pool}
	sender, _ := mail.New(cfg)
	if err := sender.Send(context.Background(), mail.Message{To: []string{"b@example.org"}, Text: "hello"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || !got[0].TLS {
		t.Fatalf("received %+v, want one message over TLS", got)
	}
}

func TestRefusals(t *testing.T) {
	srv := MustServer(t, nil, "u", "p")
	s, _ := mail.New(mail.Config{Addr: srv.Addr, From: "a@fr.example"})
	ctx := context.Background()
	for name, m := range map[string]mail.Message{
		"no recipient":      {Text: "x"},
		"bad recipient":     {To: []string{"not an address"}, Text: "x"},
		"subject injection": {To: []string{"b@example.org"}, Subject: "hi\r\nBcc: victim@example.org", Text: "x"},
		"header injection":  {To: []string{"b@example.org"}, Text: "x", Headers: map[string]string{"X-A": "1\r\nBcc: v@example.org"}},
		"reserved header":   {To: []string{"b@example.org"}, Text: "x", Headers: map[string]string{"from": "evil@example.org"}},
		"empty body":        {To: []string{"b@example.org"}},
	} {
		if err := s.Send(ctx, m); err == nil {
			t.Errorf("Send(%s) = nil, want an error", name)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages after refusals", n)
	}
	// Wrong password: the server refuses AUTH.
	bad, _ := mail.New(mail.Config{Addr: srv.Addr, From: "a@fr.example", Username: "u", Password: "wrong"})
	if err := bad.Send(ctx, mail.Message{To: []string{"b@example.org"}, Text: "x"}); err == nil || !strings.Contains(err.Error(), "auth") {
		t.Errorf("Send with a wrong password = %v, want an auth error", err)
	}
}

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		in   string
		addr string
		tls  mail.TLSMode
		ok   bool
	}{
		{"smtp://mail.example.org?from=a%40example.org", "mail.example.org:587", mail.TLSOpportunistic, true},
		{"smtp://u:p@mail.example.org:25?from=a%40example.org&tls=none", "mail.example.org:25", mail.TLSNone, true},
		{"smtps://mail.example.org?from=a%40example.org", "mail.example.org:465", mail.TLSImplicit, true},
		{"smtp://mail.example.org", "", 0, false},
		{"http://mail.example.org?from=a%40example.org", "", 0, false},
		{"smtp://mail.example.org?from=a%40example.org&tls=maybe", "", 0, false},
		{"smtp://?from=a%40example.org", "", 0, false},
		{"smtp://user:s3cret@mail.example.org:bad?from=a%40example.org", "", 0, false},
	} {
		c, err := mail.ParseURL(tt.in)
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL error shows the password: %v", err)
		}
		if (err == nil) != tt.ok {
			t.Errorf("ParseURL(%s) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && (c.Addr != tt.addr || c.TLS != tt.tls) {
			t.Errorf("ParseURL(%s) = %s/%d, want %s/%d", tt.in, c.Addr, c.TLS, tt.addr, tt.tls)
		}
	}
}
