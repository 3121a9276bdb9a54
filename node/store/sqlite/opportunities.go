package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/opportunity"
)

var _ opportunity.Store = (*DB)(nil)

const opportunityColumns = `o.seq, o.id, o.origin, o.ap_id, o.node_country, o.source, o.title, o.summary, o.description,
	o.languages, o.competences, o.lots, o.country, o.region, o.deadline, o.value_amount, o.value_currency,
	o.reserved, o.social_objective, o.accessibility_criteria, o.sme_suitable, o.open_abroad,
	o.lead, o.lead_ap_id, o.lead_name, o.status, o.outcome_amount, o.outcome_currency, o.revision, o.created_at, o.updated_at, o.tender`

func scanOpportunity(s scanner) (*node.Opportunity, int64, error) {
	var (
		o                                      node.Opportunity
		seq                                    int64
		apID, deadline, va, vc, oa, oc, tender sql.NullString
		title, summary, desc, langs, comps, lt string
		ca, ua                                 string
	)
	err := s.Scan(&seq, &o.ID, &o.Origin, &apID, &o.NodeCountry, &o.Source, &title, &summary, &desc,
		&langs, &comps, &lt, &o.Country, &o.Region, &deadline, &va, &vc,
		&o.Flags.Reserved, &o.Flags.SocialObjective, &o.Flags.AccessibilityCriteria, &o.Flags.SMESuitable, &o.OpenAbroad,
		&o.Lead, &o.LeadAPID, &o.LeadName, &o.Status, &oa, &oc, &o.Revision, &ca, &ua, &tender)
	if err != nil {
		return nil, 0, err
	}
	o.APID = apID.String
	o.CreatedAt, o.UpdatedAt = parseTime(ca), parseTime(ua)
	if deadline.Valid {
		d := parseTime(deadline.String)
		o.Deadline = &d
	}
	if va.Valid {
		o.Value = &node.Amount{Amount: va.String, Currency: vc.String}
	}
	if oa.Valid {
		o.Outcome = &node.Amount{Amount: oa.String, Currency: oc.String}
	}
	for _, f := range []struct {
		src string
		dst any
	}{{title, &o.Title}, {summary, &o.Summary}, {desc, &o.Description}, {langs, &o.Languages}, {comps, &o.Competences}, {lt, &o.Lots}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, 0, fmt.Errorf("decode opportunity %s: %w", o.ID, err)
		}
	}
	if tender.Valid {
		o.Tender = &node.Tender{}
		if err := json.Unmarshal([]byte(tender.String), o.Tender); err != nil {
			return nil, 0, fmt.Errorf("decode opportunity %s: tender: %w", o.ID, err)
		}
	}
	o.Consortium = []node.ConsortiumEntry{}
	return &o, seq, nil
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func opportunityArgs(o *node.Opportunity) []any {
	var deadline, va, vc, oa, oc, tender any
	if o.Tender != nil {
		tender = mustJSON(o.Tender)
	}
	if o.Deadline != nil {
		deadline = formatTime(*o.Deadline)
	}
	if o.Value != nil {
		va, vc = o.Value.Amount, o.Value.Currency
	}
	if o.Outcome != nil {
		oa, oc = o.Outcome.Amount, o.Outcome.Currency
	}
	text := func(m map[string]string) string {
		if m == nil {
			return "{}"
		}
		return mustJSON(m)
	}
	return []any{o.ID, o.Origin, nullIf(o.APID), o.NodeCountry, o.Source, text(o.Title), text(o.Summary), text(o.Description),
		mustJSON(orEmpty(o.Languages)), mustJSON(orEmpty(o.Competences)), mustJSON(orEmpty(o.Lots)), o.Country, o.Region,
		deadline, va, vc, o.Flags.Reserved, o.Flags.SocialObjective, o.Flags.AccessibilityCriteria, o.Flags.SMESuitable,
		o.OpenAbroad, o.Lead, o.LeadAPID, o.LeadName, string(o.Status), oa, oc, o.Revision,
		formatTime(o.CreatedAt), formatTime(o.UpdatedAt), tender}
}

