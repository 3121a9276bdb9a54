package market

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Notice kinds.
const (
	NoticeMatch    = "match"    // a listing matches one of the member's
	NoticeResponse = "response" // someone answered the member's listing
	NoticeAccepted = "accepted" // the member's response was accepted
	NoticeRejected = "rejected" // the member's response was rejected
	NoticeClosed   = "closed"   // a listing the member answered closed
	NoticeLeft     = "unsubscribed"
)

// Notice tells a member (or, with an empty Member, the group's admins)
// about something in the marketplace. The store records it among the
// node's notices (node.Notice) with kind "listing", ref
// "{ListingID}#{Kind}" or "{ListingID}#{Kind}:{Other}" (see NoticeRef),
// the listing's title and the message as reason; a member gets each
// notice once.
type Notice struct {
	Member    string
	Kind      string
	ListingID string
	Other     string
	Title     map[string]string
	Message   string
	At        time.Time
}

// NoticeRef is the ref of a marketplace notice among the node's notices.
func (n Notice) NoticeRef() string {
	ref := n.ListingID + "#" + n.Kind
	if n.Other != "" {
		ref += ":" + n.Other
	}
	return ref
}

// ParseNoticeRef splits the ref of a marketplace notice into the listing,
// the kind of notice and the other listing or response it names.
func ParseNoticeRef(ref string) (listing, kind, other string) {
	listing, rest, _ := strings.Cut(ref, "#")
	kind, other, _ = strings.Cut(rest, ":")
	return listing, kind, other
}

func title(l *node.Listing) string {
	for _, lang := range []string{"en", "fr"} {
		if t := l.Title[lang]; t != "" {
			return t
		}
	}
	for _, t := range l.Title {
		return t
	}
	return l.ID
}

// Respond records a local member's answer to a listing, local or remote.
// A member answers for itself; an admin names the member in r.Responder.
// An answer to a remote listing raises an event that federation sends as
// an Offer of an Agreement to the listing's node. A commitment to a group
// purchase is accepted at once.
func (s *Service) Respond(ctx context.Context, a Actor, listingID string, r *node.Response) (*node.Response, error) {
	const op = "respond to listing"
	s.mu.Lock()
	defer s.mu.Unlock()
	if !a.Admin {
		if r.Responder != "" && r.Responder != a.Member {
			return nil, forbidden(op, "a member token may respond only for its own member")
		}
		r.Responder = a.Member
	}
	// An unknown listing is 404 whatever the body says.
	l, err := s.Store.GetListing(ctx, listingID)
	if err != nil {
		return nil, err
	}
	if r.Responder == "" {
		var p node.Problems
		p.Add("responder", "is required: the member that answers (an admin token names it)")
		return nil, p.Err(op)
	}
	if err := s.activeMember(ctx, op, "responder", r.Responder); err != nil {
		return nil, err
	}
	if l.Origin == "" && l.Owner == r.Responder {
		return nil, &node.Error{Code: node.ECONFLICT, Op: op, Message: "a member cannot respond to its own listing"}
	}
	if err := node.ValidateResponse(l, r); err != nil {
		return nil, err
	}
	now := s.now()
	r.ID, r.ListingID, r.ResponderNode, r.Status, r.CreatedAt = s.newID("r-"), l.ID, "", node.ResponsePending, now
	r.Agreement, r.DecidedAt, r.OfferID = nil, nil, ""
	if l.Origin != "" {
		ev, err := node.NewEvent(node.SubjectResponseOffered, r.ID, now, node.ResponseEvent{Response: r, Listing: l})
		if err != nil {
			return nil, err
		}
		if err := s.Store.SaveResponse(ctx, r, nil, nil, []node.Event{ev}); err != nil {
			return nil, err
		}
		s.committed()
		return r, nil
	}
	if err := s.receive(ctx, l, r); err != nil {
		return nil, err
	}
	return r, nil
}

// receive stores a response to a local listing: pending with a notice to
// the owner, or accepted at once for a group purchase.
func (s *Service) receive(ctx context.Context, l *node.Listing, r *node.Response) error {
	if l.Kind == node.KindGroupPurchase {
		return s.decide(ctx, l, r, true)
	}
	n := Notice{Member: l.Owner, Kind: NoticeResponse, ListingID: l.ID, Title: l.Title, Other: r.ID, At: r.CreatedAt,
		Message: fmt.Sprintf("%s offers %d %s for %q", r.Responder, r.Quantity.Value, r.Quantity.Unit, title(l))}
	if err := s.Store.SaveResponse(ctx, r, nil, []Notice{n}, nil); err != nil {
		return err
	}
	s.committed()
	return nil
}

