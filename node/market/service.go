package market

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Query filters listings. Empty fields match everything.
type Query struct {
	Side    node.ListingSide
	Kind    node.ListingKind
	CPV     string // a CPV code; matches listings whose codes it covers or that cover it
	Country string
	Scope   node.Scope
	Status  node.ListingStatus
	Owner   string
	Origin  string // "local", "remote" or a node's actor URL
	Limit   int
	Offset  int
}

// Store persists the marketplace. Each write stores the change and its
// events in one transaction.
type Store interface {
	CreateListing(ctx context.Context, l *node.Listing, events []node.Event) error
	// GetListing returns a local or remote listing; ENOTFOUND if none.
	GetListing(ctx context.Context, id string) (*node.Listing, error)
	// ListingByAPID returns a listing by its ActivityPub id.
	ListingByAPID(ctx context.Context, apID string) (*node.Listing, error)
	UpdateListing(ctx context.Context, l *node.Listing, events []node.Event) error
	DeleteListing(ctx context.Context, id string, events []node.Event) error
	// DeleteRemoteListingsOf purges every listing of a peer.
	DeleteRemoteListingsOf(ctx context.Context, origin string) error
	Listings(ctx context.Context, q Query) ([]*node.Listing, int, error)
	// OpenListings returns the open listings of one side, for matching.
	OpenListings(ctx context.Context, side node.ListingSide) ([]*node.Listing, error)
	// DueGroupPurchases returns the local open group purchases whose
	// deadline is at or before t.
	DueGroupPurchases(ctx context.Context, t time.Time) ([]*node.Listing, error)

	// SaveResponse inserts or replaces a response and stores the listing
	// it changed (nil for none); ECONFLICT when its offer id is taken.
	SaveResponse(ctx context.Context, r *node.Response, l *node.Listing, notices []Notice, events []node.Event) error
	GetResponse(ctx context.Context, listingID, id string) (*node.Response, error)
	ResponseByOffer(ctx context.Context, offerID string) (*node.Response, error)
	Responses(ctx context.Context, listingID string) ([]*node.Response, error)

	SaveSubscription(ctx context.Context, s *Subscription) error
	Subscriptions(ctx context.Context, listingID string) ([]*Subscription, error)
	// EndSubscriptionsOf ends every open subscription of a member at t
	// and returns them.
	EndSubscriptionsOf(ctx context.Context, member string, t time.Time) ([]*Subscription, error)
	SetUsage(ctx context.Context, listingID, member, period string, units int64) error
	Usage(ctx context.Context, listingID, period string) (map[string]int64, error)

	AddMarketNotices(ctx context.Context, notices []Notice) error
}

// Members looks up the node's members.
type Members interface {
	GetMember(ctx context.Context, id string) (*node.Member, error)
}

// Actor is who asks: an admin of the node, or a person acting for one
// local member co-op.
type Actor struct {
	Admin  bool
	Member string
}

// Service implements the marketplace use cases. Store and Members are
// required; Country is the node's country (the default country of a
// listing).
type Service struct {
	Store   Store
	Members Members
	Country string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NewID returns a fresh random id suffix; nil means 10 random bytes
	// in hex.
	NewID func() string
	// Committed is called after every successful write, to wake the
	// outbox relay.
	Committed func()

	// mu serialises the writes that read a listing and write it back
	// (responses, answers, closing, edits), so that two commitments to a
	// group purchase arriving together both count. The store has one
	// writer per node; replicas sharing a database would need the store
	// to do this in its transaction.
	mu sync.Mutex
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) newID(prefix string) string {
	if s.NewID != nil {
		return prefix + s.NewID()
	}
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s *Service) committed() {
	if s.Committed != nil {
		s.Committed()
	}
}

func forbidden(op, format string, args ...any) error {
	return &node.Error{Code: node.EFORBIDDEN, Op: op, Message: fmt.Sprintf(format, args...)}
}

// activeMember checks that id is an active local member.
func (s *Service) activeMember(ctx context.Context, op, field, id string) error {
	m, err := s.Members.GetMember(ctx, id)
	if node.ErrorCode(err) == node.ENOTFOUND || err == nil && (m.Origin != "" || !m.Status.Active()) {
		var p node.Problems
		p.Add(field, "%q is not an active member of this node", id)
		return p.Err(op)
	}
	return err
}

// Create publishes a local listing. A member may list only for itself;
// an admin may list for any active member or, with no owner, for the
// group.
func (s *Service) Create(ctx context.Context, a Actor, l *node.Listing) (*node.Listing, error) {
	const op = "create listing"
	if !a.Admin {
		if l.Owner != "" && l.Owner != a.Member {
			return nil, forbidden(op, "a member token may list only for its own member")
		}
		l.Owner = a.Member
	}
	l.ID, l.Origin, l.APID, l.Committed, l.Status = s.newID("l-"), "", "", 0, node.ListingOpen
	if l.Country == "" {
		l.Country = s.Country
	}
	l.Normalize()
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if l.Owner != "" {
		if err := s.activeMember(ctx, op, "owner", l.Owner); err != nil {
			return nil, err
		}
	}
	now := s.now()
	l.CreatedAt, l.UpdatedAt = now, now
	if l.Deadline != nil && !l.Deadline.After(now) {
		var p node.Problems
		p.Add("deadline", "is in the past")
		return nil, p.Err(op)
	}
	ev, err := node.NewEvent(node.SubjectListingCreated, l.ID, now, l)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateListing(ctx, l, []node.Event{ev}); err != nil {
		return nil, err
	}
	s.committed()
	return l, nil
}

