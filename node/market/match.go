package market

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// cpvMatch reports whether the offer serves the need by CPV: a code of
// the offer covers a code of the need by the network's rule
// (node.CPVCovers, the rule opportunities use): the same code, a more
// specific one, or a more general one at CPV group level or deeper.
func cpvMatch(offer, need []string) bool {
	for _, o := range offer {
		for _, n := range need {
			if node.CPVCovers(o, n) {
				return true
			}
		}
	}
	return false
}

// admits reports whether listing a's scope lets b in: an international
// listing admits any, a national one the same country, a local one the
// same country and an overlapping NUTS region.
func admits(a, b *node.Listing) bool {
	switch a.Scope {
	case node.ScopeNational:
		return a.Country == b.Country
	case node.ScopeLocal:
		return a.Country == b.Country && b.Region != "" &&
			(strings.HasPrefix(b.Region, a.Region) || strings.HasPrefix(a.Region, b.Region))
	}
	return true
}

// Matches reports whether an offer and a need match, in either order:
// opposite sides, both open, the offer's CPV codes cover the need's, each
// inside the other's scope.
func Matches(a, b *node.Listing) bool {
	if a.Side == b.Side || !a.Status.Open() || !b.Status.Open() {
		return false
	}
	offer, need := a, b
	if a.Side == node.SideNeed {
		offer, need = b, a
	}
	return cpvMatch(offer.CPV, need.CPV) && admits(a, b) && admits(b, a)
}

// MatchStore is what the marketplace matcher reads and writes.
type MatchStore interface {
	// GetListing returns a local or remote listing; ENOTFOUND if none.
	GetListing(ctx context.Context, id string) (*node.Listing, error)
	// OpenListings returns the open listings of one side.
	OpenListings(ctx context.Context, side node.ListingSide) ([]*node.Listing, error)
	// AddMarketNotices records notices, each once per member, kind and ref.
	AddMarketNotices(ctx context.Context, notices []Notice) error
}

// Matcher turns listing events into match notices. It runs behind the
// node's one matcher consumer on the event stream (see
// opportunity.Matcher, which hands it the listing subjects): a local
// listing created or updated and a peer's listing received are matched
// against the open listings of the other side, whichever came first, so
// a need posted after an offer finds it and the other way round. It
// matches the listing as stored when the event is handled, not the
// event's copy: a listing closed or withdrawn since matches nothing. A
// notice is recorded once per owner, kind and pair of listings, so a
// redelivered event or an edit that still matches adds nothing.
type Matcher struct {
	Store MatchStore
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Handle reacts to one event; subjects other than listing created,
// updated and received are ignored.
func (mt *Matcher) Handle(ctx context.Context, ev node.Event) error {
	switch ev.Subject {
	case node.SubjectListingCreated, node.SubjectListingUpdated, node.SubjectListingReceived:
	default:
		return nil
	}
	l, err := mt.Store.GetListing(ctx, ev.AggregateID)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !l.Status.Open() {
		return nil
	}
	now := time.Now().UTC()
	if mt.Now != nil {
		now = mt.Now().UTC()
	}
	ns, err := matches(ctx, mt.Store, l, now)
	if err != nil {
		return err
	}
	return mt.Store.AddMarketNotices(ctx, ns)
}

// matches finds the open listings that match listing l and returns a
// notice for each local owner concerned: the owner of the matching local
// listing, and l's owner when l is local. A listing owned by the group
// notifies its admins (empty member). Both notices of a pair have the
// same ref whichever listing is matched, so matching the pair again from
// the other side adds nothing.
func matches(ctx context.Context, st MatchStore, l *node.Listing, now time.Time) ([]Notice, error) {
	other := node.SideNeed
	if l.Side == node.SideNeed {
		other = node.SideOffer
	}
	open, err := st.OpenListings(ctx, other)
	if err != nil {
		return nil, err
	}
	var out []Notice
	for _, o := range open {
		if o.ID == l.ID || !Matches(l, o) {
			continue
		}
		if o.Origin == "" {
			out = append(out, Notice{Member: o.Owner, Kind: NoticeMatch, ListingID: o.ID, Other: l.ID, Title: l.Title, At: now,
				Message: fmt.Sprintf("%s %q matches your %s %q", l.Side, title(l), o.Side, title(o))})
		}
		if l.Origin == "" {
			out = append(out, Notice{Member: l.Owner, Kind: NoticeMatch, ListingID: l.ID, Other: o.ID, Title: o.Title, At: now,
				Message: fmt.Sprintf("%s %q matches your %s %q", o.Side, title(o), l.Side, title(l))})
		}
	}
	return out, nil
}
