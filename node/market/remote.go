package market

import (
	"context"
	"net/url"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// CloseDue closes the local group purchases whose deadline has passed:
// reached when the commitments make the target, not reached otherwise.
// Participants and the owner get a notice; peers get an Update. It
// returns how many closed.
func (s *Service) CloseDue(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	due, err := s.Store.DueGroupPurchases(ctx, now)
	if err != nil {
		return 0, err
	}
	for _, l := range due {
		l.Status = node.ListingNotReached
		if l.Committed >= l.Quantity.Value {
			l.Status = node.ListingReached
		}
		l.UpdatedAt = now
		rs, err := s.Store.Responses(ctx, l.ID)
		if err != nil {
			return 0, err
		}
		ev, err := node.NewEvent(node.SubjectListingUpdated, l.ID, now, l)
		if err != nil {
			return 0, err
		}
		if err := s.Store.UpdateListing(ctx, l, []node.Event{ev}); err != nil {
			return 0, err
		}
		if err := s.Store.AddMarketNotices(ctx, closedNotices(l, rs, now)); err != nil {
			return 0, err
		}
	}
	if len(due) > 0 {
		s.committed()
	}
	return len(due), nil
}

// UpsertRemote stores a listing a peer published (Create or Update). An
// older revision than the one stored changes nothing. A listing stored or
// changed raises etoiles.event.listing.received in the same transaction,
// which the matcher turns into match notices (see Matcher); a listing
// that closes notifies the local members who answered it.
func (s *Service) UpsertRemote(ctx context.Context, l *node.Listing) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	old, err := s.Store.ListingByAPID(ctx, l.APID)
	switch {
	case node.ErrorCode(err) == node.ENOTFOUND:
		ev, err := node.NewEvent(node.SubjectListingReceived, l.ID, s.now(), l)
		if err != nil {
			return err
		}
		if err := s.Store.CreateListing(ctx, l, []node.Event{ev}); err != nil {
			return err
		}
		s.committed()
		return nil
	case err != nil:
		return err
	}
	if old.Origin != l.Origin {
		return forbidden("update remote listing", "%s is not the origin of %s", l.Origin, l.APID)
	}
	if l.Revision != 0 && l.Revision <= old.Revision || old.Status == node.ListingWithdrawn {
		return nil
	}
	l.ID, l.CreatedAt = old.ID, old.CreatedAt
	ev, err := node.NewEvent(node.SubjectListingReceived, l.ID, s.now(), l)
	if err != nil {
		return err
	}
	if err := s.Store.UpdateListing(ctx, l, []node.Event{ev}); err != nil {
		return err
	}
	s.committed()
	if old.Status.Open() && !l.Status.Open() {
		rs, err := s.Store.Responses(ctx, l.ID)
		if err != nil {
			return err
		}
		return s.Store.AddMarketNotices(ctx, closedNotices(l, rs, s.now()))
	}
	return nil
}

// DeleteRemote withdraws a listing its origin node deleted. The row stays
// as a tombstone (status withdrawn, the Delete's revision) so that an
// Update delivered late cannot bring it back; responses to it are kept
// with their agreements.
func (s *Service) DeleteRemote(ctx context.Context, origin, apID string, revision int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.Store.ListingByAPID(ctx, apID)
	if node.ErrorCode(err) == node.ENOTFOUND {
		now := s.now()
		tomb := &node.Listing{ID: remoteID(apID, origin), APID: apID, Origin: origin, Status: node.ListingWithdrawn,
			Revision: revision, Title: map[string]string{}, CPV: []string{}, CreatedAt: now, UpdatedAt: now}
		return s.Store.CreateListing(ctx, tomb, nil)
	}
	if err != nil {
		return err
	}
	if l.Origin != origin {
		return forbidden("delete remote listing", "%s is not the origin of %s", origin, apID)
	}
	if revision != 0 && revision < l.Revision {
		return nil
	}
	l.Status, l.Revision, l.UpdatedAt = node.ListingWithdrawn, max(revision, l.Revision), s.now()
	return s.Store.UpdateListing(ctx, l, nil)
}

// PurgeRemoteOf removes every listing of a peer the node stopped
// federating with (blocked, or its admission ended): its members could no
// longer be answered. An unblocked peer sends them again.
func (s *Service) PurgeRemoteOf(ctx context.Context, origin string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Store.DeleteRemoteListingsOf(ctx, origin)
}

// remoteID is the local id of a peer's listing, "l-…@host".
func remoteID(apID, origin string) string {
	seg := apID[strings.LastIndexByte(apID, '/')+1:]
	host := origin
	if u, err := url.Parse(origin); err == nil && u.Host != "" {
		host = u.Host
	}
	return seg + "@" + host
}
