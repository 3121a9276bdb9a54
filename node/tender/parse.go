package tender

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// supported lists the notice types (BT-02) read for each UBL root: the
// calls for competition.
var supported = map[string][]string{
	"ContractNotice":         {"cn-standard", "cn-social", "cn-desg", "subco"},
	"PriorInformationNotice": {"pin-cfc-standard", "pin-cfc-social"},
}

// refused explains why other UBL roots are not read.
var refused = map[string]string{
	"ContractAwardNotice": "contract award notices report a result; only calls for competition (contract notices and prior information notices used as a call for competition) are imported",
}

// eformsExt is the path from a UBL element to its eForms extension.
var eformsExt = []string{"ext:UBLExtensions", "ext:UBLExtension", "ext:ExtensionContent", "efext:EformsExtension"}

// ParseFile reads the notice in the file at path; errors name the path as
// given.
func ParseFile(path string) (*Notice, error) {
	f, err := os.Open(path)
	if err != nil {
		reason := err.Error()
		var pe *os.PathError
		if errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		return nil, &ParseError{File: path, Reason: "cannot open: " + reason}
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads one eForms notice. file names the source in errors. Every
// error is a *ParseError.
func Parse(r io.Reader, file string) (*Notice, error) {
	root, err := readTree(r, file)
	if err != nil {
		return nil, err
	}
	p := &parser{file: file, root: root}
	n, err := p.notice()
	if err != nil {
		return nil, err
	}
	return n, nil
}

type parser struct {
	file string
	root *elem
}

func (p *parser) errf(e *elem, format string, args ...any) *ParseError {
	return &ParseError{File: p.file, Line: e.line, Element: e.path(), Reason: fmt.Sprintf(format, args...)}
}

func (p *parser) notice() (*Notice, error) {
	root := p.root
	if err := p.checkRoot(); err != nil {
		return nil, err
	}
	n := &Notice{Form: root.name}
	ext := root.find(eformsExt...)

	sdk := root.child("cbc:CustomizationID")
	if sdk == nil {
		return nil, p.errf(root, "missing cbc:CustomizationID (the eForms SDK version): not an eForms notice")
	}
	n.SDK = strings.TrimSpace(sdk.text)
	if !strings.HasPrefix(n.SDK, "eforms-sdk-1.") && !strings.HasPrefix(n.SDK, "eforms-sdk-2.") {
		return nil, p.errf(sdk, "%q is not supported; only eForms SDK 1.x and 2.x notices (eforms-sdk-1.*, eforms-sdk-2.*) are read", n.SDK)
	}

	typ := root.child("cbc:NoticeTypeCode")
	if typ == nil || strings.TrimSpace(typ.text) == "" {
		return nil, p.errf(root, "missing cbc:NoticeTypeCode (BT-02, the notice type)")
	}
	n.Type = strings.TrimSpace(typ.text)
	if !contains(supported[n.Form], n.Type) {
		return nil, p.errf(typ, "notice type %q is not supported: only calls for competition are imported (%s in a %s)",
			n.Type, strings.Join(supported[n.Form], ", "), n.Form)
	}
	n.Subtype = ext.value("efac:NoticeSubType", "cbc:SubTypeCode")

	id := root.child("cbc:ID")
	if id == nil || strings.TrimSpace(id.text) == "" {
		return nil, p.errf(root, "missing cbc:ID (BT-701, the notice identifier)")
	}
	n.ID = strings.ToLower(strings.TrimSpace(id.text))
	if len(n.ID) > 100 || strings.ContainsAny(n.ID, " \t\r\n") {
		return nil, p.errf(id, "%q is not a notice identifier (a UUID)", n.ID)
	}
	n.Version = root.value("cbc:VersionID")
	proc := root.child("cbc:ContractFolderID")
	if proc == nil || strings.TrimSpace(proc.text) == "" {
		return nil, p.errf(root, "missing cbc:ContractFolderID (BT-04, the procedure identifier)")
	}
	n.ProcedureID = strings.ToLower(strings.TrimSpace(proc.text))
	if len(n.ProcedureID) > 100 || strings.ContainsAny(n.ProcedureID, " \t\r\n") {
		return nil, p.errf(proc, "%q is not a procedure identifier (a UUID)", n.ProcedureID)
	}
	n.PublicationID = ext.value("efac:Publication", "efbc:NoticePublicationID")
	n.ChangedNoticeID = strings.ToLower(ext.value("efac:Changes", "efbc:ChangedNoticeIdentifier"))
	if d := root.child("cbc:IssueDate"); d != nil {
		t, err := parseDateTime(d.text, root.value("cbc:IssueTime"))
		if err != nil {
			return nil, p.errf(d, "%v", err)
		}
		n.IssuedAt = t
	}

	if err := p.languages(n); err != nil {
		return nil, err
	}
	if err := p.procedure(n); err != nil {
		return nil, err
	}
	if err := p.buyer(n, ext); err != nil {
		return nil, err
	}
	if err := p.procedureType(n); err != nil {
		return nil, err
	}
	for _, l := range root.children("cac:ProcurementProjectLot") {
		if strings.TrimSpace(l.find("cbc:ID").attr("schemeName")) != "Lot" {
			continue // a group of lots or a part of a planning notice
		}
		lot, err := p.lot(l, n)
		if err != nil {
			return nil, err
		}
		n.Lots = append(n.Lots, lot)
	}
	if len(n.Lots) == 0 {
		return nil, p.errf(root, `no lot: missing cac:ProcurementProjectLot with a cbc:ID schemeName="Lot"`)
	}
	n.sumUp()
	return n, nil
}

func (p *parser) checkRoot() error {
	root := p.root
	if !strings.HasPrefix(root.space, ublDoc) || root.space != ublDoc+root.name+"-2" {
		return p.errf(root, "not an eForms notice: the root element is %s in namespace %q, want a UBL ContractNotice or PriorInformationNotice", root.name, root.space)
	}
	if why, ok := refused[root.name]; ok {
		return p.errf(root, "not supported: %s", why)
	}
	if _, ok := supported[root.name]; !ok {
		return p.errf(root, "not supported: a UBL %s is not an eForms call for competition", root.name)
	}
	return nil
}

func (p *parser) languages(n *Notice) error {
	main := p.root.child("cbc:NoticeLanguageCode")
	if main == nil {
		return p.errf(p.root, "missing cbc:NoticeLanguageCode (BT-702, the notice language)")
	}
	tag, ok := language(main.text)
	if !ok {
		return p.errf(main, "%q is not a known language code (ISO 639-3, like ENG or FRA)", strings.TrimSpace(main.text))
	}
	n.Language, n.Languages = tag, []string{tag}
	for _, e := range p.root.findAll("cac:AdditionalNoticeLanguage", "cbc:ID") {
		tag, ok := language(e.text)
		if !ok {
			return p.errf(e, "%q is not a known language code (ISO 639-3, like ENG or FRA)", strings.TrimSpace(e.text))
		}
		if !contains(n.Languages, tag) {
			n.Languages = append(n.Languages, tag)
		}
	}
	return nil
}

func (p *parser) procedure(n *Notice) error {
	pp := p.root.child("cac:ProcurementProject")
	if pp == nil {
		return p.errf(p.root, "missing cac:ProcurementProject (the procedure: title, CPV, place)")
	}
	var err error
	if n.Title, err = p.texts(pp, "cbc:Name"); err != nil {
		return err
	}
	if len(n.Title) == 0 {
		return p.errf(pp, "missing cbc:Name (BT-21, the procedure title)")
	}
	if n.Description, err = p.texts(pp, "cbc:Description"); err != nil {
		return err
	}
	n.Nature = pp.value("cbc:ProcurementTypeCode")
	if n.MainCPV, n.AdditionalCPV, err = p.cpv(pp); err != nil {
		return err
	}
	if n.MainCPV == "" {
		return p.errf(pp, "missing cac:MainCommodityClassification/cbc:ItemClassificationCode (BT-262, the main CPV code)")
	}
	if n.Places, err = p.places(pp); err != nil {
		return err
	}
	if n.Value, err = p.amount(pp); err != nil {
		return err
	}
	n.Flags, _, _ = additionalTypes(pp)
	return nil
}

// buyer finds the first buyer in the organisations list: its country,
// then what the notice publishes of it.
func (p *parser) buyer(n *Notice, ext *elem) error {
	id := p.root.value("cac:ContractingParty", "cac:Party", "cac:PartyIdentification", "cbc:ID")
	for _, o := range ext.findAll("efac:Organizations", "efac:Organization", "efac:Company") {
		if id != "" && o.value("cac:PartyIdentification", "cbc:ID") != id {
			continue
		}
		if c := o.find("cac:PostalAddress", "cac:Country", "cbc:IdentificationCode"); c != nil {
			cc, err := p.country(c)
			if err != nil {
				return err
			}
			n.BuyerCountry = cc
		}
		return p.buyerDetails(n, o)
	}
	return p.buyerDetails(n, nil)
}

func (p *parser) lot(l *elem, n *Notice) (Lot, error) {
	var lot Lot
	idEl := l.child("cbc:ID")
	lot.ID = strings.TrimSpace(idEl.text)
	if lot.ID == "" {
		return lot, p.errf(idEl, "empty lot identifier (BT-137)")
	}
	for _, prev := range n.Lots {
		if prev.ID == lot.ID {
			return lot, p.errf(idEl, "lot %s is given twice", lot.ID)
		}
	}
	pp := l.child("cac:ProcurementProject")
	var err error
	if lot.Title, err = p.texts(pp, "cbc:Name"); err != nil {
		return lot, err
	}
	if lot.Description, err = p.texts(pp, "cbc:Description"); err != nil {
		return lot, err
	}
	if lot.MainCPV, lot.AdditionalCPV, err = p.cpv(pp); err != nil {
		return lot, err
	}
	if lot.MainCPV == "" {
		lot.MainCPV = n.MainCPV
	}
	if lot.Places, err = p.places(pp); err != nil {
		return lot, err
	}
	if lot.Value, err = p.amount(pp); err != nil {
		return lot, err
	}
	f, social, access := additionalTypes(pp)
	lot.SocialObjectives, lot.Accessibility = social, access
	if sme := pp.child("cbc:SMESuitableIndicator"); sme != nil {
		switch strings.TrimSpace(sme.text) {
		case "true", "1":
			lot.SMESuitable = true
		case "false", "0":
		default:
			return lot, p.errf(sme, "%q is not true or false", strings.TrimSpace(sme.text))
		}
	}
	for _, c := range l.findAll("cac:TenderingTerms", "cac:TendererQualificationRequest", "cac:SpecificTendererRequirement", "cbc:TendererRequirementTypeCode") {
		if list := listOf(c); list == "reserved-procurement" || list == "" && strings.TrimSpace(c.text) == "none" {
			lot.Reserved = strings.TrimSpace(c.text)
		}
	}
	f.Reserved = lot.Reserved != "" && lot.Reserved != "none"
	f.SMESuitable = lot.SMESuitable
	lot.Flags = f

	if err := p.lotTerms(l, &lot); err != nil {
		return lot, err
	}
	tp := l.child("cac:TenderingProcess")
	for _, d := range []struct {
		kind DeadlineKind
		path []string
	}{
		{DeadlineParticipation, []string{"cac:ParticipationRequestReceptionPeriod"}},
		{DeadlineTender, []string{"cac:TenderSubmissionDeadlinePeriod"}},
		{DeadlineInterest, append(append([]string{}, eformsExt...), "efac:InterestExpressionReceptionPeriod")},
	} {
		period := tp.find(d.path...)
		if period == nil {
			continue
		}
		end := period.child("cbc:EndDate")
		if end == nil {
			return lot, p.errf(period, "missing cbc:EndDate")
		}
		if _, err := parseDateTime(end.text, ""); err != nil {
			return lot, p.errf(end, "%v", err)
		}
		t, err := parseDateTime(end.text, period.value("cbc:EndTime"))
		if err != nil {
			return lot, p.errf(period.child("cbc:EndTime"), "%v", err)
		}
		if lot.Deadline.IsZero() || t.Before(lot.Deadline) {
			lot.Deadline, lot.DeadlineKind = t, d.kind
		}
	}
	return lot, nil
}

// texts reads the multilingual texts named name under parent, keyed by
// BCP 47 tag. Lines are trimmed, blank texts skipped.
func (p *parser) texts(parent *elem, name string) (map[string]string, error) {
	out := map[string]string{}
	for _, e := range parent.children(name) {
		code := e.attr("languageID")
		if code == "" {
			return nil, p.errf(e, "missing languageID attribute")
		}
		tag, ok := language(code)
		if !ok {
			return nil, p.errf(e, "languageID %q is not a known language code (ISO 639-3, like ENG or FRA)", code)
		}
		if _, dup := out[tag]; dup {
			return nil, p.errf(e, "a second text in language %s", code)
		}
		if t := cleanText(e.text); t != "" {
			out[tag] = t
		}
	}
	return out, nil
}

func cleanText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// cpv reads the main and additional CPV codes of a procurement project.
func (p *parser) cpv(pp *elem) (string, []string, error) {
	var main string
	var extra []string
	if c := pp.find("cac:MainCommodityClassification", "cbc:ItemClassificationCode"); c != nil && isCPV(c) {
		code, ok := node.NormalizeCPV(c.text)
		if !ok {
			return "", nil, p.errf(c, "%q is not a CPV code (eight digits in a CPV division)", strings.TrimSpace(c.text))
		}
		main = code
	}
	for _, c := range pp.findAll("cac:AdditionalCommodityClassification", "cbc:ItemClassificationCode") {
		if !isCPV(c) {
			continue
		}
		code, ok := node.NormalizeCPV(c.text)
		if !ok {
			return "", nil, p.errf(c, "%q is not a CPV code (eight digits in a CPV division)", strings.TrimSpace(c.text))
		}
		if code != main && !contains(extra, code) {
			extra = append(extra, code)
		}
	}
	return main, extra, nil
}

func isCPV(c *elem) bool {
	l := c.attr("listName")
	return l == "" || l == "cpv"
}

func (p *parser) places(pp *elem) ([]Place, error) {
	var out []Place
	for _, a := range pp.findAll("cac:RealizedLocation", "cac:Address") {
		var pl Place
		if c := a.find("cac:Country", "cbc:IdentificationCode"); c != nil {
			cc, err := p.country(c)
			if err != nil {
				return nil, err
			}
			pl.Country = cc
		}
		if c := a.child("cbc:CountrySubentityCode"); c != nil {
			code := strings.TrimSpace(c.text)
			if !node.ValidNUTS(code, pl.Country) {
				if node.ValidNUTS(code, "") {
					return nil, p.errf(c, "NUTS code %q is not in country %s", code, pl.Country)
				}
				return nil, p.errf(c, "%q is not a NUTS code", code)
			}
			pl.NUTS = code
		}
		pl.Region = a.value("cbc:Region")
		if pl != (Place{}) {
			out = append(out, pl)
		}
	}
	return out, nil
}

func (p *parser) country(c *elem) (string, error) {
	code := strings.ToUpper(strings.TrimSpace(c.text))
	cc, ok := node.CountryFromAlpha3(code)
	if !ok {
		return "", p.errf(c, "%q is not a country code (ISO 3166-1 alpha-3, like FRA)", code)
	}
	return cc, nil
}

func (p *parser) amount(pp *elem) (*Amount, error) {
	c := pp.find("cac:RequestedTenderTotal", "cbc:EstimatedOverallContractAmount")
	if c == nil {
		return nil, nil
	}
	v, cur := strings.TrimSpace(c.text), strings.TrimSpace(c.attr("currencyID"))
	if !validAmount(v) {
		return nil, p.errf(c, "%q is not an amount (a non-negative decimal number)", v)
	}
	if !validCurrency(cur) {
		return nil, p.errf(c, "currencyID %q is not a currency code (ISO 4217, like EUR)", cur)
	}
	return &Amount{Value: v, Currency: cur}, nil
}

// additionalTypes reads the strategic procurement (BT-06), social
// objective (BT-775) and accessibility (BT-754) codes of a project.
func additionalTypes(pp *elem) (f Flags, social []string, access string) {
	for _, c := range pp.findAll("cac:ProcurementAdditionalType", "cbc:ProcurementTypeCode") {
		v := strings.TrimSpace(c.text)
		switch listOf(c) {
		case "strategic-procurement":
			f.SocialObjective = f.SocialObjective || v == "soc-obj"
		case "social-objective":
			if v != "" && v != "none" {
				social = append(social, v)
				f.SocialObjective = true
			}
		case "accessibility":
			access = v
			f.Accessibility = v == "inc"
		}
	}
	sort.Strings(social)
	return f, social, access
}

// sumUp derives the notice-wide deadline, value and flags from its lots.
func (n *Notice) sumUp() {
	for _, l := range n.Lots {
		n.Flags = n.Flags.or(l.Flags)
		if !l.Deadline.IsZero() && (n.Deadline.IsZero() || l.Deadline.Before(n.Deadline)) {
			n.Deadline, n.DeadlineKind = l.Deadline, l.DeadlineKind
		}
	}
	if n.Value == nil {
		n.Value = sumLots(n.Lots)
	}
}

// sumLots adds the lots' values when every lot has one in one currency.
func sumLots(lots []Lot) *Amount {
	var total *Amount
	for _, l := range lots {
		if l.Value == nil || total != nil && l.Value.Currency != total.Currency {
			return nil
		}
		if total == nil {
			total = &Amount{Value: "0", Currency: l.Value.Currency}
		}
		total.Value = addDecimal(total.Value, l.Value.Value)
	}
	return total
}

// addDecimal adds two non-negative decimal strings exactly.
func addDecimal(a, b string) string {
	ai, af, _ := strings.Cut(a, ".")
	bi, bf, _ := strings.Cut(b, ".")
	for len(af) < len(bf) {
		af += "0"
	}
	for len(bf) < len(af) {
		bf += "0"
	}
	digits := func(s string, n int) string { return strings.Repeat("0", n-len(s)) + s }
	w := max(len(ai), len(bi))
	x, y := digits(ai, w)+af, digits(bi, w)+bf
	out := make([]byte, len(x)+1)
	carry := byte(0)
	for i := len(x) - 1; i >= 0; i-- {
		s := x[i] - '0' + y[i] - '0' + carry
		out[i+1], carry = s%10+'0', s/10
	}
	out[0] = carry + '0'
	r := string(out)
	ip, fp := strings.TrimLeft(r[:w+1], "0"), strings.TrimRight(r[w+1:], "0")
	if ip == "" {
		ip = "0"
	}
	if fp != "" {
		return ip + "." + fp
	}
	return ip
}

// Closed reports whether the notice's deadline has passed at now. A
// notice without a deadline is never closed by time.
func (n *Notice) Closed(now time.Time) bool {
	return !n.Deadline.IsZero() && !now.Before(n.Deadline)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
