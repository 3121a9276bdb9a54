package node

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Tender is what a published call for tenders tells a bidder, kept with
// an opportunity imported from an eForms notice (and federated with it).
// The BT numbers are the eForms business terms of each field; codes keep
// the eForms code lists' values ("open", "neg-w-call", "price"). What a
// notice does not say stays empty: there are no placeholders.
type Tender struct {
	// NoticeID is the notice identifier (BT-701), NoticeVersion its
	// version (BT-757).
	NoticeID      string `json:"notice_id"`
	NoticeVersion string `json:"notice_version,omitempty"`
	// PublicationID is the TED publication number (OPP-010,
	// "00123456-2024") once TED has published the notice, and TEDURL the
	// notice's page on TED derived from it.
	PublicationID string `json:"publication_id,omitempty"`
	TEDURL        string `json:"ted_url,omitempty"`
	// ProcedureID is the procedure identifier (BT-04).
	ProcedureID string `json:"procedure_id"`
	// NoticeType is the notice type (BT-02), SDK the eForms SDK version.
	NoticeType string `json:"notice_type"`
	SDK        string `json:"sdk,omitempty"`
	// Buyer is the first buyer of the notice.
	Buyer *Buyer `json:"buyer,omitempty"`
	// Procedure is the procedure type (BT-105): open, restricted,
	// neg-w-call, comp-dial, innovation, oth-single, oth-mult…
	Procedure string `json:"procedure,omitempty"`
	// Accelerated is the accelerated procedure indicator (BT-106).
	Accelerated bool `json:"accelerated,omitempty"`
	// Lots holds what the notice says per lot, in the notice's order.
	Lots []TenderLot `json:"lots"`
}

// Buyer is the public buyer as the notice publishes it. Its e-mail is the
// contact address a public authority publishes for bidders.
type Buyer struct {
	Name       map[string]string `json:"name"`                  // BT-500
	Country    string            `json:"country,omitempty"`     // BT-514, alpha-2
	Town       string            `json:"town,omitempty"`        // BT-513
	ProfileURL string            `json:"profile_url,omitempty"` // BT-508
	Website    string            `json:"website,omitempty"`     // BT-505
	Email      string            `json:"email,omitempty"`       // BT-506
}

// TenderLot is what a notice says about one lot.
type TenderLot struct {
	ID string `json:"lot"` // BT-137; not "id", which AS2 readers take for an IRI
	// DocumentsURL is where the procurement documents are (BT-15),
	// RestrictedDocumentsURL where those with restricted access are
	// (BT-615).
	DocumentsURL           string `json:"documents_url,omitempty"`
	RestrictedDocumentsURL string `json:"restricted_documents_url,omitempty"`
	// SubmissionURL is where tenders are submitted (BT-18), and
	// ElectronicSubmission whether electronic submission is required,
	// allowed or not allowed (BT-17).
	SubmissionURL        string `json:"submission_url,omitempty"`
	ElectronicSubmission string `json:"electronic_submission,omitempty"`
	// Deadline is the lot's earliest deadline with the offset the notice
	// gives (BT-131, BT-1311 or BT-630); DeadlineKind says which one.
	Deadline     *time.Time `json:"deadline,omitempty"`
	DeadlineKind string     `json:"deadline_kind,omitempty"`
	// FrameworkAgreement (BT-765) and DPS (BT-766) are the codes of the
	// framework agreement and dynamic purchasing system; "none" is left
	// out.
	FrameworkAgreement string `json:"framework_agreement,omitempty"`
	DPS                string `json:"dps,omitempty"`
	// Duration (BT-36), Start (BT-536) and End (BT-537) are the contract's
	// planned duration and dates (YYYY-MM-DD).
	Duration *Duration `json:"duration,omitempty"`
	Start    string    `json:"start,omitempty"`
	End      string    `json:"end,omitempty"`
	// Value is the lot's estimated value (BT-27).
	Value *Amount `json:"value,omitempty"`
	// AwardCriteria (BT-539, BT-734, BT-540, BT-541) and
	// SelectionCriteria (BT-747, BT-750).
	AwardCriteria     []AwardCriterion     `json:"award_criteria,omitempty"`
	SelectionCriteria []SelectionCriterion `json:"selection_criteria,omitempty"`
	// Reserved is the reserved participation code (BT-71), "none" left
	// out; SocialObjectives the social procurement codes (BT-775) and
	// StrategicText what the buyer wrote about them (BT-777);
	// Accessibility the accessibility criteria code (BT-754) and
	// AccessibilityText its justification (BT-755).
	Reserved          string            `json:"reserved,omitempty"`
	SocialObjectives  []string          `json:"social_objectives,omitempty"`
	StrategicText     map[string]string `json:"strategic_text,omitempty"`
	Accessibility     string            `json:"accessibility,omitempty"`
	AccessibilityText map[string]string `json:"accessibility_text,omitempty"`
}

