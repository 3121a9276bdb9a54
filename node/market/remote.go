package market

import (
	"context"

	"github.com/e-toiles/etoiles/node"
)

// CloseDue closes the local group purchases whose deadline has passed:
// reached when the commitments make the target, not reached otherwise.
// Participants and the owner get a notice; peers get an Update. It
// returns how many closed.
func (s *Service) CloseDue(ctx context.Context) (int, error) {
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
		if err := s.Store.AddNotices(ctx, keepLocal(closedNotices(l, rs, now))); err != nil {
			return 0, err
		}
	}
	if len(due) > 0 {
		s.committed()
	}
	return len(due), nil
}

// UpsertRemote stores a listing a peer published (Create or Update). An
// older revision than the one stored changes nothing. A new listing is
// matched against the local ones; a listing that closes notifies the
// local members who answered it.
func (s *Service) UpsertRemote(ctx context.Context, l *node.Listing) error {
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	old, err := s.Store.ListingByAPID(ctx, l.APID)
	switch {
	case node.ErrorCode(err) == node.ENOTFOUND:
		notices, err := s.matches(ctx, l)
		if err != nil {
			return err
		}
		return s.Store.CreateListing(ctx, l, notices, nil)
	case err != nil:
		return err
	}
	if old.Origin != l.Origin {
		return forbidden("update remote listing", "%s is not the origin of %s", l.Origin, l.APID)
	}
	if l.Revision != 0 && l.Revision <= old.Revision {
		return nil
	}
	l.ID, l.CreatedAt = old.ID, old.CreatedAt
	if err := s.Store.UpdateListing(ctx, l, nil); err != nil {
		return err
	}
	if old.Status.Open() && !l.Status.Open() {
		rs, err := s.Store.Responses(ctx, l.ID)
		if err != nil {
			return err
		}
		return s.Store.AddNotices(ctx, keepLocal(closedNotices(l, rs, s.now())))
	}
	return nil
}

// DeleteRemote removes a listing its origin node withdrew. Responses to
// it are kept with their agreements.
func (s *Service) DeleteRemote(ctx context.Context, origin, apID string) error {
	l, err := s.Store.ListingByAPID(ctx, apID)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if l.Origin != origin {
		return forbidden("delete remote listing", "%s is not the origin of %s", origin, apID)
	}
	return s.Store.DeleteListing(ctx, l.ID, nil)
}
