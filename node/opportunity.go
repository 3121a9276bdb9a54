package node

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// OpportunityStatus is a step in the life of an opportunity. The first six
// are the OCDS tender statuses; forming, submitted, won and lost are the
// internal steps of a joint bid.
type OpportunityStatus string

// Opportunity statuses.
const (
	OpportunityPlanned      OpportunityStatus = "planned"      // announced, not open yet
	OpportunityActive       OpportunityStatus = "active"       // open: co-ops may express interest
	OpportunityForming      OpportunityStatus = "forming"      // the lead is forming the consortium
	OpportunitySubmitted    OpportunityStatus = "submitted"    // the bid is filed
	OpportunityWon          OpportunityStatus = "won"          // the bid won (outcome value required)
	OpportunityLost         OpportunityStatus = "lost"         // the bid lost
	OpportunityComplete     OpportunityStatus = "complete"     // the contract is done, or the tender closed
	OpportunityCancelled    OpportunityStatus = "cancelled"    // the buyer cancelled the tender
	OpportunityUnsuccessful OpportunityStatus = "unsuccessful" // the tender ended with no award
	OpportunityWithdrawn    OpportunityStatus = "withdrawn"    // the lead withdrew it
)

// opportunityTransitions is the status machine. complete, cancelled,
// unsuccessful, withdrawn and lost are final.
var opportunityTransitions = map[OpportunityStatus][]OpportunityStatus{
	OpportunityPlanned:      {OpportunityActive, OpportunityCancelled, OpportunityWithdrawn},
	OpportunityActive:       {OpportunityForming, OpportunitySubmitted, OpportunityComplete, OpportunityCancelled, OpportunityUnsuccessful, OpportunityWithdrawn},
	OpportunityForming:      {OpportunityActive, OpportunitySubmitted, OpportunityCancelled, OpportunityUnsuccessful, OpportunityWithdrawn},
	OpportunitySubmitted:    {OpportunityWon, OpportunityLost, OpportunityCancelled, OpportunityUnsuccessful},
	OpportunityWon:          {OpportunityComplete},
	OpportunityLost:         nil,
	OpportunityComplete:     nil,
	OpportunityCancelled:    nil,
	OpportunityUnsuccessful: nil,
	OpportunityWithdrawn:    nil,
}

// OpportunityStatuses lists every status in the order of the life cycle.
var OpportunityStatuses = []OpportunityStatus{OpportunityPlanned, OpportunityActive, OpportunityForming,
	OpportunitySubmitted, OpportunityWon, OpportunityLost, OpportunityComplete, OpportunityCancelled,
	OpportunityUnsuccessful, OpportunityWithdrawn}

// Valid reports whether s is a known status.
func (s OpportunityStatus) Valid() bool {
	_, ok := opportunityTransitions[s]
	return ok
}

// CanBecome reports whether the status machine allows going from s to t.
func (s OpportunityStatus) CanBecome(t OpportunityStatus) bool {
	for _, n := range opportunityTransitions[s] {
		if n == t {
			return true
		}
	}
	return false
}

// Next returns the statuses s may move to.
func (s OpportunityStatus) Next() []OpportunityStatus {
	return append([]OpportunityStatus(nil), opportunityTransitions[s]...)
}

// Open reports whether co-ops may still express interest: planned, active
// and forming opportunities are open (the deadline is checked apart).
func (s OpportunityStatus) Open() bool {
	return s == OpportunityPlanned || s == OpportunityActive || s == OpportunityForming
}

// Final reports whether no transition leaves s.
func (s OpportunityStatus) Final() bool { return s.Valid() && len(opportunityTransitions[s]) == 0 }

// Amount is a sum of money: a decimal string in the currency's major unit
// ("125000", "125000.50"; at most 4 decimals, no sign, no exponent) and an
// ISO 4217 currency code. A decimal string keeps what a notice says
// exactly, whatever the currency's minor unit; sums are computed in the
// store.
type Amount struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// validate checks a normalised amount and records problems under field.
func (a *Amount) validate(p *Problems, field string) {
	if !ValidDecimal(a.Amount) {
		p.Add(field+".amount", "%q is not a non-negative decimal amount (digits, optional point and up to 4 decimals)", a.Amount)
	}
	if !ValidCurrency(a.Currency) {
		p.Add(field+".currency", "%q is not an ISO 4217 currency code", a.Currency)
	}
}

func (a *Amount) normalize() {
	a.Amount = strings.TrimSpace(a.Amount)
	a.Currency = strings.ToUpper(strings.TrimSpace(a.Currency))
}