const opportunityInsert = `INSERT INTO opportunities(id, origin, ap_id, node_country, source, title, summary, description,
	languages, competences, lots, country, region, deadline, value_amount, value_currency,
	reserved, social_objective, accessibility_criteria, sme_suitable, open_abroad,
	lead, lead_ap_id, lead_name, status, outcome_amount, outcome_currency, revision, created_at, updated_at, tender)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const opportunityUpdate = `UPDATE opportunities SET origin = ?, ap_id = ?, node_country = ?, source = ?, title = ?, summary = ?,
	description = ?, languages = ?, competences = ?, lots = ?, country = ?, region = ?, deadline = ?, value_amount = ?,
	value_currency = ?, reserved = ?, social_objective = ?, accessibility_criteria = ?, sme_suitable = ?, open_abroad = ?,
	lead = ?, lead_ap_id = ?, lead_name = ?, status = ?, outcome_amount = ?, outcome_currency = ?, revision = ?,
	created_at = ?, updated_at = ?, tender = ? WHERE id = ? RETURNING seq`

// insertOpportunity writes an opportunity row, its codes and consortium.
func insertOpportunity(ctx context.Context, tx *sql.Tx, o *node.Opportunity) (int64, error) {
	res, err := tx.ExecContext(ctx, opportunityInsert, opportunityArgs(o)...)
	if isUniqueViolation(err) {
		if strings.Contains(err.Error(), "source") {
			return 0, &node.Error{Code: node.ECONFLICT, Op: "create opportunity", Message: fmt.Sprintf("an opportunity with source %q already exists", o.Source)}
		}
		return 0, &node.Error{Code: node.ECONFLICT, Op: "create opportunity", Message: fmt.Sprintf("opportunity %q already exists", o.ID)}
	}
	if err != nil {
		return 0, fmt.Errorf("insert opportunity: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return seq, writeOpportunityParts(ctx, tx, seq, o, true)
}

// updateOpportunity rewrites an opportunity found by id.
func updateOpportunity(ctx context.Context, tx *sql.Tx, o *node.Opportunity) (int64, error) {
	args := append(opportunityArgs(o)[1:], o.ID)
	var seq int64
	err := tx.QueryRowContext(ctx, opportunityUpdate, args...).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &node.Error{Code: node.ENOTFOUND, Op: "update opportunity", Message: fmt.Sprintf("opportunity %q not found", o.ID)}
	}
	if isUniqueViolation(err) {
		return 0, &node.Error{Code: node.ECONFLICT, Op: "update opportunity", Message: fmt.Sprintf("an opportunity with source %q already exists", o.Source)}
	}
	if err != nil {
		return 0, fmt.Errorf("update opportunity: %w", err)
	}
	return seq, writeOpportunityParts(ctx, tx, seq, o, false)
}

func writeOpportunityParts(ctx context.Context, tx *sql.Tx, seq int64, o *node.Opportunity, fresh bool) error {
	if !fresh {
		for _, q := range []string{`DELETE FROM opportunity_codes WHERE opportunity = ?`, `DELETE FROM consortium WHERE opportunity = ?`} {
			if _, err := tx.ExecContext(ctx, q, seq); err != nil {
				return fmt.Errorf("opportunity parts: %w", err)
			}
		}
	}
	for _, c := range o.CPVs() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_codes(opportunity, cpv) VALUES (?, ?)`, seq, c); err != nil {
			return fmt.Errorf("opportunity codes: %w", err)
		}
	}
	for i, e := range o.Consortium {
		_, err := tx.ExecContext(ctx, `INSERT INTO consortium(opportunity, position, member, member_ap_id, name, node, country, role, lots)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, seq, i, e.Member, e.MemberAPID, e.Name, e.Node, e.Country, string(e.Role), mustJSON(orEmpty(e.Lots)))
		if err != nil {
			return fmt.Errorf("consortium: %w", err)
		}
	}
	return nil
}

// loadConsortium fills the consortium of the opportunities, by seq.
func (db *DB) loadConsortium(ctx context.Context, q queryer, bySeq map[int64]*node.Opportunity) error {
	if len(bySeq) == 0 {
		return nil
	}
	args := make([]any, 0, len(bySeq))
	for seq := range bySeq {
		args = append(args, seq)
	}
	rows, err := q.QueryContext(ctx, `SELECT opportunity, member, member_ap_id, name, node, country, role, lots FROM consortium
		WHERE opportunity IN (?`+strings.Repeat(",?", len(args)-1)+`) ORDER BY opportunity, position`, args...)
	if err != nil {
		return fmt.Errorf("consortium: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seq  int64
			e    node.ConsortiumEntry
			lots string
		)
		if err := rows.Scan(&seq, &e.Member, &e.MemberAPID, &e.Name, &e.Node, &e.Country, &e.Role, &lots); err != nil {
			return fmt.Errorf("consortium: %w", err)
		}
		if err := json.Unmarshal([]byte(lots), &e.Lots); err != nil {
			return fmt.Errorf("consortium: %w", err)
		}
		if len(e.Lots) == 0 {
			e.Lots = nil
		}
		o := bySeq[seq]
		o.Consortium = append(o.Consortium, e)
	}
	return rows.Err()
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) getOpportunity(ctx context.Context, q queryer, where string, args ...any) (*node.Opportunity, int64, error) {
	o, seq, err := scanOpportunity(q.QueryRowContext(ctx, `SELECT `+opportunityColumns+` FROM opportunities o WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, &node.Error{Code: node.ENOTFOUND, Op: "get opportunity", Message: fmt.Sprintf("opportunity %v not found", args[len(args)-1])}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get opportunity: %w", err)
	}
	return o, seq, db.loadConsortium(ctx, q, map[int64]*node.Opportunity{seq: o})
}

