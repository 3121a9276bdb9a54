package opportunity

import (
	"context"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// TakeOn makes a member co-op the lead of a tender radar entry (an
// imported notice, which has no lead), so that it can form a consortium
// and bid. On this node's own entry the co-op becomes its lead. A peer's
// entry is managed by its origin, so the co-op gets a local opportunity
// that copies it under the same source reference: peers recognise the
// notice by it, and the co-op leads its own bid from its own node.
// Taking on an entry that has a lead, or that is no longer open, is a
// conflict.
func (s *Service) TakeOn(ctx context.Context, v Viewer, member, id string) (*node.Opportunity, error) {
	const op = "take on opportunity"
	lead, err := s.leadMember(ctx, op, v, member)
	if err != nil {
		return nil, err
	}
	o, err := s.Store.GetOpportunity(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Lead != "" || o.LeadAPID != "":
		return nil, conflict(op, "opportunity %s already has a lead (%s)", id, o.LeadName)
	case !o.Status.Open():
		return nil, conflict(op, "opportunity %s is %s: only an open entry can be taken on", id, o.Status)
	}
	now := s.now()
	if err := o.CheckDeadline(now); err != nil {
		return nil, err
	}
	if o.Origin == "" {
		s.lead(o, lead)
		o.UpdatedAt = now
		if err := s.update(ctx, o); err != nil {
			return nil, err
		}
		return o, nil
	}
	source := strings.TrimSpace(o.Source)
	if source == "" {
		source = o.APID // a peer's entry without a notice: its id names it
	}
	if _, err := s.Store.OpportunityBySource(ctx, "", source); err == nil {
		return nil, conflict(op, "this node already has an opportunity for %s", source)
	} else if node.ErrorCode(err) != node.ENOTFOUND {
		return nil, err
	}
	c := *o
	c.ID = s.newID()
	c.APID = s.Links.Opportunity(c.ID)
	c.Origin, c.Revision, c.Outcome, c.Interests, c.Source = "", 0, nil, nil, source
	c.NodeCountry = s.Country
	c.Status = node.OpportunityActive
	s.lead(&c, lead)
	c.CreatedAt, c.UpdatedAt = now, now
	if err := s.validate(ctx, op, &c); err != nil {
		return nil, err
	}
	if err := s.create(ctx, &c, now); err != nil {
		return nil, err
	}
	return &c, nil
}

// lead makes m the lead of o and the lead entity of its consortium.
func (s *Service) lead(o *node.Opportunity, m *node.Member) {
	o.Lead, o.LeadAPID, o.LeadName = m.ID, s.Links.Member(m.ID), m.Name
	o.Consortium = []node.ConsortiumEntry{{Member: m.ID, MemberAPID: o.LeadAPID, Name: m.Name,
		Node: s.Links.Actor(), Country: m.Country, Role: node.RoleLeadEntity}}
}
