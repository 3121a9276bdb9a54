package opportunity

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Store persists opportunities, interests and consortia. Each write
// stores the change and its events in one transaction.
type Store interface {
	// CreateOpportunity inserts o with its lots and consortium; ECONFLICT
	// when the origin already has an opportunity with o's source.
	CreateOpportunity(ctx context.Context, o *node.Opportunity, events []node.Event) error
	// UpdateOpportunity replaces a local opportunity's fields, lots and
	// consortium if its stored revision is still o.Revision, and bumps
	// it; ECONFLICT otherwise (someone changed it meanwhile).
	UpdateOpportunity(ctx context.Context, o *node.Opportunity, events []node.Event) error
	// GetOpportunity returns a local or remote opportunity by local id,
	// with its lots and consortium but no interests; ENOTFOUND if none.
	GetOpportunity(ctx context.Context, id string) (*node.Opportunity, error)
	// OpportunityBySource finds an origin's opportunity by its source
	// reference; ENOTFOUND if none.
	OpportunityBySource(ctx context.Context, origin, source string) (*node.Opportunity, error)
	// ListOpportunities returns a page of opportunities and the total.
	ListOpportunities(ctx context.Context, q Query) ([]*node.Opportunity, int, error)
	// Interests returns the interests in an opportunity, oldest first.
	Interests(ctx context.Context, opportunityID string) ([]*node.Interest, error)
	// GetInterest returns an interest by local id; ENOTFOUND if none.
	GetInterest(ctx context.Context, id string) (*node.Interest, error)
	// CreateInterest inserts an interest; ECONFLICT when the member
	// already has a pending or accepted interest in the opportunity.
	CreateInterest(ctx context.Context, in *node.Interest, events []node.Event) error
	// AnswerInterest stores a pending interest's new state and the
	// opportunity (its consortium, as UpdateOpportunity) in one
	// transaction; ECONFLICT when the interest is no longer pending or
	// the opportunity changed meanwhile.
	AnswerInterest(ctx context.Context, in *node.Interest, o *node.Opportunity, events []node.Event) error
	// GetMember returns a member by local id.
	GetMember(ctx context.Context, id string) (*node.Member, error)
}

// CodeChecker reports which codes are absent from a loaded code list
// (kind cpv or nuts); loaded=false means no list is loaded.
type CodeChecker interface {
	UnknownCodes(ctx context.Context, kind string, codes []string) (unknown []string, loaded bool, err error)
}

// Links gives the public identity of this node and the ActivityPub ids of
// its objects. federation.URIs implements it.
type Links interface {
	Actor() string
	Member(id string) string
	Opportunity(id string) string
	Interest(id string) string
}

// Service implements the opportunity use cases. Store, Links and Country
// are required; the other fields are optional.
type Service struct {
	Store Store
	Codes CodeChecker
	Links Links
	// Country is this node's country (ISO 3166-1 alpha-2).
	Country string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NewID returns a fresh local id; nil means 10 random base32 letters.
	NewID func() string
	// Committed is called after every successful write, to wake the
	// outbox relay.
	Committed func()
}

// Viewer is who asks: an admin of this node, or a member token's member.
type Viewer struct {
	Admin  bool
	Member string
}

// Query filters the opportunity list. The zero value lists every
// opportunity, newest first, 50 at a time.
type Query struct {
	// Scope is all (default), local (posted on this node) or
	// cross-border (from a node of another country than Country, or open
	// to partners abroad).
	Scope string
	// Competence keeps opportunities needing a CPV code related to it:
	// the code itself, its parents or its children.
	Competence string
	// Country keeps opportunities performed in that country.
	Country string
	// Status keeps opportunities in these statuses.
	Status []node.OpportunityStatus
	// Country of this node, for the cross-border scope (set by the service).
	NodeCountry string
	Limit       int
	Offset      int
}

// Scopes of the opportunity list.
const (
	ScopeAll         = "all"
	ScopeLocal       = "local"
	ScopeCrossBorder = "cross-border"
)

