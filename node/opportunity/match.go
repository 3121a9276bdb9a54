package opportunity

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// MatchStore is what the matcher reads and writes.
type MatchStore interface {
	// OpenOpportunities returns every open opportunity, local or remote.
	OpenOpportunities(ctx context.Context) ([]*node.Opportunity, error)
	// MatchableMembers returns the node's own active members with their
	// id, country, region and competences.
	MatchableMembers(ctx context.Context) ([]*node.Member, error)
	// MemberGone withdraws a departed member's interests and places.
	MemberGone(ctx context.Context, memberAPID string) error
	// AddNotice records a notice once per member, kind and ref.
	AddNotice(ctx context.Context, n *node.Notice) (bool, error)
	// AddNotices records notices in one transaction, each once.
	AddNotices(ctx context.Context, ns []*node.Notice) (int, error)
}

// EventHandler handles the events of another feature the matcher serves.
type EventHandler interface {
	Handle(ctx context.Context, ev node.Event) error
}

// Matcher turns events into notices for the node's members: an open
// opportunity that arrives or changes is matched against every active
// local member, and a member who joins or changes its competences is
// matched against every open opportunity (matching is incremental: each
// member gets at most one notice per opportunity). It also withdraws a
// member who leaves from the opportunities (see MemberGone in the store).
// It is the node's one matcher: the marketplace's listing events (created,
// updated, received) go to Listings, so that listings match through the
// same consumer as opportunities.
type Matcher struct {
	Store MatchStore
	Links Links
	// Listings matches marketplace listings (market.Matcher); nil leaves
	// listing events alone.
	Listings EventHandler
	// URL returns the address of an opportunity shown in a notice; nil
	// leaves notices without one.
	URL func(id string) string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Committed wakes the outbox relay after MemberGone wrote events.
	Committed func()
}

// Match returns why member m should hear of opportunity o, or "" when it
// should not. A member matches when one of its competences is related to
// a code the opportunity needs (node.CPVCovers: the same code, a more
// specific one, or a more general one at CPV group level or deeper) and
// the place fits: the
// opportunity is performed in the member's country, is open to partners
// abroad, or comes from a node of another country. The lead and members
// already in the consortium are not told.
func Match(m *node.Member, o *node.Opportunity) string {
	if o.Lead == m.ID {
		return ""
	}
	for _, e := range o.Consortium {
		if e.Member == m.ID {
			return ""
		}
	}
	if m.Country != o.Country && !o.OpenAbroad && o.Origin == "" {
		return ""
	}
	var pairs []string
	for _, req := range o.CPVs() {
		for _, c := range m.Competences {
			if node.CPVCovers(c, req) {
				if c == req {
					pairs = append(pairs, c)
				} else {
					pairs = append(pairs, c+" ~ "+req)
				}
				break
			}
		}
	}
	if len(pairs) == 0 {
		return ""
	}
	sort.Strings(pairs)
	reason := "matches your competences: " + strings.Join(pairs, ", ")
	if o.Region != "" && m.Region != "" && len(o.Region) >= 3 && strings.HasPrefix(m.Region, o.Region[:3]) {
		reason += "; in your region (" + o.Region + ")"
	} else if o.Country != m.Country {
		reason += "; performed in " + o.Country
	}
	return reason
}

func (mt *Matcher) now() time.Time {
	if mt.Now != nil {
		return mt.Now().UTC()
	}
	return time.Now().UTC()
}

// Handle reacts to one event; others are ignored.
func (mt *Matcher) Handle(ctx context.Context, ev node.Event) error {
	switch ev.Subject {
	case node.SubjectOpportunityCreated, node.SubjectOpportunityUpdated, node.SubjectOpportunityReceived:
		var o node.Opportunity
		if err := json.Unmarshal(ev.Data, &o); err != nil {
			return fmt.Errorf("match: event %d: %w", ev.ID, err)
		}
		return mt.matchOpportunity(ctx, &o)
	case node.SubjectMemberJoined, node.SubjectMemberUpdated:
		var m node.Member
		if err := json.Unmarshal(ev.Data, &m); err != nil {
			return fmt.Errorf("match: event %d: %w", ev.ID, err)
		}
		return mt.matchMember(ctx, &m)
	case node.SubjectMemberLapsed, node.SubjectMemberLeft:
		if err := mt.Store.MemberGone(ctx, mt.Links.Member(ev.AggregateID)); err != nil {
			return err
		}
		if mt.Committed != nil {
			mt.Committed()
		}
	case node.SubjectInterestExpressed, node.SubjectInterestReceived:
		var ie node.InterestEvent
		if err := json.Unmarshal(ev.Data, &ie); err != nil || ie.Interest == nil || ie.Opportunity == nil {
			return fmt.Errorf("match: event %d: not an interest event", ev.ID)
		}
		return mt.noticeInterest(ctx, ie.Interest, ie.Opportunity)
	case node.SubjectInterestAccepted, node.SubjectInterestRejected, node.SubjectInterestAnswered:
		var ie node.InterestEvent
		if err := json.Unmarshal(ev.Data, &ie); err != nil || ie.Interest == nil || ie.Opportunity == nil {
			return fmt.Errorf("match: event %d: not an interest event", ev.ID)
		}
		return mt.noticeAnswer(ctx, ie.Interest, ie.Opportunity)
	case node.SubjectListingCreated, node.SubjectListingUpdated, node.SubjectListingReceived:
		if mt.Listings != nil {
			return mt.Listings.Handle(ctx, ev)
		}
	}
	return nil
}

