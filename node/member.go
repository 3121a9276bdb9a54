package node

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MemberStatus is a step of the membership lifecycle.
type MemberStatus string

// The membership lifecycle: prospect → member → lapsed → alumni. A lapsed
// member can rejoin; alumni can rejoin directly or go back to prospect.
const (
	StatusProspect MemberStatus = "prospect"
	StatusMember   MemberStatus = "member"
	StatusLapsed   MemberStatus = "lapsed"
	StatusAlumni   MemberStatus = "alumni"
)

var transitions = map[MemberStatus][]MemberStatus{
	StatusProspect: {StatusMember, StatusAlumni},
	StatusMember:   {StatusLapsed, StatusAlumni},
	StatusLapsed:   {StatusMember, StatusAlumni},
	StatusAlumni:   {StatusMember, StatusProspect},
}

// Valid reports whether s is a known status.
func (s MemberStatus) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Active reports whether a member in status s acts for the group: only
// members do; prospects, lapsed members and alumni do not.
func (s MemberStatus) Active() bool { return s == StatusMember }

// CanBecome reports whether the lifecycle allows going from s to t.
func (s MemberStatus) CanBecome(t MemberStatus) bool {
	for _, n := range transitions[s] {
		if n == t {
			return true
		}
	}
	return false
}

// Member is a member co-op of the national group, or a remote one that a
// peer node published (Origin set). Contact is private: it never leaves
// the node.
type Member struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	LegalForm   string            `json:"legal_form,omitempty"`
	Country     string            `json:"country"`
	Region      string            `json:"region,omitempty"`
	Website     string            `json:"website,omitempty"`
	Summary     map[string]string `json:"summary"`
	Languages   []string          `json:"languages"`
	Competences []string          `json:"competences"`
	Tags        []string          `json:"tags"`
	Status      MemberStatus      `json:"status"`
	Contact     *Contact          `json:"contact,omitempty"`
	Origin      string            `json:"origin,omitempty"`
	APID        string            `json:"ap_id,omitempty"`
	// InDirectory is the co-op's choice to show itself in the public
	// directory, on its node and on its peers'.
	InDirectory bool `json:"in_directory"`
	// Revision orders the versions of a remote member: its node's time
	// of the change, in nanoseconds. Zero for local members.
	Revision  int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Contact holds a member's private contact details.