// ReceiveOffer records a remote member's response to a local listing,
// which a peer sent as an Offer. r carries the responder's ids, the
// peer's actor (ResponderNode) and the Offer id. A replayed Offer changes
// nothing. A response the listing cannot take (closed, wrong unit, bad
// quantity) is recorded as rejected, so that a Reject goes back.
func (s *Service) ReceiveOffer(ctx context.Context, listingID string, r *node.Response) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.Store.GetListing(ctx, listingID)
	if err != nil {
		return err
	}
	if l.Origin != "" {
		return forbidden("receive offer", "listing %s is not this node's", listingID)
	}
	if old, err := s.Store.ResponseByOffer(ctx, r.OfferID); err == nil && old != nil {
		return nil
	} else if node.ErrorCode(err) != node.ENOTFOUND {
		return err
	}
	r.ListingID, r.Status, r.CreatedAt, r.Agreement, r.DecidedAt, r.Reason = l.ID, node.ResponsePending, s.now(), nil, nil, ""
	if err := node.ValidateResponse(l, r); err != nil {
		r.Reason = node.ErrorMessage(err)
		return s.decide(ctx, l, r, false)
	}
	return s.receive(ctx, l, r)
}

// Accept accepts a pending response to a local listing: only its owner
// (or an admin) may. The response becomes an agreement; for a remote
// responder an Accept carrying it goes back.
func (s *Service) Accept(ctx context.Context, a Actor, listingID, responseID string) (*node.Response, error) {
	return s.answer(ctx, "accept response", a, listingID, responseID, true)
}

// Reject rejects a pending response to a local listing.
func (s *Service) Reject(ctx context.Context, a Actor, listingID, responseID string) (*node.Response, error) {
	return s.answer(ctx, "reject response", a, listingID, responseID, false)
}

func (s *Service) answer(ctx context.Context, op string, a Actor, listingID, responseID string, accept bool) (*node.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.Store.GetListing(ctx, listingID)
	if err != nil {
		return nil, err
	}
	if err := owns(op, a, l); err != nil {
		return nil, err
	}
	r, err := s.Store.GetResponse(ctx, listingID, responseID)
	if err != nil {
		return nil, err
	}
	if r.Status != node.ResponsePending {
		return nil, &node.Error{Code: node.ECONFLICT, Op: op, Message: fmt.Sprintf("response %s is already %s", r.ID, r.Status)}
	}
	if accept && !l.Status.Open() {
		return nil, &node.Error{Code: node.ECONFLICT, Op: op, Message: fmt.Sprintf("listing %s is %s", l.ID, l.Status)}
	}
	if err := s.decide(ctx, l, r, accept); err != nil {
		return nil, err
	}
	return r, nil
}

// decide accepts or rejects r, updates the listing (the committed
// quantity; a group purchase that reaches its target closes) and records
// the notices and events, all in one transaction.
func (s *Service) decide(ctx context.Context, l *node.Listing, r *node.Response, accept bool) error {
	now := s.now()
	r.DecidedAt = &now
	var notices []Notice
	var events []node.Event
	var changed *node.Listing
	if accept {
		r.Status = node.ResponseAccepted
		r.Agreement = s.agreement(l, r, now)
		l.Committed += r.Quantity.Value
		l.UpdatedAt = now
		changed = l
		notices = append(notices, noticeFor(r, Notice{Kind: NoticeAccepted, ListingID: l.ID, Title: l.Title, Other: r.ID, At: now,
			Message: fmt.Sprintf("%d %s agreed for %q", r.Quantity.Value, r.Quantity.Unit, title(l))})...)
		if l.Kind == node.KindGroupPurchase && l.Committed >= l.Quantity.Value {
			l.Status = node.ListingReached
			rs, err := s.Store.Responses(ctx, l.ID)
			if err != nil {
				return err
			}
			notices = append(notices, closedNotices(l, append(rs, r), now)...)
		}
	} else {
		r.Status = node.ResponseRejected
		notices = append(notices, noticeFor(r, Notice{Kind: NoticeRejected, ListingID: l.ID, Title: l.Title, Other: r.ID, At: now,
			Message: fmt.Sprintf("your response to %q was declined", title(l))})...)
	}
	if changed != nil {
		ev, err := node.NewEvent(node.SubjectListingUpdated, l.ID, now, l)
		if err != nil {
			return err
		}
		events = append(events, ev)
	}
	if r.ResponderNode != "" {
		ev, err := node.NewEvent(node.SubjectResponseAnswered, r.ID, now, node.ResponseEvent{Response: r, Listing: l})
		if err != nil {
			return err
		}
		events = append(events, ev)
	}
	if err := s.Store.SaveResponse(ctx, r, changed, notices, events); err != nil {
		return err
	}
	s.committed()
	return nil
}

// noticeFor returns n addressed to the responder of r, or nothing when
// the responder is a peer's member: its own node notifies it.
func noticeFor(r *node.Response, n Notice) []Notice {
	if r.ResponderNode != "" {
		return nil
	}
	n.Member = r.Responder
	return []Notice{n}
}