func (mt *Matcher) notice(o *node.Opportunity, member, reason string) *node.Notice {
	n := &node.Notice{Member: member, Kind: node.NoticeOpportunity, Ref: o.ID, Title: o.Title, Summary: o.Summary,
		Reason: reason, CreatedAt: mt.now()}
	if mt.URL != nil {
		n.URL = mt.URL(o.ID)
	}
	return n
}

func (mt *Matcher) matchOpportunity(ctx context.Context, o *node.Opportunity) error {
	if o.Closed(mt.now()) {
		return nil
	}
	members, err := mt.Store.MatchableMembers(ctx)
	if err != nil {
		return err
	}
	var ns []*node.Notice
	for _, m := range members {
		if reason := Match(m, o); reason != "" {
			ns = append(ns, mt.notice(o, m.ID, reason))
		}
	}
	if len(ns) == 0 {
		return nil
	}
	_, err = mt.Store.AddNotices(ctx, ns)
	return err
}

func (mt *Matcher) matchMember(ctx context.Context, m *node.Member) error {
	if m.Origin != "" || !m.Status.Active() || len(m.Competences) == 0 {
		return nil
	}
	opps, err := mt.Store.OpenOpportunities(ctx)
	if err != nil {
		return err
	}
	now := mt.now()
	var ns []*node.Notice
	for _, o := range opps {
		if o.Closed(now) {
			continue
		}
		if reason := Match(m, o); reason != "" {
			ns = append(ns, mt.notice(o, m.ID, reason))
		}
	}
	if len(ns) == 0 {
		return nil
	}
	_, err = mt.Store.AddNotices(ctx, ns)
	return err
}

// noticeAnswer tells a local member that the lead answered its interest.
func (mt *Matcher) noticeAnswer(ctx context.Context, in *node.Interest, o *node.Opportunity) error {
	if in.Node != mt.Links.Actor() || in.Member == "" {
		return nil
	}
	n := &node.Notice{Member: in.Member, Kind: node.NoticeInterestAnswer, Ref: in.ID, Title: o.Title,
		Reason: "your interest was " + string(in.State), CreatedAt: mt.now()}
	if mt.URL != nil {
		n.URL = mt.URL(o.ID)
	}
	_, err := mt.Store.AddNotice(ctx, n)
	return err
}

// noticeInterest tells the lead of a local opportunity that a co-op
// expressed interest, so that it need not poll the opportunity to answer.
func (mt *Matcher) noticeInterest(ctx context.Context, in *node.Interest, o *node.Opportunity) error {
	if o.Origin != "" || o.Lead == "" {
		return nil // a peer's opportunity (its node tells the lead), or a radar entry with no lead
	}
	who := in.MemberName
	if who == "" {
		who = in.Member
	}
	n := &node.Notice{Member: o.Lead, Kind: node.NoticeInterest, Ref: in.ID, Title: o.Title,
		Reason: fmt.Sprintf("%s (%s) is interested as %s; accept or reject it", who, in.Country, in.Role), CreatedAt: mt.now()}
	if mt.URL != nil {
		n.URL = mt.URL(o.ID)
	}
	_, err := mt.Store.AddNotice(ctx, n)
	return err
}

// HandleMessage decodes an event published on the EVENTS stream and
// handles it.
func (mt *Matcher) HandleMessage(ctx context.Context, data []byte) error {
	var ev node.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("match: event: %w", err)
	}
	return mt.Handle(ctx, ev)
}
