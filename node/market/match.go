package market

import (
	"context"
	"fmt"
	"strings"

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

// matches finds the open listings that match a new listing l and returns
// a notice for each local owner concerned: the owner of the matching
// local listing, and l's owner when l is local. A listing owned by the
// group notifies its admins (empty member).
func (s *Service) matches(ctx context.Context, l *node.Listing) ([]Notice, error) {
	other := node.SideNeed
	if l.Side == node.SideNeed {
		other = node.SideOffer
	}
	open, err := s.Store.OpenListings(ctx, other)
	if err != nil {
		return nil, err
	}
	var out []Notice
	now := s.now()
	for _, o := range open {
		if o.ID == l.ID || !Matches(l, o) {
			continue
		}
		if o.Origin == "" {
			out = append(out, Notice{Member: o.Owner, Kind: NoticeMatch, ListingID: o.ID, Other: l.ID, Title: l.Title, At: now,
				Message: fmt.Sprintf("new %s %q matches your %s %q", l.Side, title(l), o.Side, title(o))})
		}
		if l.Origin == "" {
			out = append(out, Notice{Member: l.Owner, Kind: NoticeMatch, ListingID: l.ID, Other: o.ID, Title: o.Title, At: now,
				Message: fmt.Sprintf("open %s %q matches your %s %q", o.Side, title(o), l.Side, title(l))})
		}
	}
	return out, nil
}
