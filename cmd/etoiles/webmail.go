package main

import (
	"context"
	"fmt"

	"github.com/e-toiles/etoiles/node/mail"
	"github.com/e-toiles/etoiles/node/web"
)

// smtpMailer sends the web pages' mail (password reset links) through the
// node's SMTP sender.
type smtpMailer struct{ s *mail.Sender }

func (m smtpMailer) Send(ctx context.Context, to, subject, body string) error {
	return m.s.Send(ctx, mail.Message{To: []string{to}, Subject: subject, Text: body})
}

// newMailer returns the web Mailer of --smtp-url.
func newMailer(smtpURL string) (web.Mailer, error) {
	cfg, err := mail.ParseURL(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	s, err := mail.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	return smtpMailer{s}, nil
}