// MaxLimit caps a page of opportunities.
const MaxLimit = 200

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])[:10]
}

func (s *Service) committed() {
	if s.Committed != nil {
		s.Committed()
	}
}

func forbidden(op, format string, args ...any) error {
	return &node.Error{Code: node.EFORBIDDEN, Op: op, Message: fmt.Sprintf(format, args...)}
}

func conflict(op, format string, args ...any) error {
	return &node.Error{Code: node.ECONFLICT, Op: op, Message: fmt.Sprintf(format, args...)}
}

// leadMember returns the active local member who leads a new
// opportunity: a member token's own member, or the member an admin names.
func (s *Service) leadMember(ctx context.Context, op string, v Viewer, member string) (*node.Member, error) {
	switch {
	case !v.Admin && v.Member == "":
		return nil, forbidden(op, "only a member or an admin may post an opportunity")
	case !v.Admin && member != "" && member != v.Member:
		return nil, forbidden(op, "a member token posts only for its own co-op")
	case !v.Admin:
		member = v.Member
	case member == "":
		var p node.Problems
		p.Add("member", "is required when an admin posts: the lead member's id")
		return nil, p.Err(op)
	}
	m, err := s.Store.GetMember(ctx, member)
	if node.ErrorCode(err) == node.ENOTFOUND {
		var p node.Problems
		p.Add("member", "%q is not a member of this node", member)
		return nil, p.Err(op)
	}
	if err != nil {
		return nil, err
	}
	if m.Origin != "" || !m.Status.Active() {
		var p node.Problems
		p.Add("member", "%q is not an active member of this node", member)
		return nil, p.Err(op)
	}
	return m, nil
}

// Create posts a local opportunity led by member (a member token's own
// co-op, or any local member for an admin). The lead becomes the lead
// entity of the consortium. A deadline in the past is refused.
func (s *Service) Create(ctx context.Context, v Viewer, member string, o *node.Opportunity) (*node.Opportunity, error) {
	const op = "create opportunity"
	lead, err := s.leadMember(ctx, op, v, member)
	if err != nil {
		return nil, err
	}
	if o.Status == "" {
		o.Status = node.OpportunityActive
	}
	o.Origin, o.Revision, o.Outcome, o.Interests = "", 0, nil, nil
	o.ID = s.newID()
	o.APID = s.Links.Opportunity(o.ID)
	o.NodeCountry = s.Country
	s.lead(o, lead)
	now := s.now()
	if err := s.validate(ctx, op, o); err != nil {
		return nil, err
	}
	if o.Status != node.OpportunityPlanned && o.Status != node.OpportunityActive {
		var p node.Problems
		p.Add("status", "a new opportunity is planned or active")
		return nil, p.Err(op)
	}
	if err := o.CheckDeadline(now); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = now, now
	if err := s.create(ctx, o, now); err != nil {
		return nil, err
	}
	return o, nil
}

func (s *Service) create(ctx context.Context, o *node.Opportunity, now time.Time) error {
	ev, err := node.NewEvent(node.SubjectOpportunityCreated, o.ID, now, o.Public())
	if err != nil {
		return err
	}
	if err := s.Store.CreateOpportunity(ctx, o, []node.Event{ev}); err != nil {
		return err
	}
	s.committed()
	return nil
}