// ValidDecimal reports whether s is a non-negative decimal of at most 15
// integer digits and 4 decimals.
func ValidDecimal(s string) bool {
	i, f, dot := strings.Cut(s, ".")
	if !isDigits(i) || len(i) > 15 {
		return false
	}
	return !dot || isDigits(f) && len(f) <= 4
}

// RequiredCompetence is a CPV code an opportunity needs, optionally for
// one lot.
type RequiredCompetence struct {
	CPV string `json:"cpv"`
	Lot string `json:"lot,omitempty"`
}

// Lot is a lot of a tender (eForms LOT-0001…).
type Lot struct {
	ID    string            `json:"id"`
	Title map[string]string `json:"title"`
	CPV   []string          `json:"cpv"`
}

// Flags are the social and accessibility indicators of a notice, as
// eForms carries them.
type Flags struct {
	Reserved              bool `json:"reserved"`               // BT-71: reserved for sheltered workshops or social-integration enterprises
	SocialObjective       bool `json:"social_objective"`       // BT-775: the procurement has a social objective, accessibility included
	AccessibilityCriteria bool `json:"accessibility_criteria"` // BT-754: accessibility criteria are part of the specification
	SMESuitable           bool `json:"sme_suitable"`           // BT-726: the lot is suitable for SMEs
}

