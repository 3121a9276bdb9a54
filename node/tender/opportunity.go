package tender

import (
	"strings"
	"unicode/utf8"

	"github.com/e-toiles/etoiles/node"
)

// summaryLen caps the summary the radar derives from a description.
const summaryLen = 500

// Opportunity maps the notice to a radar entry: an opportunity without a
// lead (a member takes it on later), status active (the importer marks
// it complete when its deadline has passed). Every lot's codes are
// required competences tied to that lot; procedure codes no lot carries
// are required for the whole contract. Titles longer than the domain
// allows are shortened, and the summary is the start of the description.
func (n *Notice) Opportunity() *node.Opportunity {
	o := &node.Opportunity{
		Title:       clipAll(n.Title, node.MaxTitleLen),
		Summary:     summarize(n.Description),
		Description: n.Description,
		Languages:   append([]string(nil), n.Languages...),
		Country:     n.Country(),
		Source:      n.SourceRef(),
		Status:      node.OpportunityActive,
		Flags: node.Flags{
			Reserved:              n.Flags.Reserved,
			SocialObjective:       n.Flags.SocialObjective,
			AccessibilityCriteria: n.Flags.Accessibility,
			SMESuitable:           n.Flags.SMESuitable,
		},
		Competences: []node.RequiredCompetence{},
		Lots:        []node.Lot{},
	}
	o.Region = n.region(o.Country)
	o.Tender = n.Tender()
	if !n.Deadline.IsZero() {
		d := n.Deadline.UTC()
		o.Deadline = &d
	}
	if n.Value != nil {
		o.Value = &node.Amount{Amount: n.Value.Value, Currency: n.Value.Currency}
	}
	inLots := map[string]bool{}
	for _, l := range n.Lots {
		codes := append([]string{l.MainCPV}, l.AdditionalCPV...)
		o.Lots = append(o.Lots, node.Lot{ID: l.ID, Title: clipAll(l.Title, node.MaxTitleLen), CPV: codes})
		for _, c := range codes {
			o.Competences = append(o.Competences, node.RequiredCompetence{CPV: c, Lot: l.ID})
			inLots[c] = true
		}
	}
	for _, c := range append([]string{n.MainCPV}, n.AdditionalCPV...) {
		if !inLots[c] {
			o.Competences = append(o.Competences, node.RequiredCompetence{CPV: c})
			inLots[c] = true
		}
	}
	return o
}

// Tender returns what the notice says for a bidder, in the domain's
// terms: identifiers, buyer, procedure and, per lot, documents,
// submission, deadline with its published offset, duration, value and
// criteria.
func (n *Notice) Tender() *node.Tender {
	t := &node.Tender{NoticeID: n.ID, NoticeVersion: n.Version, PublicationID: n.PublicationID,
		TEDURL: TEDURL(n.PublicationID), ProcedureID: n.ProcedureID, NoticeType: n.Type, SDK: n.SDK,
		Procedure: n.Procedure, Accelerated: n.Accelerated, Lots: make([]node.TenderLot, 0, len(n.Lots))}
	if n.Buyer != nil {
		b := *n.Buyer
		t.Buyer = &b
	}
	for _, l := range n.Lots {
		tl := node.TenderLot{ID: l.ID, DocumentsURL: l.DocumentsURL, RestrictedDocumentsURL: l.RestrictedDocumentsURL,
			SubmissionURL: l.SubmissionURL, ElectronicSubmission: l.ElectronicSubmission,
			FrameworkAgreement: l.FrameworkAgreement, DPS: l.DPS, Duration: l.Duration, Start: l.Start, End: l.End,
			AwardCriteria: l.AwardCriteria, SelectionCriteria: l.SelectionCriteria,
			Reserved: notNone(l.Reserved), SocialObjectives: l.SocialObjectives, StrategicText: l.StrategicText,
			Accessibility: l.Accessibility, AccessibilityText: l.AccessibilityText}
		if !l.Deadline.IsZero() {
			d := l.Deadline
			tl.Deadline, tl.DeadlineKind = &d, string(l.DeadlineKind)
		}
		if l.Value != nil {
			tl.Value = &node.Amount{Amount: l.Value.Value, Currency: l.Value.Currency}
		}
		t.Lots = append(t.Lots, tl)
	}
	return t
}

// region returns the first NUTS code of the places of performance that
// lies in country.
func (n *Notice) region(country string) string {
	places := append([]Place(nil), n.Places...)
	for _, l := range n.Lots {
		places = append(places, l.Places...)
	}
	for _, p := range places {
		if p.NUTS != "" && node.ValidNUTS(p.NUTS, country) {
			return p.NUTS
		}
	}
	return ""
}

func clipAll(m map[string]string, max int) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = clip(v, max)
	}
	return out
}

// clip shortens s to at most max runes, at a word boundary when there is
// one in the last fifth, ending with "…".
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max-1]
	cut := len(r)
	for i := len(r) - 1; i > len(r)*4/5; i-- {
		if r[i] == ' ' || r[i] == '\n' {
			cut = i
			break
		}
	}
	return strings.TrimSpace(string(r[:cut])) + "…"
}

// summarize takes the first paragraph of each description, clipped.
func summarize(desc map[string]string) map[string]string {
	out := make(map[string]string, len(desc))
	for k, v := range desc {
		first, _, _ := strings.Cut(v, "\n")
		out[k] = clip(strings.TrimSpace(first), summaryLen)
	}
	return out
}