// Import records an opportunity from a published notice (the tender
// radar): it has no lead, and its source reference identifies it, so
// importing the same notice again updates the same opportunity (created
// reports which happened). A notice whose deadline has passed is kept as
// history with status complete, unless it carries a final status.
func (s *Service) Import(ctx context.Context, o *node.Opportunity) (_ *node.Opportunity, created bool, err error) {
	const op = "import opportunity"
	if strings.TrimSpace(o.Source) == "" {
		var p node.Problems
		p.Add("source", "is required to import a notice")
		return nil, false, p.Err(op)
	}
	now := s.now()
	if o.Status == "" {
		o.Status = node.OpportunityActive
	}
	if o.Deadline != nil && !o.Deadline.After(now) && o.Status.Open() {
		o.Status = node.OpportunityComplete
	}
	o.Origin, o.Revision, o.Outcome, o.Interests = "", 0, nil, nil
	o.Lead, o.LeadAPID, o.LeadName = "", "", ""
	o.NodeCountry = s.Country
	if err := s.validate(ctx, op, o); err != nil {
		return nil, false, err
	}
	old, err := s.Store.OpportunityBySource(ctx, "", strings.TrimSpace(o.Source))
	switch {
	case node.ErrorCode(err) == node.ENOTFOUND:
		o.ID = s.newID()
		o.APID = s.Links.Opportunity(o.ID)
		o.Consortium = []node.ConsortiumEntry{}
		o.CreatedAt, o.UpdatedAt = now, now
		if err := s.create(ctx, o, now); err != nil {
			return nil, false, err
		}
		return o, true, nil
	case err != nil:
		return nil, false, err
	}
	o.ID, o.APID, o.CreatedAt, o.UpdatedAt, o.Revision = old.ID, old.APID, old.CreatedAt, now, old.Revision
	o.Lead, o.LeadAPID, o.LeadName, o.Consortium, o.Outcome = old.Lead, old.LeadAPID, old.LeadName, old.Consortium, old.Outcome
	switch old.Status {
	case node.OpportunityPlanned, node.OpportunityActive, node.OpportunityComplete:
		if old.Lead == "" {
			break // still a radar entry: the notice decides, so a deadline extension reopens it
		}
		o.Status = old.Status // a co-op took it on: its bid decides
	default:
		o.Status = old.Status // a bid in progress or ended keeps its step
	}
	if err := s.update(ctx, o); err != nil {
		return nil, false, err
	}
	return o, false, nil
}

func (s *Service) update(ctx context.Context, o *node.Opportunity) error {
	ev, err := node.NewEvent(node.SubjectOpportunityUpdated, o.ID, o.UpdatedAt, o.Public())
	if err != nil {
		return err
	}
	if err := s.Store.UpdateOpportunity(ctx, o, []node.Event{ev}); err != nil {
		return err
	}
	s.committed()
	return nil
}

func (s *Service) validate(ctx context.Context, op string, o *node.Opportunity) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	if s.Codes == nil {
		return nil
	}
	var p node.Problems
	unknown, loaded, err := s.Codes.UnknownCodes(ctx, "cpv", o.CPVs())
	if err != nil {
		return fmt.Errorf("%s: check codes: %w", op, err)
	}
	if loaded && len(unknown) > 0 {
		bad := map[string]bool{}
		for _, u := range unknown {
			bad[u] = true
		}
		for i, c := range o.Competences {
			if bad[c.CPV] {
				p.Add(fmt.Sprintf("competences[%d].cpv", i), "%q is not in the CPV code list", c.CPV)
			}
		}
		for i, l := range o.Lots {
			for j, c := range l.CPV {
				if bad[c] {
					p.Add(fmt.Sprintf("lots[%d].cpv[%d]", i, j), "%q is not in the CPV code list", c)
				}
			}
		}
	}
	if o.Region != "" {
		unknown, loaded, err := s.Codes.UnknownCodes(ctx, "nuts", []string{o.Region})
		if err != nil {
			return fmt.Errorf("%s: check codes: %w", op, err)
		}
		if loaded && len(unknown) > 0 {
			p.Add("region", "%q is not in the NUTS code list", o.Region)
		}
	}
	return p.Err(op)
}

// canSeeInterests reports whether v sees every interest in o: the lead's
// people and the admins of the origin node.
func canSeeInterests(v Viewer, o *node.Opportunity) bool {
	return o.Origin == "" && (v.Admin || v.Member != "" && v.Member == o.Lead)
}

