package opportunity

import (
	"context"
	"fmt"

	"github.com/e-toiles/etoiles/node"
)

// InterestInput is what a member says when it expresses interest.
type InterestInput struct {
	Member      string              `json:"member"`
	Lots        []string            `json:"lots"`
	Competences []string            `json:"competences"`
	Role        node.ConsortiumRole `json:"role"`
	Message     map[string]string   `json:"message"`
}

// Express records a member's interest in an opportunity, local or
// remote. Only a member token acts, for its own co-op, on its own node;
// the opportunity must still be open and not led by that member. For a
// remote opportunity the event makes federation send an Offer to the
// origin node.
func (s *Service) Express(ctx context.Context, v Viewer, oppID string, in InterestInput) (*node.Interest, error) {
	const op = "express interest"
	if v.Member == "" {
		return nil, forbidden(op, "interest is expressed with a member token, for the member's own co-op")
	}
	if in.Member == "" {
		in.Member = v.Member
	}
	if in.Member != v.Member {
		return nil, forbidden(op, "a member token expresses interest only for its own co-op")
	}
	m, err := s.Store.GetMember(ctx, v.Member)
	if err != nil {
		return nil, err
	}
	if m.Origin != "" || !m.Status.Active() {
		return nil, forbidden(op, "member %s is not an active member of this node", m.ID)
	}
	o, err := s.Store.GetOpportunity(ctx, oppID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if o.Closed(now) {
		return nil, conflict(op, "opportunity %s is closed (status %s)", o.ID, o.Status)
	}
	if o.Origin == "" && o.Lead == m.ID {
		return nil, conflict(op, "member %s leads opportunity %s", m.ID, o.ID)
	}
	it := &node.Interest{
		ID: s.newID(), Opportunity: o.ID, Member: m.ID, MemberAPID: s.Links.Member(m.ID), MemberName: m.Name,
		Node: s.Links.Actor(), Country: m.Country, Lots: in.Lots, Competences: in.Competences,
		Role: in.Role, Message: in.Message, State: node.InterestPending, CreatedAt: now, UpdatedAt: now,
	}
	if it.Role == "" {
		it.Role = node.RoleGroupMember
	}
	it.APID = s.Links.Interest(it.ID)
	it.Normalize()
	if err := it.Validate(o); err != nil {
		return nil, err
	}
	ev, err := node.NewEvent(node.SubjectInterestExpressed, o.ID, now, node.InterestEvent{Interest: it, Opportunity: o.Public()})
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateInterest(ctx, it, []node.Event{ev}); err != nil {
		return nil, err
	}
	s.committed()
	return it, nil
}

// Answer is the lead's decision on an interest: accept it (the member
// joins the consortium) or reject it. Only the lead's people and the
// admins of the origin node answer, once.
func (s *Service) Answer(ctx context.Context, v Viewer, oppID, interestID string, accept bool) (*node.Interest, *node.Opportunity, error) {
	op := "reject interest"
	if accept {
		op = "accept interest"
	}
	o, err := s.localForLead(ctx, op, v, oppID)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.Store.GetInterest(ctx, interestID)
	if err != nil {
		return nil, nil, err
	}
	if in.Opportunity != o.ID {
		return nil, nil, &node.Error{Code: node.ENOTFOUND, Op: op, Message: fmt.Sprintf("interest %s is not in opportunity %s", interestID, oppID)}
	}
	if in.State != node.InterestPending {
		return nil, nil, conflict(op, "interest %s is already %s", in.ID, in.State)
	}
	if !o.Status.Open() {
		return nil, nil, conflict(op, "opportunity %s is %s: its consortium no longer changes", o.ID, o.Status)
	}
	now := s.now()
	in.UpdatedAt, o.UpdatedAt = now, now
	subject := node.SubjectInterestRejected
	in.State = node.InterestRejected
	var events []node.Event
	if accept {
		subject = node.SubjectInterestAccepted
		in.State = node.InterestAccepted
		o.Consortium = joinConsortium(o.Consortium, in.Entry())
		ev, err := node.NewEvent(node.SubjectOpportunityUpdated, o.ID, now, o.Public())
		if err != nil {
			return nil, nil, err
		}
		events = append(events, ev)
	}
	ev, err := node.NewEvent(subject, o.ID, now, node.InterestEvent{Interest: in, Opportunity: o.Public()})
	if err != nil {
		return nil, nil, err
	}
	// The answer goes first, so that the member's node knows its place
	// before the Update of the opportunity shows it.
	events = append([]node.Event{ev}, events...)
	if err := s.Store.AnswerInterest(ctx, in, o, events); err != nil {
		return nil, nil, err
	}
	s.committed()
	return in, o, nil
}

// joinConsortium adds an entry, or replaces the member's previous one.
func joinConsortium(c []node.ConsortiumEntry, e node.ConsortiumEntry) []node.ConsortiumEntry {
	for i := range c {
		if c[i].MemberAPID != "" && c[i].MemberAPID == e.MemberAPID {
			c[i] = e
			return c
		}
	}
	return append(c, e)
}
