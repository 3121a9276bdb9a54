package notice

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Store persists notices and feed secrets.
type Store interface {
	// AddNotice records a notice unless the member already has one of
	// that kind and ref; added reports whether it was new.
	AddNotice(ctx context.Context, n *node.Notice) (added bool, err error)
	// Notices returns a member's notices, newest first, with ids below
	// before (0 = from the newest).
	Notices(ctx context.Context, member string, before int64, limit int) ([]*node.Notice, error)
	// FeedSecret returns a member's feed secret, "" when it has none.
	FeedSecret(ctx context.Context, member string) (string, error)
	// SetFeedSecret stores a member's new feed secret.
	SetFeedSecret(ctx context.Context, member, secret string) error
	// FeedMember returns the member whose feed secret this is; ENOTFOUND
	// if none.
	FeedMember(ctx context.Context, secret string) (string, error)
}

// Service implements the notice use cases. Store is required.
type Service struct {
	Store Store
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NewSecret returns a fresh feed secret; nil means 24 random bytes,
	// base64url.
	NewSecret func() string
}

// MaxLimit caps a page of notices.
const MaxLimit = 200

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) newSecret() string {
	if s.NewSecret != nil {
		return s.NewSecret()
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Add records a notice for a member, once per kind and ref.
func (s *Service) Add(ctx context.Context, n *node.Notice) (bool, error) {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	if n.Title == nil {
		n.Title = map[string]string{}
	}
	return s.Store.AddNotice(ctx, n)
}

// List returns a page of a member's notices, newest first.
func (s *Service) List(ctx context.Context, member string, before int64, limit int) ([]*node.Notice, error) {
	var p node.Problems
	switch {
	case limit == 0:
		limit = 50
	case limit < 0 || limit > MaxLimit:
		p.Add("limit", "must be 1-%d", MaxLimit)
	}
	if before < 0 {
		p.Add("before", "must not be negative")
	}
	if err := p.Err("list notices"); err != nil {
		return nil, err
	}
	return s.Store.Notices(ctx, member, before, limit)
}

// Feed returns the secret of a member's Atom feed, creating it the first
// time; rotate replaces it, so that the old URL stops working.
func (s *Service) Feed(ctx context.Context, member string, rotate bool) (string, error) {
	if !rotate {
		secret, err := s.Store.FeedSecret(ctx, member)
		if err != nil || secret != "" {
			return secret, err
		}
	}
	secret := s.newSecret()
	if err := s.Store.SetFeedSecret(ctx, member, secret); err != nil {
		return "", fmt.Errorf("feed secret: %w", err)
	}
	return secret, nil
}

// FeedMember returns the member a feed secret belongs to.
func (s *Service) FeedMember(ctx context.Context, secret string) (string, error) {
	if len(secret) < 16 {
		return "", &node.Error{Code: node.ENOTFOUND, Op: "feed", Message: "no such feed"}
	}
	return s.Store.FeedMember(ctx, secret)
}