// CreateOpportunity inserts an opportunity and its events.
func (db *DB) CreateOpportunity(ctx context.Context, o *node.Opportunity, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := insertOpportunity(ctx, tx, o); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// unchanged refuses to write over a local opportunity whose stored
// revision is no longer o.Revision, and bumps o.Revision. A local
// opportunity's revision counts its changes.
func unchanged(ctx context.Context, tx *sql.Tx, o *node.Opportunity) error {
	var rev int64
	id := o.ID
	err := tx.QueryRowContext(ctx, `SELECT revision FROM opportunities WHERE id = ?`, id).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return &node.Error{Code: node.ENOTFOUND, Op: "update opportunity", Message: fmt.Sprintf("opportunity %q not found", id)}
	}
	if err != nil {
		return fmt.Errorf("update opportunity: %w", err)
	}
	if rev != o.Revision {
		return &node.Error{Code: node.ECONFLICT, Op: "update opportunity", Message: fmt.Sprintf("opportunity %s changed meanwhile; read it again and retry", id)}
	}
	o.Revision++
	return nil
}

// UpdateOpportunity stores a local opportunity's new fields and its
// events, unless it changed meanwhile (see unchanged).
func (db *DB) UpdateOpportunity(ctx context.Context, o *node.Opportunity, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := unchanged(ctx, tx, o); err != nil {
			return err
		}
		if _, err := updateOpportunity(ctx, tx, o); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

// GetOpportunity returns an opportunity by local id.
func (db *DB) GetOpportunity(ctx context.Context, id string) (*node.Opportunity, error) {
	o, _, err := db.getOpportunity(ctx, db.read, `o.id = ?`, id)
	return o, err
}

// OpportunityByAPID returns an opportunity by its ActivityPub id.
func (db *DB) OpportunityByAPID(ctx context.Context, apID string) (*node.Opportunity, error) {
	o, _, err := db.getOpportunity(ctx, db.read, `o.ap_id = ?`, apID)
	return o, err
}

// OpportunityBySource returns an origin's opportunity by source reference.
func (db *DB) OpportunityBySource(ctx context.Context, origin, source string) (*node.Opportunity, error) {
	o, _, err := db.getOpportunity(ctx, db.read, `o.origin = ? AND o.source = ? AND o.source <> ''`, origin, source)
	return o, err
}

// ListOpportunities returns a page of opportunities, newest first, and
// the number of all that match.
func (db *DB) ListOpportunities(ctx context.Context, q opportunity.Query) ([]*node.Opportunity, int, error) {
	var (
		where []string
		args  []any
	)
	switch q.Scope {
	case opportunity.ScopeLocal:
		where = append(where, `o.origin = ''`)
	case opportunity.ScopeCrossBorder:
		where = append(where, `(o.open_abroad = 1 OR (o.origin <> '' AND o.node_country <> ?))`)
		args = append(args, q.NodeCountry)
	}
	if q.Country != "" {
		where = append(where, `o.country = ?`)
		args = append(args, q.Country)
	}
	if len(q.Status) > 0 {
		where = append(where, `o.status IN (?`+strings.Repeat(",?", len(q.Status)-1)+`)`)
		for _, s := range q.Status {
			args = append(args, string(s))
		}
	}
	if q.Competence != "" {
		cond, cargs := cpvRelated("oc.cpv", q.Competence)
		where = append(where, `EXISTS (SELECT 1 FROM opportunity_codes oc WHERE oc.opportunity = o.seq AND `+cond+`)`)
		args = append(args, cargs...)
	}
	w := ""
	if len(where) > 0 {
		w = ` WHERE ` + strings.Join(where, " AND ")
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM opportunities o`+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list opportunities: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+opportunityColumns+` FROM opportunities o`+w+
		` ORDER BY o.created_at DESC, o.seq DESC LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list opportunities: %w", err)
	}
	defer rows.Close()
	out := []*node.Opportunity{}
	bySeq := map[int64]*node.Opportunity{}
	for rows.Next() {
		o, seq, err := scanOpportunity(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
		bySeq[seq] = o
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	return out, total, db.loadConsortium(ctx, db.read, bySeq)
}

// cpvRelated returns an SQL condition on column that holds when its code
// is code, one of its parents or one of its children.
func cpvRelated(column, code string) (string, []any) {
	family := append([]string{code}, node.CPVAncestors(code)...)
	args := []any{node.CPVPrefix(code) + "%"}
	for _, c := range family {
		args = append(args, c)
	}
	return `(` + column + ` LIKE ? OR ` + column + ` IN (?` + strings.Repeat(",?", len(family)-1) + `))`, args
}
