package tender

import (
	"net/mail"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// codeLists names the eForms code list of a code when the element has no
// listName attribute. SDK 2 names a code's list by its field rather than
// by the attribute, so a notice written for SDK 2 may leave it out; the
// codes of the lists that share an element are distinct, except "none",
// which means nothing for the radar in any of them.
var codeLists = map[string]string{
	"res-ws": "reserved-procurement", "res-pub-ser": "reserved-procurement",
	"inn-pur": "strategic-procurement", "env-imp": "strategic-procurement", "soc-obj": "strategic-procurement",
	"inc": "accessibility", "n-inc-just": "accessibility",
	"fa-mix": "framework-agreement", "fa-w-rc": "framework-agreement", "fa-wo-rc": "framework-agreement",
	"dps-list": "dps-usage", "dps-nlist": "dps-usage",
	"per-exa": "number-weight", "per-imp": "number-weight", "poi-exa": "number-weight", "poi-imp": "number-weight",
	"dec-exa": "number-weight", "dec-imp": "number-weight", "ord-imp": "number-weight",
	"acc-all": "social-objective", "et-eq": "social-objective", "gen-eq": "social-objective",
	"hum-right": "social-objective", "opp-dis": "social-objective", "work-cond": "social-objective",
	"disad-emp": "social-objective", "fair-trade": "social-objective", "soc-stand": "social-objective",
	"soc-other": "social-objective", "empl-pros": "social-objective", "ins-rig": "social-objective",
}

// listOf returns the code list of a code element: its listName, else the
// list its value belongs to.
func listOf(e *elem) string {
	if l := strings.TrimSpace(e.attr("listName")); l != "" {
		return l
	}
	return codeLists[strings.TrimSpace(e.text)]
}

// codeIn returns the value of the first element at path whose list is
// list, or "".
func codeIn(parent *elem, list string, path ...string) string {
	for _, e := range parent.findAll(path...) {
		if listOf(e) == list {
			return strings.TrimSpace(e.text)
		}
	}
	return ""
}

// notNone drops the "none" code.
func notNone(s string) string {
	if s == "none" {
		return ""
	}
	return s
}

// link reads an optional URL element: absent or empty gives "", a value
// that is not an http(s) URL is an error naming the element.
func (p *parser) link(e *elem, what string) (string, error) {
	if e == nil {
		return "", nil
	}
	v := strings.TrimSpace(e.text)
	if v == "" {
		return "", nil
	}
	if err := node.CheckURL(v); err != nil {
		return "", p.errf(e, "%q is not a link to %s: it %v", v, what, err)
	}
	return v, nil
}

// procedureType reads the procedure type (BT-105) and the accelerated
// procedure indicator (BT-106).
func (p *parser) procedureType(n *Notice) error {
	tp := p.root.child("cac:TenderingProcess")
	n.Procedure = tp.value("cbc:ProcedureCode")
	for _, c := range tp.findAll("cac:ProcessJustification", "cbc:ProcessReasonCode") {
		if l := c.attr("listName"); l != "" && l != "accelerated-procedure" {
			continue
		}
		switch strings.TrimSpace(c.text) {
		case "true", "1":
			n.Accelerated = true
		case "false", "0":
		default:
			if c.attr("listName") != "" {
				return p.errf(c, "%q is not true or false", strings.TrimSpace(c.text))
			}
		}
	}
	return nil
}

// buyerDetails reads the first buyer's name, town, links and contact
// e-mail (BT-500, BT-513, BT-505, BT-506) and the buyer profile (BT-508).
func (p *parser) buyerDetails(n *Notice, org *elem) error {
	cp := p.root.child("cac:ContractingParty")
	b := &node.Buyer{Country: n.BuyerCountry, Name: map[string]string{}}
	var err error
	if b.ProfileURL, err = p.link(cp.child("cbc:BuyerProfileURI"), "the buyer profile"); err != nil {
		return err
	}
	if org != nil {
		for _, e := range org.findAll("cac:PartyName", "cbc:Name") {
			tag, ok := n.Language, true
			if code := e.attr("languageID"); code != "" {
				if tag, ok = language(code); !ok {
					return p.errf(e, "languageID %q is not a known language code (ISO 639-3, like ENG or FRA)", code)
				}
			}
			if t := cleanText(e.text); t != "" && b.Name[tag] == "" {
				b.Name[tag] = t
			}
		}
		b.Town = cleanText(org.value("cac:PostalAddress", "cbc:CityName"))
		if b.Website, err = p.link(org.child("cbc:WebsiteURI"), "the buyer's website"); err != nil {
			return err
		}
		if m := org.find("cac:Contact", "cbc:ElectronicMail"); m != nil {
			b.Email = strings.TrimSpace(m.text)
			if a, err := mail.ParseAddress(b.Email); b.Email != "" && (err != nil || a.Address != b.Email || len(b.Email) > 254) {
				return p.errf(m, "%q is not an e-mail address", b.Email)
			}
		}
	}
	if len(b.Name) > 0 || b.ProfileURL != "" || b.Website != "" || b.Email != "" || b.Town != "" {
		n.Buyer = b
	}
	return nil
}

// lotTerms reads what a bidder needs from a lot: documents, submission,
// framework agreement, duration, award and selection criteria.
func (p *parser) lotTerms(l *elem, lot *Lot) error {
	tt, tp, pp := l.child("cac:TenderingTerms"), l.child("cac:TenderingProcess"), l.child("cac:ProcurementProject")
	var err error
	for _, d := range tt.children("cac:CallForTendersDocumentReference") {
		uri := d.find("cac:Attachment", "cac:ExternalReference", "cbc:URI")
		dst := &lot.DocumentsURL
		if strings.TrimSpace(d.value("cbc:DocumentType")) == "restricted-document" {
			dst = &lot.RestrictedDocumentsURL
		}
		if *dst != "" {
			continue
		}
		if *dst, err = p.link(uri, "the procurement documents"); err != nil {
			return err
		}
	}
	if lot.SubmissionURL, err = p.link(tt.find("cac:TenderRecipientParty", "cbc:EndpointID"), "the place of submission"); err != nil {
		return err
	}
	lot.ElectronicSubmission = tp.value("cbc:SubmissionMethodCode")
	lot.FrameworkAgreement = notNone(codeIn(tp, "framework-agreement", "cac:ContractingSystem", "cbc:ContractingSystemTypeCode"))
	lot.DPS = notNone(codeIn(tp, "dps-usage", "cac:ContractingSystem", "cbc:ContractingSystemTypeCode"))
	if err := p.period(pp.child("cac:PlannedPeriod"), lot); err != nil {
		return err
	}
	if err := p.awardCriteria(tt, lot); err != nil {
		return err
	}
	for _, s := range tt.findAll(append(append([]string{}, eformsExt...), "efac:SelectionCriteria")...) {
		c := node.SelectionCriterion{Type: codeIn(s, "selection-criterion", "cbc:TendererRequirementTypeCode")}
		if c.Description, err = p.texts(s, "cbc:Description"); err != nil {
			return err
		}
		if c.Type != "" || len(c.Description) > 0 {
			lot.SelectionCriteria = append(lot.SelectionCriteria, c)
		}
	}
	for _, a := range pp.children("cac:ProcurementAdditionalType") {
		var dst *map[string]string
		switch listOf(a.child("cbc:ProcurementTypeCode")) {
		case "strategic-procurement":
			dst = &lot.StrategicText
		case "accessibility":
			dst = &lot.AccessibilityText
		default:
			continue
		}
		t, err := p.texts(a, "cbc:ProcurementType")
		if err != nil {
			return err
		}
		if len(t) > 0 && len(*dst) == 0 {
			*dst = t
		}
	}
	return nil
}

// period reads the planned duration (BT-36) and dates (BT-536, BT-537).
func (p *parser) period(pd *elem, lot *Lot) error {
	if pd == nil {
		return nil
	}
	if d := pd.child("cbc:DurationMeasure"); d != nil {
		unit, v := strings.TrimSpace(d.attr("unitCode")), strings.TrimSpace(d.text)
		if unit == "" {
			return p.errf(d, "missing unitCode (DAY, WEEK, MONTH or YEAR)")
		}
		if v != "" && !validAmount(v) {
			return p.errf(d, "%q is not a duration (a non-negative number)", v)
		}
		lot.Duration = &node.Duration{Value: v, Unit: unit}
	}
	for _, x := range []struct {
		name string
		dst  *string
	}{{"cbc:StartDate", &lot.Start}, {"cbc:EndDate", &lot.End}} {
		e := pd.child(x.name)
		if e == nil {
			continue
		}
		t, err := parseDateTime(e.text, "")
		if err != nil {
			return p.errf(e, "%v", err)
		}
		*x.dst = t.Format("2006-01-02")
	}
	return nil
}

// awardCriteria reads each award criterion of a lot.
func (p *parser) awardCriteria(tt *elem, lot *Lot) error {
	for _, c := range tt.findAll("cac:AwardingTerms", "cac:AwardingCriterion", "cac:SubordinateAwardingCriterion") {
		a := node.AwardCriterion{Type: c.value("cbc:AwardingCriterionTypeCode")}
		var err error
		if a.Name, err = p.texts(c, "cbc:Name"); err != nil {
			return err
		}
		if a.Description, err = p.texts(c, "cbc:Description"); err != nil {
			return err
		}
		for _, prm := range c.findAll(append(append([]string{}, eformsExt...), "efac:AwardCriterionParameter")...) {
			code := prm.child("efbc:ParameterCode")
			if code == nil || listOf(code) != "number-weight" {
				continue
			}
			num := prm.child("efbc:ParameterNumeric")
			if num == nil {
				return p.errf(prm, "missing efbc:ParameterNumeric (BT-541, the weight)")
			}
			if v := strings.TrimSpace(num.text); !validAmount(v) {
				return p.errf(num, "%q is not a weight (a non-negative number)", v)
			}
			a.Weight, a.WeightKind = strings.TrimSpace(num.text), strings.TrimSpace(code.text)
			break
		}
		if len(a.Name) == 0 {
			a.Name = nil
		}
		if len(a.Description) == 0 {
			a.Description = nil
		}
		lot.AwardCriteria = append(lot.AwardCriteria, a)
	}
	return nil
}

// TEDURL returns the notice's page on TED for a publication number
// ("00123456-2024" → https://ted.europa.eu/en/notice/-/detail/123456-2024),
// or "" when the notice has none or it is not of that form.
func TEDURL(publicationID string) string {
	num, year, ok := strings.Cut(publicationID, "-")
	if !ok || len(year) != 4 || !allDigits(num) || !allDigits(year) {
		return ""
	}
	num = strings.TrimLeft(num, "0")
	if num == "" {
		return ""
	}
	return "https://ted.europa.eu/en/notice/-/detail/" + num + "-" + year
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