// LocalListings returns the node's own listings, newest first, for a
// peer that joins (federation backfill).
func (s *Service) LocalListings(ctx context.Context) ([]*node.Listing, error) {
	var out []*node.Listing
	for offset := 0; ; offset += 500 {
		ls, total, err := s.Store.Listings(ctx, Query{Origin: "local", Limit: 500, Offset: offset})
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
		if offset+len(ls) >= total || len(ls) == 0 {
			return out, nil
		}
	}
}

// Get returns a listing.
func (s *Service) Get(ctx context.Context, id string) (*node.Listing, error) {
	return s.Store.GetListing(ctx, id)
}

// List returns the listings matching q and their total count.
func (s *Service) List(ctx context.Context, q Query) ([]*node.Listing, int, error) {
	var p node.Problems
	if q.Side != "" && q.Side != node.SideOffer && q.Side != node.SideNeed {
		p.Add("side", "must be offer or need")
	}
	if q.CPV != "" {
		if c, ok := node.NormalizeCPV(q.CPV); ok {
			q.CPV = c
		} else {
			p.Add("cpv", "%q is not a CPV code", q.CPV)
		}
	}
	if q.Limit < 0 || q.Limit > 500 || q.Offset < 0 {
		p.Add("limit", "must be 0-500 with a non-negative offset")
	}
	if err := p.Err("list listings"); err != nil {
		return nil, 0, err
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	return s.Store.Listings(ctx, q)
}

// Patch lists the fields of a listing to change; nil fields stay.
type Patch struct {
	Title          *map[string]string  `json:"title"`
	Description    *map[string]string  `json:"description"`
	CPV            *[]string           `json:"cpv"`
	Quantity       *node.Quantity      `json:"quantity"`
	Price          **node.Price        `json:"price"`
	CostModel      **node.CostModel    `json:"cost_model"`
	AvailableFrom  **time.Time         `json:"available_from"`
	AvailableUntil **time.Time         `json:"available_until"`
	Deadline       **time.Time         `json:"deadline"`
	Scope          *node.Scope         `json:"scope"`
	Region         *string             `json:"region"`
	Status         *node.ListingStatus `json:"status"`
}

// owns checks that a may change local listing l.
func owns(op string, a Actor, l *node.Listing) error {
	if l.Origin != "" {
		return forbidden(op, "listing %s belongs to node %s and is changed there", l.ID, l.Origin)
	}
	if a.Admin || l.Owner != "" && l.Owner == a.Member {
		return nil
	}
	if l.Owner == "" {
		return forbidden(op, "listing %s is the group's own; only an admin may change it", l.ID)
	}
	return forbidden(op, "listing %s belongs to member %s", l.ID, l.Owner)
}

// Update applies a patch to a local listing. The unit may change only
// while no response counts in it.
func (s *Service) Update(ctx context.Context, a Actor, id string, p Patch) (*node.Listing, error) {
	const op = "update listing"
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.Store.GetListing(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := owns(op, a, l); err != nil {
		return nil, err
	}
	unit := l.Quantity.Unit
	apply(l, p)
	l.Normalize()
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if l.Quantity.Unit != unit {
		rs, err := s.Store.Responses(ctx, l.ID)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			var pr node.Problems
			pr.Add("quantity.unit", "cannot change from %q: the listing has %d responses in it", unit, len(rs))
			return nil, pr.Err(op)
		}
	}
	l.UpdatedAt = s.now()
	ev, err := node.NewEvent(node.SubjectListingUpdated, l.ID, l.UpdatedAt, l)
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateListing(ctx, l, []node.Event{ev}); err != nil {
		return nil, err
	}
	s.committed()
	return l, nil
}

func apply(l *node.Listing, p Patch) {
	if p.Title != nil {
		l.Title = *p.Title
	}
	if p.Description != nil {
		l.Description = *p.Description
	}
	if p.CPV != nil {
		l.CPV = *p.CPV
	}
	if p.Quantity != nil {
		l.Quantity = *p.Quantity
	}
	if p.Price != nil {
		l.Price = *p.Price
	}
	if p.CostModel != nil {
		l.CostModel = *p.CostModel
	}
	if p.AvailableFrom != nil {
		l.AvailableFrom = *p.AvailableFrom
	}
	if p.AvailableUntil != nil {
		l.AvailableUntil = *p.AvailableUntil
	}
	if p.Deadline != nil {
		l.Deadline = *p.Deadline
	}
	if p.Scope != nil {
		l.Scope = *p.Scope
	}
	if p.Region != nil {
		l.Region = *p.Region
	}
	if p.Status != nil {
		l.Status = *p.Status
	}
}

// Delete withdraws a local listing; peers receive a Delete.
func (s *Service) Delete(ctx context.Context, a Actor, id string) error {
	const op = "delete listing"
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.Store.GetListing(ctx, id)
	if err != nil {
		return err
	}
	if err := owns(op, a, l); err != nil {
		return err
	}
	now := s.now()
	l.UpdatedAt = now
	ev, err := node.NewEvent(node.SubjectListingDeleted, l.ID, now, l)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteListing(ctx, id, []node.Event{ev}); err != nil {
		return err
	}
	s.committed()
	return nil
}
