package membership

import (
	"context"
	"fmt"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Store persists members. Each write stores the change and its events in
// one transaction.
type Store interface {
	// CreateMember inserts m; ECONFLICT when the id is taken.
	CreateMember(ctx context.Context, m *node.Member, ch node.StatusChange, events []node.Event) error
	// GetMember returns a local or remote member by id; ENOTFOUND if none.
	GetMember(ctx context.Context, id string) (*node.Member, error)
	// UpdateMember replaces m's fields.
	UpdateMember(ctx context.Context, m *node.Member, events []node.Event) error
	// SetMemberStatus stores m's new status and the history entry.
	SetMemberStatus(ctx context.Context, m *node.Member, ch node.StatusChange, events []node.Event) error
	// MemberHistory returns the status changes of a member, oldest first.
	MemberHistory(ctx context.Context, id string) ([]node.StatusChange, error)
}

// CodeChecker reports which CPV codes are absent from the loaded code
// list. When no list is loaded it returns loaded=false and the service
// relies on the structural check alone.
type CodeChecker interface {
	UnknownCodes(ctx context.Context, kind string, codes []string) (unknown []string, loaded bool, err error)
}

// Service implements the membership use cases. Store is required; the
// other fields are optional.
type Service struct {
	Store Store
	Codes CodeChecker
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Committed is called after every successful write, to wake the
	// outbox relay.
	Committed func()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) committed() {
	if s.Committed != nil {
		s.Committed()
	}
}

// Create registers a local member co-op. An empty ID is derived from the
// name, an empty status means member.
func (s *Service) Create(ctx context.Context, m *node.Member) (*node.Member, error) {
	const op = "create member"
	m.Origin, m.APID = "", ""
	if m.ID == "" {
		m.ID = node.Slugify(m.Name)
	}
	if m.Status == "" {
		m.Status = node.StatusMember
	}
	if err := s.validate(ctx, op, m); err != nil {
		return nil, err
	}
	now := s.now()
	m.CreatedAt, m.UpdatedAt = now, now
	subject := node.SubjectMemberJoined
	if m.Status != node.StatusMember {
		subject = node.SubjectMemberRegistered
	}
	ev, err := node.NewEvent(subject, m.ID, now, m.Public())
	if err != nil {
		return nil, err
	}
	ch := node.StatusChange{MemberID: m.ID, To: m.Status, At: now, Note: "registered"}
	if err := s.Store.CreateMember(ctx, m, ch, []node.Event{ev}); err != nil {
		return nil, err
	}
	s.committed()
	return m, nil
}

// Get returns a member by id.
func (s *Service) Get(ctx context.Context, id string) (*node.Member, error) {
	return s.Store.GetMember(ctx, id)
}

// History returns a member's dated status changes.
func (s *Service) History(ctx context.Context, id string) ([]node.StatusChange, error) {
	if _, err := s.Store.GetMember(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.MemberHistory(ctx, id)
}

// Patch lists the fields of a member to change; nil fields stay as they
// are. Status changes go through SetStatus.
type Patch struct {
	Name        *string            `json:"name"`
	LegalForm   *string            `json:"legal_form"`
	Country     *string            `json:"country"`
	Region      *string            `json:"region"`
	Website     *string            `json:"website"`
	Summary     *map[string]string `json:"summary"`
	Languages   *[]string          `json:"languages"`
	Competences *[]string          `json:"competences"`
	Tags        *[]string          `json:"tags"`
	Contact     **node.Contact     `json:"contact"`
	InDirectory *bool              `json:"in_directory"`
}

// Update applies a patch to a local member.
func (s *Service) Update(ctx context.Context, id string, p Patch) (*node.Member, error) {
	const op = "update member"
	m, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Origin != "" {
		return nil, &node.Error{Code: node.EFORBIDDEN, Op: op, Message: fmt.Sprintf("member %s belongs to node %s and is edited there", id, m.Origin)}
	}
	apply(m, p)
	if err := s.validate(ctx, op, m); err != nil {
		return nil, err
	}
	m.UpdatedAt = s.now()
	var events []node.Event
	if m.Status.Active() {
		ev, err := node.NewEvent(node.SubjectMemberUpdated, m.ID, m.UpdatedAt, m.Public())
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	if err := s.Store.UpdateMember(ctx, m, events); err != nil {
		return nil, err
	}
	s.committed()
	return m, nil
}

func apply(m *node.Member, p Patch) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&m.Name, p.Name)
	set(&m.LegalForm, p.LegalForm)
	set(&m.Country, p.Country)
	set(&m.Region, p.Region)
	set(&m.Website, p.Website)
	if p.Summary != nil {
		m.Summary = *p.Summary
	}
	if p.Languages != nil {
		m.Languages = *p.Languages
	}
	if p.Competences != nil {
		m.Competences = *p.Competences
	}
	if p.Tags != nil {
		m.Tags = *p.Tags
	}
	if p.Contact != nil {
		m.Contact = *p.Contact
	}
	if p.InDirectory != nil {
		m.InDirectory = *p.InDirectory
	}
}

// SetStatus moves a local member through the lifecycle. Leaving (lapsed,
// alumni) raises an event that federation turns into a Delete, and that
// revokes the member's tokens at once.
func (s *Service) SetStatus(ctx context.Context, id string, to node.MemberStatus, note string) (*node.Member, error) {
	const op = "set member status"
	if !to.Valid() {
		var p node.Problems
		p.Add("status", "must be one of prospect, member, lapsed, alumni")
		return nil, p.Err(op)
	}
	m, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Origin != "" {
		return nil, &node.Error{Code: node.EFORBIDDEN, Op: op, Message: fmt.Sprintf("member %s belongs to node %s", id, m.Origin)}
	}
	if !m.Status.CanBecome(to) {
		return nil, &node.Error{Code: node.ECONFLICT, Op: op, Message: fmt.Sprintf("a member in status %s cannot become %s", m.Status, to)}
	}
	now := s.now()
	ch := node.StatusChange{MemberID: id, From: m.Status, To: to, At: now, Note: note}
	m.Status, m.UpdatedAt = to, now
	ev, err := node.NewEvent(statusSubject(to), id, now, m.Public())
	if err != nil {
		return nil, err
	}
	if err := s.Store.SetMemberStatus(ctx, m, ch, []node.Event{ev}); err != nil {
		return nil, err
	}
	s.committed()
	return m, nil
}

func statusSubject(to node.MemberStatus) string {
	switch to {
	case node.StatusMember:
		return node.SubjectMemberJoined
	case node.StatusLapsed:
		return node.SubjectMemberLapsed
	case node.StatusAlumni:
		return node.SubjectMemberLeft
	default:
		return node.SubjectMemberReturned
	}
}

func (s *Service) validate(ctx context.Context, op string, m *node.Member) error {
	m.Normalize()
	if err := m.Validate(); err != nil {
		return err
	}
	if s.Codes == nil || len(m.Competences) == 0 {
		return nil
	}
	unknown, loaded, err := s.Codes.UnknownCodes(ctx, "cpv", m.Competences)
	if err != nil {
		return fmt.Errorf("%s: check codes: %w", op, err)
	}
	if !loaded || len(unknown) == 0 {
		return nil
	}
	var p node.Problems
	for i, c := range m.Competences {
		for _, u := range unknown {
			if c == u {
				p.Add(fmt.Sprintf("competences[%d]", i), "%q is not in the CPV code list", c)
			}
		}
	}
	return p.Err(op)
}
