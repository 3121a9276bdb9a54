package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/e-toiles/etoiles/node"
)

// remoteOpportunityID is the local id of a peer's opportunity: derived
// from its ActivityPub id, so that it is stable and needs no randomness.
func remoteOpportunityID(apID string) string {
	sum := sha256.Sum256([]byte(apID))
	return "r" + hex.EncodeToString(sum[:6])
}

// UpsertRemoteOpportunity stores an opportunity a peer published (found
// by its ActivityPub id), once per activity, and raises
// opportunity.received for the matcher. A version older than the stored
// one, or than a Delete already applied, changes nothing.
func (db *DB) UpsertRemoteOpportunity(ctx context.Context, activityID, typ string, o *node.Opportunity) error {
	return db.onceTx(ctx, activityID, o.Origin, typ, func(tx *sql.Tx) error {
		var deleted int64
		err := tx.QueryRowContext(ctx, `SELECT revision FROM remote_tombstones WHERE ap_id = ?`, o.APID).Scan(&deleted)
		if err == nil && deleted >= o.Revision {
			return nil
		}
		var (
			id, origin, created string
			revision            int64
		)
		err = tx.QueryRowContext(ctx, `SELECT id, origin, revision, created_at FROM opportunities WHERE ap_id = ?`, o.APID).Scan(&id, &origin, &revision, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			o.ID = remoteOpportunityID(o.APID)
			_, err = insertOpportunity(ctx, tx, o)
		case err != nil:
			return fmt.Errorf("upsert remote opportunity: %w", err)
		case origin != o.Origin:
			return &node.Error{Code: node.EFORBIDDEN, Op: "upsert remote opportunity", Message: fmt.Sprintf("%s belongs to %s", o.APID, origin)}
		case revision > o.Revision:
			return nil
		default:
			o.ID, o.CreatedAt = id, parseTime(created)
			_, err = updateOpportunity(ctx, tx, o)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM remote_tombstones WHERE ap_id = ?`, o.APID); err != nil {
			return err
		}
		ev, err := node.NewEvent(node.SubjectOpportunityReceived, o.ID, db.Now(), o.Public())
		if err != nil {
			return err
		}
		return insertEvents(ctx, tx, []node.Event{ev})
	})
}

// DeleteRemoteOpportunity removes a peer's opportunity, once per
// activity, and remembers the deletion so that an older Create arriving
// late does not bring it back. origin must own it.
func (db *DB) DeleteRemoteOpportunity(ctx context.Context, activityID, origin, apID string, revision int64) error {
	return db.onceTx(ctx, activityID, origin, "Delete", func(tx *sql.Tx) error {
		var current int64
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id, revision FROM opportunities WHERE ap_id = ? AND origin = ?`, apID, origin).Scan(&id, &current)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case current > revision:
			return nil
		default:
			if _, err := tx.ExecContext(ctx, `DELETE FROM opportunities WHERE id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM notices WHERE kind = ? AND ref = ?`, node.NoticeOpportunity, id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO remote_tombstones(ap_id, origin, revision, deleted_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(ap_id) DO UPDATE SET revision = max(revision, excluded.revision), deleted_at = excluded.deleted_at`,
			apID, origin, revision, formatTime(db.Now()))
		return err
	})
}

// RecordRemoteInterest stores an interest a peer's member expressed in a
// local opportunity (an Offer), once per activity, and raises
// opportunity.interest.received. An interest already known by its
// ActivityPub id changes nothing (a replayed Offer with a new activity
// id); a second live interest of the same member is a conflict.
func (db *DB) RecordRemoteInterest(ctx context.Context, activityID string, in *node.Interest) error {
	return db.onceTx(ctx, activityID, in.Node, "Offer", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM interests WHERE ap_id = ?`, in.APID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := insertInterest(ctx, tx, in); err != nil {
			return err
		}
		o, _, err := db.getOpportunity(ctx, tx, `o.id = ?`, in.Opportunity)
		if err != nil {
			return err
		}
		ev, err := node.NewEvent(node.SubjectInterestReceived, in.Opportunity, in.CreatedAt, node.InterestEvent{Interest: in, Opportunity: o.Public()})
		if err != nil {
			return err
		}
		return insertEvents(ctx, tx, []node.Event{ev})
	})
}

// AnswerRemoteInterest records the origin node's answer to one of our
// members' interests, once per activity. Only a pending interest changes
// (a replayed Accept changes nothing), and only when origin owns the
// opportunity. It raises opportunity.interest.answered.
func (db *DB) AnswerRemoteInterest(ctx context.Context, activityID, origin, interestAPID string, state node.InterestState) error {
	return db.onceTx(ctx, activityID, origin, string(state), func(tx *sql.Tx) error {
		in, err := db.interestWhere(ctx, tx, `i.ap_id = ?`, interestAPID)
		if err != nil {
			return err
		}
		o, _, err := db.getOpportunity(ctx, tx, `o.id = ?`, in.Opportunity)
		if err != nil {
			return err
		}
		if o.Origin != origin {
			return &node.Error{Code: node.EFORBIDDEN, Op: "answer interest", Message: fmt.Sprintf("%s does not own opportunity %s", origin, o.APID)}
		}
		if in.State != node.InterestPending {
			return nil
		}
		in.State, in.UpdatedAt = state, db.Now().UTC()
		if err := setInterestState(ctx, tx, in); err != nil {
			return err
		}
		ev, err := node.NewEvent(node.SubjectInterestAnswered, o.ID, in.UpdatedAt, node.InterestEvent{Interest: in, Opportunity: o.Public()})
		if err != nil {
			return err
		}
		return insertEvents(ctx, tx, []node.Event{ev})
	})
}

// OpenLocalOpportunities returns the node's own opportunities that are
// still open, for a new peer's backfill.
func (db *DB) OpenLocalOpportunities(ctx context.Context) ([]*node.Opportunity, error) {
	return db.opportunitiesWhere(ctx, db.read, `o.origin = '' AND o.status IN ('planned', 'active', 'forming')`)
}

// OpenOpportunities returns every open opportunity, local or remote, for
// the matcher.
func (db *DB) OpenOpportunities(ctx context.Context) ([]*node.Opportunity, error) {
	return db.opportunitiesWhere(ctx, db.read, `o.status IN ('planned', 'active', 'forming')`)
}

func (db *DB) opportunitiesWhere(ctx context.Context, q queryer, where string, args ...any) ([]*node.Opportunity, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+opportunityColumns+` FROM opportunities o WHERE `+where+` ORDER BY o.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("opportunities: %w", err)
	}
	defer rows.Close()
	var out []*node.Opportunity
	bySeq := map[int64]*node.Opportunity{}
	for rows.Next() {
		o, seq, err := scanOpportunity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
		bySeq[seq] = o
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, db.loadConsortium(ctx, q, bySeq)
}

// MemberGone keeps opportunities consistent when a member co-op leaves
// (a local member lapses or leaves, or a peer deletes one of its members):
//   - its pending interests are withdrawn;
//   - in this node's open opportunities (planned, active, forming) it
//     leaves the consortium, its accepted interest is withdrawn, and an
//     opportunity it led is withdrawn;
//   - bids already submitted, won or lost keep their consortium as it
//     was (names and countries are copied in the entries): they are
//     history and feed the statistics.
//
// Every opportunity that changes raises opportunity.updated (an Update to
// the peers); every withdrawn interest raises interest.withdrawn. Running
// it twice changes nothing more.
func (db *DB) MemberGone(ctx context.Context, memberAPID string) error {
	now := db.Now().UTC()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var events []node.Event
		ins, err := db.interests(ctx, tx, `i.member_ap_id = ? AND i.state IN ('pending', 'accepted')`, memberAPID)
		if err != nil {
			return err
		}
		opps, err := db.opportunitiesWhere(ctx, tx, `o.origin = '' AND o.status IN ('planned', 'active', 'forming') AND
			(o.lead_ap_id = ? OR EXISTS (SELECT 1 FROM consortium c WHERE c.opportunity = o.seq AND c.member_ap_id = ?))`, memberAPID, memberAPID)
		if err != nil {
			return err
		}
		open := map[string]*node.Opportunity{}
		for _, o := range opps {
			open[o.ID] = o
		}
		for _, in := range ins {
			if in.State == node.InterestAccepted && open[in.Opportunity] == nil {
				continue // a place in a bid that is no longer open stays
			}
			in.State, in.UpdatedAt = node.InterestWithdrawn, now
			if err := setInterestState(ctx, tx, in); err != nil {
				return err
			}
			ev, err := node.NewEvent(node.SubjectInterestWithdrawn, in.Opportunity, now, node.InterestEvent{Interest: in})
			if err != nil {
				return err
			}
			events = append(events, ev)
		}
		for _, o := range opps {
			if o.LeadAPID == memberAPID {
				o.Status = node.OpportunityWithdrawn
			} else {
				kept := o.Consortium[:0]
				for _, e := range o.Consortium {
					if e.MemberAPID != memberAPID {
						kept = append(kept, e)
					}
				}
				o.Consortium = kept
			}
			o.UpdatedAt = now
			o.Revision++ // see unchanged
			if _, err := updateOpportunity(ctx, tx, o); err != nil {
				return err
			}
			ev, err := node.NewEvent(node.SubjectOpportunityUpdated, o.ID, now, o.Public())
			if err != nil {
				return err
			}
			events = append(events, ev)
		}
		return insertEvents(ctx, tx, events)
	})
}

// DeleteRemoteOpportunitiesOf purges every opportunity a peer published,
// with their consortia, the interests in them and their notices.
func (db *DB) DeleteRemoteOpportunitiesOf(ctx context.Context, origin string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notices WHERE kind = ? AND ref IN (SELECT id FROM opportunities WHERE origin = ?)`,
			node.NoticeOpportunity, origin); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM opportunities WHERE origin = ?`, origin)
		return err
	})
}

// MatchableMembers returns the node's active members with only what
// matching needs: id, country, region and competences.
func (db *DB) MatchableMembers(ctx context.Context) ([]*node.Member, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, country, region, competences FROM members WHERE origin = '' AND status = 'member' ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("matchable members: %w", err)
	}
	defer rows.Close()
	var out []*node.Member
	for rows.Next() {
		m := &node.Member{Status: node.StatusMember}
		var comps string
		if err := rows.Scan(&m.ID, &m.Country, &m.Region, &comps); err != nil {
			return nil, fmt.Errorf("matchable members: %w", err)
		}
		if err := json.Unmarshal([]byte(comps), &m.Competences); err != nil {
			return nil, fmt.Errorf("matchable members: %s: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