// Duration is a contract duration: a number and its unit (eForms
// duration units: DAY, WEEK, MONTH, YEAR; UNLIMITED with no number).
type Duration struct {
	Value string `json:"value,omitempty"`
	Unit  string `json:"unit"`
}

// AwardCriterion is one award criterion of a lot: its type (BT-539:
// price, cost or quality), name (BT-734), description (BT-540) and
// weight (BT-541) with the kind of number the weight is (BT-5421:
// per-exa is an exact percentage, poi-exa exact points, …).
type AwardCriterion struct {
	Type        string            `json:"type,omitempty"`
	Name        map[string]string `json:"name,omitempty"`
	Description map[string]string `json:"description,omitempty"`
	Weight      string            `json:"weight,omitempty"`
	WeightKind  string            `json:"weight_kind,omitempty"`
}

// SelectionCriterion is one selection criterion of a lot: its type
// (BT-747, such as slc-stand-other) and description (BT-750).
type SelectionCriterion struct {
	Type        string            `json:"type,omitempty"`
	Description map[string]string `json:"description,omitempty"`
}

// Limits on a tender's parts.
const (
	MaxCriteria    = 50
	maxCodeLen     = 64
	maxCriteriaLen = 20000
)

// normalize canonicalises the tender in place.
func (t *Tender) normalize() {
	if t.Buyer != nil {
		t.Buyer.Name = normalizeText(t.Buyer.Name)
		t.Buyer.Country = strings.ToUpper(strings.TrimSpace(t.Buyer.Country))
		t.Buyer.Email = strings.TrimSpace(t.Buyer.Email)
	}
	if t.Lots == nil {
		t.Lots = []TenderLot{}
	}
	for i := range t.Lots {
		l := &t.Lots[i]
		if l.Value != nil {
			l.Value.normalize()
		}
		l.StrategicText, l.AccessibilityText = normalizeText(l.StrategicText), normalizeText(l.AccessibilityText)
		for j := range l.AwardCriteria {
			a := &l.AwardCriteria[j]
			a.Name, a.Description = normalizeText(a.Name), normalizeText(a.Description)
		}
		for j := range l.SelectionCriteria {
			s := &l.SelectionCriteria[j]
			s.Description = normalizeText(s.Description)
		}
	}
}

// validate checks a tender received from a notice or a peer: every link
// an http(s) URL, codes short and printable, dates real, texts in known
// languages and within limits.
func (t *Tender) validate(p *Problems, f string) {
	for _, c := range []struct{ name, v string }{{"notice_id", t.NoticeID}, {"notice_version", t.NoticeVersion},
		{"publication_id", t.PublicationID}, {"procedure_id", t.ProcedureID}, {"notice_type", t.NoticeType},
		{"sdk", t.SDK}, {"procedure", t.Procedure}} {
		checkCode(p, f+"."+c.name, c.v, 100)
	}
	checkLink(p, f+".ted_url", t.TEDURL)
	if b := t.Buyer; b != nil {
		validateText(p, f+".buyer.name", b.Name, MaxNameLen)
		if b.Country != "" && !ValidCountry(b.Country) {
			p.Add(f+".buyer.country", "%q is not an ISO 3166-1 alpha-2 country code", b.Country)
		}
		if utf8.RuneCountInString(b.Town) > MaxNameLen {
			p.Add(f+".buyer.town", "is longer than %d characters", MaxNameLen)
		} else if b.Town != "" {
			checkName(p, f+".buyer.town", b.Town)
		}
		checkLink(p, f+".buyer.profile_url", b.ProfileURL)
		checkLink(p, f+".buyer.website", b.Website)
		if b.Email != "" {
			if a, err := mail.ParseAddress(b.Email); err != nil || a.Address != b.Email || len(b.Email) > 254 {
				p.Add(f+".buyer.email", "%q is not an e-mail address", b.Email)
			}
		}
	}
	if len(t.Lots) > MaxLots {
		p.Add(f+".lots", "has more than %d lots", MaxLots)
	}
	for i := range t.Lots {
		t.Lots[i].validate(p, fmt.Sprintf("%s.lots[%d]", f, i))
	}
}

