package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/e-toiles/etoiles/node"
)

const interestColumns = `i.id, i.opportunity, i.member, i.member_ap_id, i.member_name, i.node, i.country, i.lots, i.competences,
	i.role, i.message, i.state, i.ap_id, i.offer_id, i.created_at, i.updated_at`

func scanInterest(s scanner) (*node.Interest, error) {
	var (
		in                   node.Interest
		lots, comps, msg     string
		createdAt, updatedAt string
	)
	err := s.Scan(&in.ID, &in.Opportunity, &in.Member, &in.MemberAPID, &in.MemberName, &in.Node, &in.Country, &lots, &comps,
		&in.Role, &msg, &in.State, &in.APID, &in.OfferID, &createdAt, &updatedAt)
	if err != nil {
		return nil, err
	}
	in.CreatedAt, in.UpdatedAt = parseTime(createdAt), parseTime(updatedAt)
	for _, f := range []struct {
		src string
		dst any
	}{{lots, &in.Lots}, {comps, &in.Competences}, {msg, &in.Message}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("decode interest %s: %w", in.ID, err)
		}
	}
	return &in, nil
}

func insertInterest(ctx context.Context, tx *sql.Tx, in *node.Interest) error {
	msg := in.Message
	if msg == nil {
		msg = map[string]string{}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO interests(id, opportunity, member, member_ap_id, member_name, node, country, lots,
		competences, role, message, state, ap_id, offer_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.Opportunity, in.Member, in.MemberAPID, in.MemberName, in.Node, in.Country, mustJSON(orEmpty(in.Lots)),
		mustJSON(orEmpty(in.Competences)), string(in.Role), mustJSON(msg), string(in.State), in.APID, in.OfferID,
		formatTime(in.CreatedAt), formatTime(in.UpdatedAt))
	if isUniqueViolation(err) {
		return &node.Error{Code: node.ECONFLICT, Op: "express interest",
			Message: fmt.Sprintf("%s already has a pending or accepted interest in opportunity %s", in.MemberName, in.Opportunity)}
	}
	if err != nil {
		return fmt.Errorf("insert interest: %w", err)
	}
	return nil
}

func setInterestState(ctx context.Context, tx *sql.Tx, in *node.Interest) error {
	res, err := tx.ExecContext(ctx, `UPDATE interests SET state = ?, updated_at = ? WHERE id = ?`, string(in.State), formatTime(in.UpdatedAt), in.ID)
	if err != nil {
		return fmt.Errorf("interest state: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &node.Error{Code: node.ENOTFOUND, Op: "answer interest", Message: fmt.Sprintf("interest %q not found", in.ID)}
	}
	return nil
}

// CreateInterest inserts an interest and its events.
func (db *DB) CreateInterest(ctx context.Context, in *node.Interest, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := insertInterest(ctx, tx, in); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// AnswerInterest stores a pending interest's state and its opportunity's
// new consortium, with the events, in one transaction. Two answers to
// the same interest, or an answer crossing another change of the
// opportunity, make the second a conflict.
func (db *DB) AnswerInterest(ctx context.Context, in *node.Interest, o *node.Opportunity, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := unchanged(ctx, tx, o); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE interests SET state = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
			string(in.State), formatTime(in.UpdatedAt), in.ID)
		if err != nil {
			return fmt.Errorf("answer interest: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &node.Error{Code: node.ECONFLICT, Op: "answer interest", Message: fmt.Sprintf("interest %s is no longer pending", in.ID)}
		}
		if _, err := updateOpportunity(ctx, tx, o); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// GetInterest returns an interest by local id.
func (db *DB) GetInterest(ctx context.Context, id string) (*node.Interest, error) {
	return db.interestWhere(ctx, db.read, `i.id = ?`, id)
}

// InterestByAPID returns an interest by its ActivityPub id.
func (db *DB) InterestByAPID(ctx context.Context, apID string) (*node.Interest, error) {
	return db.interestWhere(ctx, db.read, `i.ap_id = ?`, apID)
}

func (db *DB) interestWhere(ctx context.Context, q queryer, where string, arg any) (*node.Interest, error) {
	in, err := scanInterest(q.QueryRowContext(ctx, `SELECT `+interestColumns+` FROM interests i WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &node.Error{Code: node.ENOTFOUND, Op: "get interest", Message: fmt.Sprintf("interest %v not found", arg)}
	}
	if err != nil {
		return nil, fmt.Errorf("get interest: %w", err)
	}
	return in, nil
}

// Interests returns the interests in an opportunity, oldest first.
func (db *DB) Interests(ctx context.Context, opportunityID string) ([]*node.Interest, error) {
	return db.interests(ctx, db.read, `i.opportunity = ?`, opportunityID)
}

func (db *DB) interests(ctx context.Context, q queryer, where string, args ...any) ([]*node.Interest, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+interestColumns+` FROM interests i WHERE `+where+` ORDER BY i.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("interests: %w", err)
	}
	defer rows.Close()
	out := []*node.Interest{}
	for rows.Next() {
		in, err := scanInterest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}