// Get returns an opportunity. Its interests are all there for the lead
// and the origin node's admins; a member sees its own interests only.
func (s *Service) Get(ctx context.Context, v Viewer, id string) (*node.Opportunity, error) {
	o, err := s.Store.GetOpportunity(ctx, id)
	if err != nil {
		return nil, err
	}
	all := canSeeInterests(v, o)
	if !all && v.Member == "" {
		return o, nil
	}
	ins, err := s.Store.Interests(ctx, id)
	if err != nil {
		return nil, err
	}
	o.Interests = []*node.Interest{}
	for _, in := range ins {
		if all || in.Member == v.Member && in.Node == s.Links.Actor() {
			o.Interests = append(o.Interests, in)
		}
	}
	return o, nil
}

// List returns a page of opportunities and the total count.
func (s *Service) List(ctx context.Context, q Query) ([]*node.Opportunity, int, error) {
	const op = "list opportunities"
	var p node.Problems
	switch q.Scope {
	case "":
		q.Scope = ScopeAll
	case ScopeAll, ScopeLocal, ScopeCrossBorder:
	default:
		p.Add("scope", "must be all, local or cross-border")
	}
	if q.Competence != "" {
		c, ok := node.NormalizeCPV(q.Competence)
		if !ok {
			p.Add("competence", "%q is not a CPV code", q.Competence)
		}
		q.Competence = c
	}
	if q.Country != "" {
		q.Country = strings.ToUpper(q.Country)
		if !node.ValidCountry(q.Country) {
			p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", q.Country)
		}
	}
	for i, st := range q.Status {
		if !st.Valid() {
			p.Add(fmt.Sprintf("status[%d]", i), "%q is not an opportunity status", st)
		}
	}
	switch {
	case q.Limit == 0:
		q.Limit = 50
	case q.Limit < 0 || q.Limit > MaxLimit:
		p.Add("limit", "must be 1-%d", MaxLimit)
	}
	if q.Offset < 0 {
		p.Add("offset", "must not be negative")
	}
	if err := p.Err(op); err != nil {
		return nil, 0, err
	}
	q.NodeCountry = s.Country
	return s.Store.ListOpportunities(ctx, q)
}

// localForLead returns a local opportunity that v may manage: its lead's
// people or an admin of this node.
func (s *Service) localForLead(ctx context.Context, op string, v Viewer, id string) (*node.Opportunity, error) {
	o, err := s.Store.GetOpportunity(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Origin != "" {
		return nil, forbidden(op, "opportunity %s belongs to node %s and is managed there", id, o.Origin)
	}
	if !v.Admin && (v.Member == "" || v.Member != o.Lead) {
		return nil, forbidden(op, "only the lead member or an admin may manage opportunity %s", id)
	}
	return o, nil
}

// SetStatus moves a local opportunity through its steps. won needs the
// outcome (the awarded value); lost may carry the value of the bid.
// An illegal transition is a conflict.
func (s *Service) SetStatus(ctx context.Context, v Viewer, id string, to node.OpportunityStatus, outcome *node.Amount) (*node.Opportunity, error) {
	const op = "set opportunity status"
	if !to.Valid() {
		var p node.Problems
		p.Add("status", "%q is not an opportunity status", to)
		return nil, p.Err(op)
	}
	o, err := s.localForLead(ctx, op, v, id)
	if err != nil {
		return nil, err
	}
	if !o.Status.CanBecome(to) {
		next := o.Status.Next()
		allowed := "none: it is final"
		if len(next) > 0 {
			parts := make([]string, len(next))
			for i, n := range next {
				parts[i] = string(n)
			}
			allowed = strings.Join(parts, ", ")
		}
		return nil, conflict(op, "an opportunity in status %s cannot become %s (allowed: %s)", o.Status, to, allowed)
	}
	if outcome != nil && to != node.OpportunityWon && to != node.OpportunityLost {
		var p node.Problems
		p.Add("outcome", "is only given when the bid is won or lost")
		return nil, p.Err(op)
	}
	o.Status = to
	if outcome != nil {
		c := *outcome
		o.Outcome = &c
	}
	o.UpdatedAt = s.now()
	if err := s.validate(ctx, op, o); err != nil {
		return nil, err
	}
	if err := s.update(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}