func (l *TenderLot) validate(p *Problems, f string) {
	if !validLotID(l.ID) {
		p.Add(f+".id", "must be 1-%d letters, digits, '-', '_' or '.'", MaxLotIDLen)
	}
	checkLink(p, f+".documents_url", l.DocumentsURL)
	checkLink(p, f+".restricted_documents_url", l.RestrictedDocumentsURL)
	checkLink(p, f+".submission_url", l.SubmissionURL)
	for _, c := range []struct{ name, v string }{{"electronic_submission", l.ElectronicSubmission}, {"deadline_kind", l.DeadlineKind},
		{"framework_agreement", l.FrameworkAgreement}, {"dps", l.DPS}, {"reserved", l.Reserved}, {"accessibility", l.Accessibility}} {
		checkCode(p, f+"."+c.name, c.v, maxCodeLen)
	}
	for _, d := range []struct{ name, v string }{{"start", l.Start}, {"end", l.End}} {
		if _, err := time.Parse("2006-01-02", d.v); d.v != "" && err != nil {
			p.Add(f+"."+d.name, "%q is not a date (YYYY-MM-DD)", d.v)
		}
	}
	if d := l.Duration; d != nil {
		checkCode(p, f+".duration.unit", d.Unit, maxCodeLen)
		if d.Value != "" && !ValidDecimal(d.Value) {
			p.Add(f+".duration.value", "%q is not a non-negative number", d.Value)
		}
	}
	if l.Value != nil {
		l.Value.validate(p, f+".value")
	}
	if len(l.AwardCriteria) > MaxCriteria || len(l.SelectionCriteria) > MaxCriteria || len(l.SocialObjectives) > MaxCriteria {
		p.Add(f, "has more than %d criteria or codes of one kind", MaxCriteria)
	}
	for i, c := range l.SocialObjectives {
		checkCode(p, fmt.Sprintf("%s.social_objectives[%d]", f, i), c, maxCodeLen)
	}
	validateText(p, f+".strategic_text", l.StrategicText, maxCriteriaLen)
	validateText(p, f+".accessibility_text", l.AccessibilityText, maxCriteriaLen)
	for i, a := range l.AwardCriteria {
		af := fmt.Sprintf("%s.award_criteria[%d]", f, i)
		checkCode(p, af+".type", a.Type, maxCodeLen)
		checkCode(p, af+".weight_kind", a.WeightKind, maxCodeLen)
		if a.Weight != "" && !ValidDecimal(a.Weight) {
			p.Add(af+".weight", "%q is not a non-negative number", a.Weight)
		}
		validateText(p, af+".name", a.Name, MaxTitleLen)
		validateText(p, af+".description", a.Description, maxCriteriaLen)
	}
	for i, s := range l.SelectionCriteria {
		sf := fmt.Sprintf("%s.selection_criteria[%d]", f, i)
		checkCode(p, sf+".type", s.Type, maxCodeLen)
		validateText(p, sf+".description", s.Description, maxCriteriaLen)
	}
}

// checkLink accepts an empty link or one CheckURL accepts.
func checkLink(p *Problems, field, s string) {
	if s == "" {
		return
	}
	if err := CheckURL(s); err != nil {
		p.Add(field, "must be an http(s) URL: it %v", err)
	}
}

// checkCode accepts an empty code or up to max printable ASCII characters
// without spaces.
func checkCode(p *Problems, field, s string, max int) {
	if len(s) > max {
		p.Add(field, "is longer than %d characters", max)
		return
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '<' || s[i] == '>' || s[i] == '"' {
			p.Add(field, "%q is not a code", s)
			return
		}
	}
}

// Lot returns what the tender says about the lot with the given id.
func (t *Tender) Lot(id string) (*TenderLot, bool) {
	if t == nil {
		return nil, false
	}
	for i := range t.Lots {
		if t.Lots[i].ID == id {
			return &t.Lots[i], true
		}
	}
	return nil, false
}