// Opportunity is a call for tenders or a client project that a member
// co-op (the lead) posts, or that the node imports from a notice. A copy
// published by a peer node has Origin (that node's actor) and APID set,
// and its own local ID here.
type Opportunity struct {
	ID          string               `json:"id"`
	Title       map[string]string    `json:"title"`
	Summary     map[string]string    `json:"summary"`
	Description map[string]string    `json:"description"`
	Languages   []string             `json:"languages"` // working languages; default the title's
	Competences []RequiredCompetence `json:"competences"`
	Lots        []Lot                `json:"lots"`
	Country     string               `json:"country"`
	Region      string               `json:"region,omitempty"` // NUTS
	Deadline    *time.Time           `json:"deadline,omitempty"`
	Value       *Amount              `json:"value,omitempty"`
	Flags       Flags                `json:"flags"`
	// Tender is what the published notice says for a bidder (buyer,
	// procedure, documents, submission, criteria); only on opportunities
	// imported from a notice.
	Tender *Tender `json:"tender,omitempty"`
	// OpenAbroad says the lead welcomes partners from other countries.
	OpenAbroad bool `json:"open_abroad"`
	// Lead is the lead member's local id; LeadAPID its ActivityPub id on
	// a remote copy. Imported notices have no lead.
	Lead     string `json:"lead,omitempty"`
	LeadAPID string `json:"lead_ap_id,omitempty"`
	LeadName string `json:"lead_name,omitempty"`
	// Source names the notice the opportunity comes from (a TED notice
	// number such as "123456-2024", or a URL). It is unique per origin, so
	// importing a notice again updates the same opportunity.
	Source     string            `json:"source,omitempty"`
	Status     OpportunityStatus `json:"status"`
	Outcome    *Amount           `json:"outcome,omitempty"` // the awarded (won) or bid (lost) value
	Consortium []ConsortiumEntry `json:"consortium"`
	// Interests is filled only for those who may see them: the lead's
	// people and the admins of the origin node.
	Interests []*Interest `json:"interests,omitempty"`
	Origin    string      `json:"origin,omitempty"`
	APID      string      `json:"ap_id,omitempty"`
	// NodeCountry is the country of the node that published the
	// opportunity (this node's for local ones): an opportunity from a
	// node of another country is cross-border.
	NodeCountry string `json:"node_country"`
	// Revision orders the versions of a remote opportunity (the origin's
	// time of the change, in nanoseconds). For a local one it counts the
	// changes, so that two changes that cross are detected.
	Revision  int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Limits on opportunity fields.
const (
	MaxTitleLen       = 300
	MaxDescriptionLen = 50000
	MaxLots           = 200
	MaxLotIDLen       = 64
	MaxSourceLen      = 500
)

// CPVs returns every distinct CPV code the opportunity needs (required
// competences and lot codes), sorted.
func (o *Opportunity) CPVs() []string {
	seen := map[string]bool{}
	for _, c := range o.Competences {
		seen[c.CPV] = true
	}
	for _, l := range o.Lots {
		for _, c := range l.CPV {
			seen[c] = true
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Lot returns the lot with the given id.
func (o *Opportunity) Lot(id string) (*Lot, bool) {
	for i := range o.Lots {
		if o.Lots[i].ID == id {
			return &o.Lots[i], true
		}
	}
	return nil, false
}

// Countries returns the distinct countries of the consortium, sorted.
func (o *Opportunity) Countries() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range o.Consortium {
		if e.Country != "" && !seen[e.Country] {
			seen[e.Country] = true
			out = append(out, e.Country)
		}
	}
	sort.Strings(out)
	return out
}

// Closed reports whether interest can no longer be expressed at time now:
// the status is not open, or the deadline has passed.
func (o *Opportunity) Closed(now time.Time) bool {
	return !o.Status.Open() || o.Deadline != nil && !o.Deadline.After(now)
}

// Public returns a copy without the interests, as peers and events see it.
func (o *Opportunity) Public() *Opportunity {
	c := *o
	c.Interests = nil
	return &c
}

func normalizeText(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		out[CanonicalLanguageTag(strings.TrimSpace(k))] = v
	}
	return out
}

// Normalize canonicalises the opportunity in place: trims text, drops
// empty translations, canonicalises language tags, upper-cases codes,
// drops CPV check digits and duplicates.
func (o *Opportunity) Normalize() {
	o.Title, o.Summary, o.Description = normalizeText(o.Title), normalizeText(o.Summary), normalizeText(o.Description)
	for i, l := range o.Languages {
		o.Languages[i] = CanonicalLanguageTag(strings.TrimSpace(l))
	}
	o.Languages = nonNil(dedupe(o.Languages))
	if len(o.Languages) == 0 {
		for k := range o.Title {
			if ValidLanguageTag(k) {
				o.Languages = append(o.Languages, k)
			}
		}
		sort.Strings(o.Languages)
	}
	seen := map[RequiredCompetence]bool{}
	comps := o.Competences[:0]
	for _, c := range o.Competences {
		if n, ok := NormalizeCPV(c.CPV); ok {
			c.CPV = n
		}
		c.Lot = strings.TrimSpace(c.Lot)
		if !seen[c] {
			seen[c] = true
			comps = append(comps, c)
		}
	}
	o.Competences = comps
	if o.Competences == nil {
		o.Competences = []RequiredCompetence{}
	}
	for i := range o.Lots {
		l := &o.Lots[i]
		l.ID = strings.TrimSpace(l.ID)
		l.Title = normalizeText(l.Title)
		for j, c := range l.CPV {
			if n, ok := NormalizeCPV(c); ok {
				l.CPV[j] = n
			}
		}
		l.CPV = nonNil(dedupe(l.CPV))
	}
	if o.Lots == nil {
		o.Lots = []Lot{}
	}
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	o.Region = strings.ToUpper(strings.TrimSpace(o.Region))
	if o.Value != nil {
		o.Value.normalize()
	}
	if o.Outcome != nil {
		o.Outcome.normalize()
	}
	if o.Deadline != nil {
		d := o.Deadline.UTC()
		o.Deadline = &d
	}
	o.Source = strings.TrimSpace(o.Source)
	if o.Consortium == nil {
		o.Consortium = []ConsortiumEntry{}
	}
	if o.Tender != nil {
		o.Tender.normalize()
	}
}

// Validate checks a normalised opportunity and returns an EINVALID error
// with a field-level detail for each problem. It does not check the
// deadline against the clock: only the API refuses past deadlines (see
// CheckDeadline), imports keep them as history.
func (o *Opportunity) Validate() error {
	var p Problems
	o.validate(&p)
	return p.Err("validate opportunity")
}

func (o *Opportunity) validate(p *Problems) {
	if len(o.Title) == 0 {
		p.Add("title", "is required, in at least one language")
	}
	validateText(p, "title", o.Title, MaxTitleLen)
	validateText(p, "summary", o.Summary, MaxSummaryLen)
	validateText(p, "description", o.Description, MaxDescriptionLen)
	for i, l := range o.Languages {
		if !ValidLanguageTag(l) {
			p.Add(fmt.Sprintf("languages[%d]", i), "%q is not a known BCP 47 language tag", l)
		}
	}
	if len(o.Lots) > MaxLots {
		p.Add("lots", "has more than %d lots", MaxLots)
	}
	lots := map[string]bool{}
	for i, l := range o.Lots {
		f := fmt.Sprintf("lots[%d]", i)
		switch {
		case !validLotID(l.ID):
			p.Add(f+".id", "must be 1-%d letters, digits, '-', '_' or '.'", MaxLotIDLen)
		case lots[l.ID]:
			p.Add(f+".id", "%q is used by another lot", l.ID)
		}
		lots[l.ID] = true
		validateText(p, f+".title", l.Title, MaxTitleLen)
		validateCPVs(p, f+".cpv", l.CPV)
	}
	if len(o.Competences) == 0 && len(o.CPVs()) == 0 {
		p.Add("competences", "is required: at least one CPV code")
	}
	if len(o.Competences) > MaxCodes {
		p.Add("competences", "has more than %d codes", MaxCodes)
	}
	for i, c := range o.Competences {
		f := fmt.Sprintf("competences[%d]", i)
		if _, ok := NormalizeCPV(c.CPV); !ok {
			p.Add(f+".cpv", "%q is not a CPV code (8 digits in a CPV division)", c.CPV)
		}
		if c.Lot != "" && !lots[c.Lot] {
			p.Add(f+".lot", "%q is not one of the opportunity's lots", c.Lot)
		}
	}
	if o.Country == "" {
		p.Add("country", "is required")
	} else if !ValidCountry(o.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", o.Country)
	}
	if o.Region != "" && !ValidNUTS(o.Region, "") || o.Region != "" && ValidCountry(o.Country) && !ValidNUTS(o.Region, o.Country) {
		p.Add("region", "%q is not a NUTS code in country %s", o.Region, o.Country)
	}
	if o.Value != nil {
		o.Value.validate(p, "value")
	}
	if o.Lead != "" && !validMemberRef(o.Lead) {
		p.Add("lead", "%q is not a member id", o.Lead)
	}
	if utf8.RuneCountInString(o.Source) > MaxSourceLen {
		p.Add("source", "is longer than %d characters", MaxSourceLen)
	} else if SourceIsURL(o.Source) {
		if err := CheckURL(o.Source); err != nil {
			p.Add("source", "must be a notice number or an http(s) URL: it %v", err)
		}
	}
	if !o.Status.Valid() {
		p.Add("status", "must be one of %s", joinStatuses(OpportunityStatuses))
	}
	if o.Outcome != nil {
		o.Outcome.validate(p, "outcome")
		if o.Status != OpportunityWon && o.Status != OpportunityLost && o.Status != OpportunityComplete {
			p.Add("outcome", "is only set on a won or lost bid")
		}
	}
	if o.Status == OpportunityWon && o.Outcome == nil {
		p.Add("outcome", "is required for a won bid: the awarded value")
	}
	for i, e := range o.Consortium {
		e.validate(p, fmt.Sprintf("consortium[%d]", i))
	}
	if o.Tender != nil {
		o.Tender.validate(p, "tender")
	}
}

// CheckDeadline refuses a deadline that is not after now, as the API does
// when a member posts an opportunity.
func (o *Opportunity) CheckDeadline(now time.Time) error {
	if o.Deadline != nil && !o.Deadline.After(now) {
		var p Problems
		p.Add("deadline", "%s is in the past", o.Deadline.UTC().Format(time.RFC3339))
		return p.Err("validate opportunity")
	}
	return nil
}

// validateText checks a multilingual text. "und" (undetermined, as
// ActivityStreams readers report a text given without a language) is
// allowed.
func validateText(p *Problems, field string, m map[string]string, max int) {
	for tag, text := range m {
		if tag != "und" && !ValidLanguageTag(tag) {
			p.Add(field+"."+tag, "%q is not a known BCP 47 language tag", tag)
		} else if utf8.RuneCountInString(text) > max {
			p.Add(field+"."+tag, "is longer than %d characters", max)
		} else if strings.HasSuffix(field, "title") {
			checkName(p, field+"."+tag, text)
		} else {
			checkText(p, field+"."+tag, text)
		}
	}
}

func validateCPVs(p *Problems, field string, codes []string) {
	if len(codes) > MaxCodes {
		p.Add(field, "has more than %d codes", MaxCodes)
	}
	for i, c := range codes {
		if _, ok := NormalizeCPV(c); !ok {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "%q is not a CPV code (8 digits in a CPV division)", c)
		}
	}
}

func validLotID(s string) bool {
	if s == "" || len(s) > MaxLotIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// validMemberRef accepts a local member id ("coop-a") or a remote one
// ("coop-a@it.example").
func validMemberRef(s string) bool {
	local, host, remote := strings.Cut(s, "@")
	if remote {
		return local != "" && host != "" && len(s) <= 300 && !strings.ContainsAny(s, " /")
	}
	return ValidSlug(s)
}

func joinStatuses(ss []OpportunityStatus) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// SourceIsURL reports whether an opportunity's source is meant as a URL,
// which CheckURL must then accept, rather than a notice number: it holds
// "://" or starts with a scheme that runs code or embeds a document
// (javascript:, vbscript:, data:).
func SourceIsURL(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	return strings.Contains(l, "://") || strings.HasPrefix(l, "javascript:") || strings.HasPrefix(l, "vbscript:") || strings.HasPrefix(l, "data:")
}
