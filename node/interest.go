package node

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ConsortiumRole is a member's place in a joint bid. The roles follow the
// European Single Procurement Document (ESPD).
type ConsortiumRole string

// Consortium roles.
const (
	RoleLeadEntity    ConsortiumRole = "lead-entity"   // the lead member, who carries the bid
	RoleGroupMember   ConsortiumRole = "group-member"  // a member of the group of economic operators
	RoleSubcontractor ConsortiumRole = "subcontractor" // works for the group without being part of it
)

// Valid reports whether r is a known role.
func (r ConsortiumRole) Valid() bool {
	return r == RoleLeadEntity || r == RoleGroupMember || r == RoleSubcontractor
}

// ConsortiumEntry is one member co-op in an opportunity's consortium. The
// member's name, node and country are copied in, so that the consortium of
// a past bid stays readable (and counted by country) after the member
// left the network.
type ConsortiumEntry struct {
	Member     string         `json:"member"`                 // local id on this node, empty once the member is gone
	MemberAPID string         `json:"member_ap_id,omitempty"` // the member's ActivityPub id
	Name       string         `json:"name"`
	Node       string         `json:"node"` // actor URL of the member's node
	Country    string         `json:"country"`
	Role       ConsortiumRole `json:"role"`
	Lots       []string       `json:"lots,omitempty"`
}

func (e *ConsortiumEntry) validate(p *Problems, field string) {
	if e.Member == "" && e.MemberAPID == "" {
		p.Add(field+".member", "is required")
	}
	if !ValidCountry(e.Country) {
		p.Add(field+".country", "%q is not an ISO 3166-1 alpha-2 country code", e.Country)
	}
	if !e.Role.Valid() {
		p.Add(field+".role", "must be lead-entity, group-member or subcontractor")
	}
}

// InterestState is the lead's answer to an expression of interest.
type InterestState string

// Interest states. An interest starts pending; the lead accepts or
// rejects it once. Withdrawn means the member left the network (or its
// node left) before the bid was filed.
const (
	InterestPending   InterestState = "pending"
	InterestAccepted  InterestState = "accepted"
	InterestRejected  InterestState = "rejected"
	InterestWithdrawn InterestState = "withdrawn"
)

// Valid reports whether s is a known state.
func (s InterestState) Valid() bool {
	switch s {
	case InterestPending, InterestAccepted, InterestRejected, InterestWithdrawn:
		return true
	}
	return false
}

// Interest is a member co-op's expression of interest in an opportunity:
// the lots and competences it offers and the role it asks for. It lives on
// the member's node (where it was expressed) and on the opportunity's
// origin node (where the lead answers it), each with its own local ID and
// the same APID.
type Interest struct {
	ID          string            `json:"id"`
	Opportunity string            `json:"opportunity"` // local opportunity id
	Member      string            `json:"member"`      // local member id
	MemberAPID  string            `json:"member_ap_id,omitempty"`
	MemberName  string            `json:"member_name"`
	Node        string            `json:"node"` // actor URL of the member's node
	Country     string            `json:"country"`
	Lots        []string          `json:"lots"`
	Competences []string          `json:"competences"`
	Role        ConsortiumRole    `json:"role"`
	Message     map[string]string `json:"message"`
	State       InterestState     `json:"state"`
	// APID is the ActivityPub id of the interest (the Offer's object);
	// OfferID the id of the Offer that carried it.
	APID      string    `json:"ap_id,omitempty"`
	OfferID   string    `json:"offer_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxMessageLen limits an interest message, per language.
const MaxMessageLen = 5000

// Normalize canonicalises the interest in place.
func (in *Interest) Normalize() {
	in.Message = normalizeText(in.Message)
	for i, l := range in.Lots {
		in.Lots[i] = strings.TrimSpace(l)
	}
	in.Lots = nonNil(dedupe(in.Lots))
	for i, c := range in.Competences {
		if n, ok := NormalizeCPV(c); ok {
			in.Competences[i] = n
		}
	}
	in.Competences = nonNil(dedupe(in.Competences))
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
}

// Validate checks a normalised interest against the opportunity it is for
// and returns an EINVALID error with field-level details.
func (in *Interest) Validate(o *Opportunity) error {
	var p Problems
	if in.Member == "" && in.MemberAPID == "" {
		p.Add("member", "is required")
	}
	if in.Role != RoleGroupMember && in.Role != RoleSubcontractor {
		p.Add("role", "must be group-member or subcontractor")
	}
	if !ValidCountry(in.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", in.Country)
	}
	for i, l := range in.Lots {
		if _, ok := o.Lot(l); !ok {
			p.Add(fmt.Sprintf("lots[%d]", i), "%q is not one of the opportunity's lots", l)
		}
	}
	validateCPVs(&p, "competences", in.Competences)
	for tag, text := range in.Message {
		if !ValidLanguageTag(tag) {
			p.Add("message."+tag, "%q is not a known BCP 47 language tag", tag)
		} else if utf8.RuneCountInString(text) > MaxMessageLen {
			p.Add("message."+tag, "is longer than %d characters", MaxMessageLen)
		}
	}
	if !in.State.Valid() {
		p.Add("state", "must be pending, accepted, rejected or withdrawn")
	}
	return p.Err("validate interest")
}

// Entry returns the consortium entry an accepted interest makes.
func (in *Interest) Entry() ConsortiumEntry {
	return ConsortiumEntry{Member: in.Member, MemberAPID: in.MemberAPID, Name: in.MemberName, Node: in.Node,
		Country: in.Country, Role: in.Role, Lots: append([]string(nil), in.Lots...)}
}