// closedNotices tells the local participants of l that it closed: those
// with an accepted response and, for a peer's listing, a pending one (the
// origin's Update may arrive before its Accept).
func closedNotices(l *node.Listing, rs []*node.Response, now time.Time) []Notice {
	seen := map[string]bool{}
	var out []Notice
	for _, r := range rs {
		m := r.Responder
		counts := r.Status == node.ResponseAccepted || l.Origin != "" && r.Status == node.ResponsePending
		if !counts || r.ResponderNode != "" || seen[m] {
			continue
		}
		seen[m] = true
		out = append(out, Notice{Member: m, Kind: NoticeClosed, ListingID: l.ID, Title: l.Title, At: now,
			Message: fmt.Sprintf("%q closed as %s: %d of %d %s committed", title(l), l.Status, l.Committed, l.Quantity.Value, l.Quantity.Unit)})
	}
	if l.Origin == "" {
		out = append(out, Notice{Member: l.Owner, Kind: NoticeClosed, ListingID: l.ID, Title: l.Title, At: now,
			Message: fmt.Sprintf("%q closed as %s: %d of %d %s committed", title(l), l.Status, l.Committed, l.Quantity.Value, l.Quantity.Unit)})
	}
	return out
}

// agreement makes the agreement of an accepted response. The provider
// is the owner of an offer or the responder to a need; the amount is the
// listing's unit price times the quantity, rounded half up to the minor
// unit.
func (s *Service) agreement(l *node.Listing, r *node.Response, now time.Time) *node.Agreement {
	owner := l.Owner
	if owner == "" {
		owner = "group"
	}
	responder := r.Responder
	ag := &node.Agreement{ID: s.newID("a-"), ListingID: l.ID, Provider: owner, Receiver: responder, Quantity: r.Quantity, At: now}
	if l.Side == node.SideNeed {
		ag.Provider, ag.Receiver = responder, owner
	}
	if l.Price != nil {
		ag.Amount = &node.Price{Currency: l.Price.Currency, Amount: PriceOf(l.Price, r.Quantity.Value), Per: r.Quantity.Value}
	}
	return ag
}

// PriceOf returns the price of qty units, rounded half up.
func PriceOf(p *node.Price, qty int64) int64 {
	per := p.Per
	if per <= 0 {
		per = 1
	}
	n := new(big.Int).Mul(big.NewInt(p.Amount), big.NewInt(qty))
	n.Mul(n, big.NewInt(2)).Add(n, big.NewInt(per))
	n.Quo(n, big.NewInt(2*per))
	return n.Int64()
}

// ReceiveAnswer applies a peer's Accept or Reject (with its reason, if
// any) of a local member's response. origin is the answering node's
// actor: only the node that owns the listing may answer. An answer to a
// response already decided changes nothing.
func (s *Service) ReceiveAnswer(ctx context.Context, responseID, origin string, accept bool, ag *node.Agreement, reason string) error {
	const op = "receive answer"
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.Store.GetResponse(ctx, "", responseID)
	if err != nil {
		return err
	}
	if r.ResponderNode != "" {
		return forbidden(op, "response %s is not from this node", responseID)
	}
	l, err := s.Store.GetListing(ctx, r.ListingID)
	if err != nil {
		return err
	}
	if l.Origin != origin {
		return forbidden(op, "%s does not own listing %s", origin, l.ID)
	}
	if r.Status != node.ResponsePending {
		return nil
	}
	now := s.now()
	r.DecidedAt = &now
	n := Notice{Member: r.Responder, ListingID: l.ID, Other: r.ID, Title: l.Title, At: now}
	if accept {
		r.Status, r.Agreement = node.ResponseAccepted, ag
		if ag != nil {
			ag.ListingID = l.ID
		}
		n.Kind, n.Message = NoticeAccepted, fmt.Sprintf("%d %s agreed for %q", r.Quantity.Value, r.Quantity.Unit, title(l))
	} else {
		r.Status, r.Reason = node.ResponseRejected, reason
		n.Kind, n.Message = NoticeRejected, fmt.Sprintf("your response to %q was declined", title(l))
		if reason != "" {
			n.Message += ": " + reason
		}
	}
	if err := s.Store.SaveResponse(ctx, r, nil, []Notice{n}, nil); err != nil {
		return err
	}
	s.committed()
	return nil
}

// Responses returns the responses to a listing: all of them for its
// owner or an admin, a member's own otherwise.
func (s *Service) Responses(ctx context.Context, a Actor, listingID string) ([]*node.Response, error) {
	l, err := s.Store.GetListing(ctx, listingID)
	if err != nil {
		return nil, err
	}
	rs, err := s.Store.Responses(ctx, listingID)
	if err != nil {
		return nil, err
	}
	if a.Admin || l.Origin == "" && l.Owner == a.Member {
		return rs, nil
	}
	out := rs[:0:0]
	for _, r := range rs {
		if r.ResponderNode == "" && r.Responder == a.Member {
			out = append(out, r)
		}
	}
	return out, nil
}
