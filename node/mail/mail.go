package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Message is one mail. To holds one or more addresses ("a@example.org" or
// "Name <a@example.org>"). Text is required; HTML is optional and, when
// set, sent as the rich alternative of Text. Headers adds extra headers
// such as List-Id or List-Unsubscribe; it cannot override From, To,
// Subject, Date, Message-ID or the MIME headers.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
	Headers map[string]string
}

// TLSMode says how a Sender protects an smtp:// connection.
type TLSMode int

const (
	// TLSOpportunistic upgrades with STARTTLS when the server offers it.
	TLSOpportunistic TLSMode = iota
	// TLSRequired refuses to send unless STARTTLS succeeds.
	TLSRequired
	// TLSNone never upgrades (a relay on the same host).
	TLSNone
	// TLSImplicit speaks TLS from the first byte (smtps://).
	TLSImplicit
)

// Config configures a Sender. ParseURL fills it from --smtp-url.
type Config struct {
	Addr     string // host:port
	Username string // empty = no AUTH
	Password string
	From     string // envelope and header sender, "Name <a@example.org>" allowed
	TLS      TLSMode
	// TLSConfig, when set, is used for STARTTLS and implicit TLS (tests pin
	// a self-signed root here). Its ServerName defaults to the host.
	TLSConfig *tls.Config
	// HelloName is sent in EHLO; empty = "localhost".
	HelloName string
	// Timeout bounds one Send when ctx has no deadline; zero = 30s.
	Timeout time.Duration
}

// ParseURL reads an --smtp-url: smtp://[user[:pass]@]host[:port]?from=ADDR
// [&tls=required|none] or smtps://... for implicit TLS.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// The URL may hold a password: name the problem, not the URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Config{}, fmt.Errorf("smtp url: %v", err)
	}
	var c Config
	port := "587"
	switch u.Scheme {
	case "smtp":
		switch u.Query().Get("tls") {
		case "", "opportunistic":
			c.TLS = TLSOpportunistic
		case "required":
			c.TLS = TLSRequired
		case "none":
			c.TLS = TLSNone
		default:
			return Config{}, fmt.Errorf("smtp url: tls=%q: want required, none or opportunistic", u.Query().Get("tls"))
		}
	case "smtps":
		c.TLS = TLSImplicit
		port = "465"
	default:
		return Config{}, fmt.Errorf("smtp url: scheme %q: want smtp or smtps", u.Scheme)
	}
	if u.Hostname() == "" {
		return Config{}, errors.New("smtp url: no host")
	}
	if u.Port() != "" {
		port = u.Port()
	}
	c.Addr = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	c.From = u.Query().Get("from")
	if c.From == "" {
		return Config{}, errors.New("smtp url: from=ADDRESS is required")
	}
	if _, err := netmail.ParseAddress(c.From); err != nil {
		return Config{}, fmt.Errorf("smtp url: from: %w", err)
	}
	return c, nil
}

// Sender sends Messages through one SMTP server. It is safe for concurrent
// use: each Send opens its own connection.
type Sender struct {
	cfg  Config
	from *netmail.Address
	now  func() time.Time
}

// New returns a Sender for cfg.
func New(cfg Config) (*Sender, error) {
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("mail: addr: %w", err)
	}
	return &Sender{cfg: cfg, from: from, now: time.Now}, nil
}

// From returns the configured sender address.
func (s *Sender) From() string { return s.from.String() }

// Send delivers m. It returns an error naming the SMTP step that failed.
func (s *Sender) Send(ctx context.Context, m Message) error {
	rcpts, err := parseRecipients(m.To)
	if err != nil {
		return err
	}
	raw, err := build(s.from, rcpts, m, s.now(), s.messageIDDomain())
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		timeout := s.cfg.Timeout
		if timeout == 0 {
			timeout = 30 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return s.deliver(ctx, rcpts, raw)
}

func (s *Sender) messageIDDomain() string {
	if i := strings.LastIndexByte(s.from.Address, '@'); i >= 0 {
		return s.from.Address[i+1:]
	}
	return "localhost"
}

func (s *Sender) tlsConfig(host string) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	return c
}

func (s *Sender) deliver(ctx context.Context, rcpts []*netmail.Address, raw []byte) error {
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail: dial: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if s.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, s.tlsConfig(host))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("mail: tls: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: greeting: %w", err)
	}
	defer c.Close()
	hello := s.cfg.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("mail: ehlo: %w", err)
	}
	if s.cfg.TLS == TLSOpportunistic || s.cfg.TLS == TLSRequired {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig(host)); err != nil {
				return fmt.Errorf("mail: starttls: %w", err)
			}
		} else if s.cfg.TLS == TLSRequired {
			return errors.New("mail: starttls: the server does not offer it and tls=required")
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, host)); err != nil {
			return fmt.Errorf("mail: auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("mail: mail from: %w", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r.Address); err != nil {
			return fmt.Errorf("mail: rcpt to %s: %w", r.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: data: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("mail: data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: data: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("mail: quit: %w", err)
	}
	return nil
}

func parseRecipients(to []string) ([]*netmail.Address, error) {
	if len(to) == 0 {
		return nil, errors.New("mail: no recipient")
	}
	out := make([]*netmail.Address, 0, len(to))
	for _, t := range to {
		if strings.ContainsAny(t, "\r\n") {
			return nil, fmt.Errorf("mail: recipient %q: line break", t)
		}
		a, err := netmail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("mail: recipient %q: %w", t, err)
		}
		out = append(out, a)
	}
	return out, nil
}