type Contact struct {
	Person  string `json:"person,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

// StatusChange is one dated step in a member's history.
type StatusChange struct {
	MemberID string       `json:"member_id"`
	From     MemberStatus `json:"from,omitempty"`
	To       MemberStatus `json:"to"`
	At       time.Time    `json:"at"`
	Note     string       `json:"note,omitempty"`
}

// Public returns a copy of m without its private contact details, as it
// may be published to peers and in events.
func (m *Member) Public() *Member {
	c := *m
	c.Contact = nil
	return &c
}

// Limits on member fields.
const (
	MaxNameLen    = 200
	MaxSummaryLen = 5000
	MaxTags       = 50
	MaxTagLen     = 64
	MaxCodes      = 100
)

// ValidSlug reports whether s can be a member id: 2 to 63 lower-case
// letters, digits and hyphens, starting with a letter or digit.
func ValidSlug(s string) bool {
	if len(s) < 2 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Slugify derives a member id from a name: "Coop Écho & Son" → "coop-echo-son".
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		r = foldAccent(r)
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 60 {
		out = strings.TrimRight(out[:60], "-")
	}
	return out
}

// Normalize canonicalises the member in place: trims text, upper-cases
// codes, canonicalises language tags, drops CPV check digits and
// duplicate list entries.
func (m *Member) Normalize() {
	m.Name = strings.TrimSpace(m.Name)
	m.LegalForm = strings.TrimSpace(m.LegalForm)
	m.Country = strings.ToUpper(strings.TrimSpace(m.Country))
	m.Region = strings.ToUpper(strings.TrimSpace(m.Region))
	m.Website = strings.TrimSpace(m.Website)
	if len(m.Summary) > 0 {
		s := make(map[string]string, len(m.Summary))
		for k, v := range m.Summary {
			s[CanonicalLanguageTag(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		m.Summary = s
	}
	for i, l := range m.Languages {
		m.Languages[i] = CanonicalLanguageTag(strings.TrimSpace(l))
	}
	m.Languages = dedupe(m.Languages)
	for i, c := range m.Competences {
		if n, ok := NormalizeCPV(c); ok {
			m.Competences[i] = n
		}
	}
	m.Competences = dedupe(m.Competences)
	for i, t := range m.Tags {
		m.Tags[i] = strings.TrimSpace(t)
	}
	m.Tags = dedupe(m.Tags)
	if m.Summary == nil {
		m.Summary = map[string]string{}
	}
	m.Languages, m.Competences, m.Tags = nonNil(m.Languages), nonNil(m.Competences), nonNil(m.Tags)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Validate checks a normalised member and returns an EINVALID error with a
// field-level detail for each problem.
func (m *Member) Validate() error {
	var p Problems
	if !ValidSlug(m.ID) {
		p.Add("id", "must be 2-63 lower-case letters, digits or hyphens")
	}
	if m.Name == "" {
		p.Add("name", "is required")
	} else if utf8.RuneCountInString(m.Name) > MaxNameLen {
		p.Add("name", "is longer than %d characters", MaxNameLen)
	} else {
		checkName(&p, "name", m.Name)
	}
	if utf8.RuneCountInString(m.LegalForm) > 64 {
		p.Add("legal_form", "is longer than 64 characters")
	} else {
		checkName(&p, "legal_form", m.LegalForm)
	}
	if m.Country == "" {
		p.Add("country", "is required")
	} else if !ValidCountry(m.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", m.Country)
	}
	if m.Region != "" && !ValidNUTS(m.Region, m.Country) && ValidCountry(m.Country) || m.Region != "" && !ValidNUTS(m.Region, "") {
		p.Add("region", "%q is not a NUTS code in country %s", m.Region, m.Country)
	}
	addURL(&p, "website", m.Website)
	for tag, text := range m.Summary {
		if !ValidLanguageTag(tag) {
			p.Add("summary."+tag, "%q is not a known BCP 47 language tag", tag)
		} else if utf8.RuneCountInString(text) > MaxSummaryLen {
			p.Add("summary."+tag, "is longer than %d characters", MaxSummaryLen)
		} else {
			checkText(&p, "summary."+tag, text)
		}
	}
	for i, l := range m.Languages {
		if !ValidLanguageTag(l) {
			p.Add(fmt.Sprintf("languages[%d]", i), "%q is not a known BCP 47 language tag", l)
		}
	}
	if len(m.Competences) > MaxCodes {
		p.Add("competences", "has more than %d codes", MaxCodes)
	}
	for i, c := range m.Competences {
		if _, ok := NormalizeCPV(c); !ok {
			p.Add(fmt.Sprintf("competences[%d]", i), "%q is not a CPV code (8 digits in a CPV division)", c)
		}
	}
	if len(m.Tags) > MaxTags {
		p.Add("tags", "has more than %d tags", MaxTags)
	}
	for i, t := range m.Tags {
		if t == "" || utf8.RuneCountInString(t) > MaxTagLen {
			p.Add(fmt.Sprintf("tags[%d]", i), "must be 1-%d characters", MaxTagLen)
		} else {
			checkName(&p, fmt.Sprintf("tags[%d]", i), t)
		}
	}
	if !m.Status.Valid() {
		p.Add("status", "must be one of prospect, member, lapsed, alumni")
	}
	return p.Err("validate member")
}

func dedupe(in []string) []string {
	if len(in) == 0 {
		return in
	}
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
