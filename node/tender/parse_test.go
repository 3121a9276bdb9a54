package tender

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/internal/sharedtest"
	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
)

// readCSV returns the rows of a shared CSV file as maps keyed by header.
func readCSV(tb testing.TB, path string) []map[string]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// column returns the set of values of one column of a shared code list.
func column(tb testing.TB, path, col string) map[string]bool {
	tb.Helper()
	set := map[string]bool{}
	for _, r := range readCSV(tb, path) {
		set[r[col]] = true
	}
	return set
}

// TestSharedExamples reads every eForms example notice and checks it
// against the summary the test data ships (index.csv), which was made
// independently of this parser, and against the code lists.
func TestSharedExamples(t *testing.T) {
	dir := sharedtest.Path(t, "eforms", "notices")
	cpv := column(t, sharedtest.Path(t, "eforms", "codelists", "cpv.csv"), "code")
	nuts := column(t, sharedtest.Path(t, "eforms", "codelists", "nuts.csv"), "code")
	countries := column(t, sharedtest.Path(t, "eforms", "codelists", "country.csv"), "code")
	index := map[string]map[string]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "index.csv")) {
		index[r["file"]] = r
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("found %d example notices (%v), want at least 5", len(files), err)
	}
	refs := map[string]string{}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := index[name]
			if !ok {
				t.Fatalf("%s is not in index.csv", name)
			}
			n, err := ParseFile(f)
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			if other, dup := refs[n.SourceRef()]; dup {
				t.Errorf("SourceRef %s also belongs to %s", n.SourceRef(), other)
			}
			refs[n.SourceRef()] = name
			lang, _ := language(want["notice_language"])
			got := map[string]string{
				"root": n.Form, "notice_subtype": n.Subtype, "notice_language": n.Language,
				"project_title_languages": strconv.Itoa(len(n.Title)), "contract_nature": n.Nature,
				"project_main_cpv": n.MainCPV, "project_additional_cpv": strings.Join(n.AdditionalCPV, " "),
			}
			wantRow := map[string]string{
				"root": want["root"], "notice_subtype": want["notice_subtype"], "notice_language": lang,
				"project_title_languages": want["project_title_languages"], "contract_nature": want["contract_nature"],
				"project_main_cpv": want["project_main_cpv"], "project_additional_cpv": want["project_additional_cpv"],
			}
			if d := cmp.Diff(wantRow, got); d != "" {
				t.Errorf("notice (-index.csv +got):\n%s", d)
			}
			var lots []string
			for _, l := range n.Lots {
				lots = append(lots, l.ID+":"+l.MainCPV)
			}
			if g, w := strings.Join(lots, " "), want["lots(id:main_cpv)"]; g != w {
				t.Errorf("lots = %q, want %q", g, w)
			}
			kind, when, _ := strings.Cut(want["deadlines"], "=")
			day, clock, _ := strings.Cut(when, " ")
			wantTime, err := time.Parse(time.RFC3339, strings.TrimRight(day[:10], "Z")+"T"+clock)
			if err != nil {
				t.Fatalf("index.csv deadline %q: %v", want["deadlines"], err)
			}
			wantKind := map[string]DeadlineKind{"TenderSubmissionDeadlinePeriod": DeadlineTender, "InterestExpressionReceptionPeriod": DeadlineInterest}[kind]
			if !n.Deadline.Equal(wantTime) || n.DeadlineKind != wantKind {
				t.Errorf("deadline = %v (%s), want %v (%s)", n.Deadline, n.DeadlineKind, wantTime, wantKind)
			}
			if _, off := n.Deadline.Zone(); off != offset(clock) {
				t.Errorf("deadline offset = %ds, want the notice's %q", off, clock)
			}
			if !n.Closed(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("Closed(2026) = false; the shared examples are all past")
			}
			checkCodes(t, n, cpv, nuts, countries)
			if !strings.HasPrefix(n.SourceRef(), SourceRefPrefix) || n.ID == "" {
				t.Errorf("SourceRef = %q, ID %q", n.SourceRef(), n.ID)
			}
		})
	}
}

// checkCodes verifies that every code the parser returns exists in the
// EU code lists and every language is a valid BCP 47 tag.
func checkCodes(t *testing.T, n *Notice, cpv, nuts, countries map[string]bool) {
	t.Helper()
	codes := append([]string{n.MainCPV}, n.AdditionalCPV...)
	places := n.Places
	for _, l := range n.Lots {
		codes = append(append(codes, l.MainCPV), l.AdditionalCPV...)
		places = append(places, l.Places...)
		for tag := range l.Title {
			if !node.ValidLanguageTag(tag) {
				t.Errorf("lot %s title language %q is not BCP 47", l.ID, tag)
			}
		}
	}
	for _, c := range codes {
		if !cpv[c] {
			t.Errorf("CPV %q is not in cpv.csv", c)
		}
	}
	for _, p := range append(places, Place{Country: n.BuyerCountry}) {
		if p.NUTS != "" && !nuts[p.NUTS] {
			t.Errorf("NUTS %q is not in nuts.csv", p.NUTS)
		}
		if p.Country != "" {
			a3, _ := node.CountryAlpha3(p.Country)
			if !countries[a3] {
				t.Errorf("country %q (%q) is not in country.csv", p.Country, a3)
			}
		}
	}
	for tag := range n.Title {
		if !node.ValidLanguageTag(tag) {
			t.Errorf("title language %q is not BCP 47", tag)
		}
	}
}

func offset(clock string) int {
	if strings.HasSuffix(clock, "Z") {
		return 0
	}
	z := clock[len(clock)-6:]
	t, _ := time.Parse("-07:00", z)
	_, off := t.Zone()
	return off
}

// TestSharedExampleDetails checks values read by hand from the examples.
func TestSharedExampleDetails(t *testing.T) {
	dir := sharedtest.Path(t, "eforms", "notices")
	parse := func(name string) *Notice {
		t.Helper()
		n, err := ParseFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := parse("cn_24_multilingual.xml")
	if len(n.Languages) != 24 || n.Languages[0] != "en" {
		t.Errorf("Languages = %v, want 24 with en first", n.Languages)
	}
	if got, want := n.Title["fr"], "Fourniture de services informatiques liés aux systèmes informatiques OP (EUR-Lex, N-Lex, Search Layer, etc.)"; got != want {
		t.Errorf("Title[fr] = %q, want %q", got, want)
	}
	if got, want := n.Title["ga"], "Soláthar Seirbhísí TF i ndáil le Córais TF Oifig na bhFoilseachán (EUR-Lex, N-Lex, Search Layer, agus Eile)"; got != want {
		t.Errorf("Title[ga] = %q, want %q", got, want)
	}
	if len(n.Description) != 24 || len(n.Lots[0].Title) != 24 {
		t.Errorf("%d descriptions and %d lot titles, want 24 each", len(n.Description), len(n.Lots[0].Title))
	}
	if d := cmp.Diff(&Amount{Value: "4500000", Currency: "EUR"}, n.Value); d != "" {
		t.Errorf("Value (-want +got):\n%s", d)
	}
	if n.Country() != "LU" || n.NUTS() != "LU000" {
		t.Errorf("place = %s %s, want LU LU000", n.Country(), n.NUTS())
	}

	n = parse("cn_24_minimal.xml")
	if want := "Provision of IT services related to the information systems of the publications office (namely EUR-Lex, N-Lex, and Search Layer),\nwith the possibility to extend the provision to other information systems."; n.Description["en"] != want {
		t.Errorf("Description[en] = %q, want %q (lines trimmed)", n.Description["en"], want)
	}
	if n.Country() != "FR" || n.NUTS() != "FRD22" || n.BuyerCountry != "LU" || n.Value != nil {
		t.Errorf("place %s %s, buyer %s, value %v; want FR FRD22, LU, none", n.Country(), n.NUTS(), n.BuyerCountry, n.Value)
	}

	n = parse("cn_24_cumbria.xml")
	if d := cmp.Diff(&Amount{Value: "1230000", Currency: "EUR"}, n.Value); d != "" {
		t.Errorf("Value (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]Place{{Country: "GB", Region: "anyw-cou"}}, n.Places); d != "" {
		t.Errorf("Places (-want +got):\n%s", d)
	}

	n = parse("cn_24_FRA_comments.xml")
	if n.Language != "fr" || n.Title["fr"] != "Service d'entretien de remise en état et de nettoyage des espaces verts" || n.Lots[1].Title["fr"] != "Agence Hauts de Rouen" {
		t.Errorf("language %s, title %q, lot 2 %q", n.Language, n.Title["fr"], n.Lots[1].Title["fr"])
	}
	if n.Lots[0].Reserved != "none" || n.Flags != (Flags{}) {
		t.Errorf("Reserved %q, flags %+v; want none and no flag", n.Lots[0].Reserved, n.Flags)
	}

	n = parse("pin-cfc-social_25.xml")
	if n.Type != "pin-cfc-social" || n.BuyerCountry != "GR" || n.Lots[1].Places[0].Country != "IO" || n.Places[0].Region != "anyw-eea" {
		t.Errorf("type %s, buyer %s, lot 2 place %+v, place %+v", n.Type, n.BuyerCountry, n.Lots[1].Places, n.Places)
	}
}

func TestFlagsAndPublication(t *testing.T) {
	n, err := ParseFile(filepath.Join("testdata", "flags.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cest := time.FixedZone("+02:00", 2*3600)
	want := &Notice{
		ID:              "0b5e1c7a-0000-4000-8000-000000000002",
		Version:         "02",
		ProcedureID:     "0b5e1c7a-0000-4000-8000-0000000000ff",
		PublicationID:   "00654321-2026",
		ChangedNoticeID: "0b5e1c7a-0000-4000-8000-000000000001",
		SDK:             "eforms-sdk-1.13",
		Form:            "ContractNotice",
		Type:            "cn-social",
		Subtype:         "20",
		Language:        "it",
		Languages:       []string{"it", "en"},
		IssuedAt:        time.Date(2026, 8, 1, 9, 30, 0, 0, cest),
		Nature:          "services",
		Title:           map[string]string{"it": "Sito web accessibile e video per il comune", "en": "Accessible website and videos for the town"},
		Description:     map[string]string{"it": "Progettazione del sito,\nospitalità e produzione video."},
		MainCPV:         "72413000",
		AdditionalCPV:   []string{"72415000", "92111000"},
		Places:          []Place{{Country: "IT", NUTS: "ITC11"}},
		BuyerCountry:    "IT",
		Value:           &Amount{Value: "3000.75", Currency: "EUR"},
		Deadline:        time.Date(2026, 9, 1, 17, 30, 0, 0, cest),
		DeadlineKind:    DeadlineParticipation,
		Lots: []Lot{{
			ID:            "LOT-0001",
			Title:         map[string]string{"it": "Sito web", "en": "Website"},
			Description:   map[string]string{},
			MainCPV:       "72413000",
			AdditionalCPV: []string{"72415000"},
			Value:         &Amount{Value: "1000.5", Currency: "EUR"},
			Deadline:      time.Date(2026, 9, 15, 12, 0, 0, 0, cest),
			DeadlineKind:  DeadlineTender,
			Reserved:      "none",
		}, {
			ID:                "LOT-0002",
			Title:             map[string]string{"it": "Video"},
			Description:       map[string]string{},
			MainCPV:           "92111000",
			Places:            []Place{{Country: "IT", NUTS: "ITC12"}},
			Value:             &Amount{Value: "2000.25", Currency: "EUR"},
			Deadline:          time.Date(2026, 9, 1, 17, 30, 0, 0, cest),
			DeadlineKind:      DeadlineParticipation,
			Reserved:          "res-ws",
			SocialObjectives:  []string{"acc-all", "work-cond"},
			Accessibility:     "inc",
			SMESuitable:       true,
			StrategicText:     map[string]string{"it": "Inserimento lavorativo", "en": "Work integration"},
			AccessibilityText: map[string]string{"it": "Video sottotitolati e audiodescritti"},
			Flags:             Flags{Reserved: true, SocialObjective: true, Accessibility: true, SMESuitable: true},
		}},
		Flags: Flags{Reserved: true, SocialObjective: true, Accessibility: true, SMESuitable: true},
	}
	if d := cmp.Diff(want, n, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
		t.Errorf("ParseFile(flags.xml) (-want +got):\n%s", d)
	}
	if got := n.SourceRef(); got != "eforms:0b5e1c7a-0000-4000-8000-0000000000ff" {
		t.Errorf("SourceRef = %q", got)
	}
	if n.Closed(n.Deadline.Add(-time.Second)) || !n.Closed(n.Deadline) {
		t.Errorf("Closed is wrong around the deadline %v", n.Deadline)
	}
}

// lineOf returns the 1-based line of the first occurrence of s in text.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not in the fixture", s)
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestErrors(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "flags.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		file     string // a fixture, or "" to edit flags.xml
		old, new string // the edit, made everywhere
		at       string // the text on the line the error names
		element  string // the end of the element path
		reason   string // part of the reason
	}{
		{name: "malformed", file: "malformed.xml", at: "</cbc:Nam>", element: "/ContractNotice/cac:ProcurementProject/cbc:Name", reason: "malformed XML: element <Name> closed by </Nam>"},
		{name: "award notice", file: "award.xml", at: "<ContractAwardNotice", element: "/ContractAwardNotice", reason: "contract award notices report a result"},
		{name: "planning notice", file: "pin-only.xml", at: "pin-only<", element: "/PriorInformationNotice/cbc:NoticeTypeCode", reason: `notice type "pin-only" is not supported`},
		{name: "old TED schema", file: "ted-schema.xml", at: "<TED_EXPORT", element: "/TED_EXPORT", reason: "not an eForms notice"},
		{name: "latin-1", file: "latin1.xml", at: "<?xml", reason: `encoding "ISO-8859-1" is not supported`},
		{name: "truncated", old: "\n</cn:ContractNotice>\n", new: "\n<!-- cut here -->", at: "<!-- cut here -->", element: "/ContractNotice", reason: "unexpected EOF"},
		{name: "bad CPV", old: "72415000-2", new: "7241500X", at: "7241500X", element: "/ContractNotice/cac:ProcurementProject/cac:AdditionalCommodityClassification[1]/cbc:ItemClassificationCode", reason: `"7241500X" is not a CPV code`},
		{name: "no main CPV", old: `<cbc:ItemClassificationCode listName="cpv">72413000</cbc:ItemClassificationCode>
		</cac:MainCommodityClassification>`, new: `</cac:MainCommodityClassification>`, at: "<cac:ProcurementProject>", element: "/ContractNotice/cac:ProcurementProject", reason: "missing cac:MainCommodityClassification"},
		{name: "bad country", old: `<cbc:IdentificationCode listName="country">ITA</cbc:IdentificationCode>
					</cac:Country>
				</cac:Address>
			</cac:RealizedLocation>
		</cac:ProcurementProject>
	</cac:ProcurementProjectLot>`, new: `<cbc:IdentificationCode listName="country">XYZ</cbc:IdentificationCode>
					</cac:Country>
				</cac:Address>
			</cac:RealizedLocation>
		</cac:ProcurementProject>
	</cac:ProcurementProjectLot>`, at: "XYZ", element: "cac:ProcurementProjectLot[2]/cac:ProcurementProject/cac:RealizedLocation/cac:Address/cac:Country/cbc:IdentificationCode", reason: `"XYZ" is not a country code`},
		{name: "NUTS of another country", old: ">ITC12<", new: ">FRD22<", at: ">FRD22<", element: "cac:Address/cbc:CountrySubentityCode", reason: `NUTS code "FRD22" is not in country IT`},
		{name: "bad deadline date", old: "2026-09-01+02:00", new: "2026-09-31+02:00", at: "2026-09-31", element: "cac:ParticipationRequestReceptionPeriod/cbc:EndDate", reason: `"2026-09-31+02:00" is not a date`},
		{name: "bad deadline time", old: "17:30:00+02:00", new: "17:30:00+2h", at: "17:30:00+2h", element: "cac:ParticipationRequestReceptionPeriod/cbc:EndTime", reason: "bad offset"},
		{name: "no title", old: `<cbc:Name languageID="ITA">Sito web accessibile e video per il comune</cbc:Name>
		<cbc:Name languageID="ENG">Accessible website and videos for the town</cbc:Name>`, new: "", at: "<cac:ProcurementProject>", element: "/ContractNotice/cac:ProcurementProject", reason: "missing cbc:Name (BT-21"},
		{name: "unknown language", old: `<cbc:Name languageID="ENG">Website`, new: `<cbc:Name languageID="XXX">Website`, at: `"XXX"`, element: "cac:ProcurementProjectLot[1]/cac:ProcurementProject/cbc:Name[2]", reason: `languageID "XXX" is not a known language code`},
		{name: "same language twice", old: `<cbc:Name languageID="ENG">Website`, new: `<cbc:Name languageID="ITA">Website`, at: `"ITA">Website`, element: "cbc:Name[2]", reason: "a second text in language ITA"},
		{name: "SDK 3", old: "eforms-sdk-1.13", new: "eforms-sdk-3.0", at: "eforms-sdk-3.0", element: "/ContractNotice/cbc:CustomizationID", reason: "only eForms SDK 1.x and 2.x"},
		{name: "no notice id", old: `<cbc:ID schemeName="notice-id">0B5E1C7A-0000-4000-8000-000000000002</cbc:ID>`, new: "", at: "<cn:ContractNotice", element: "/ContractNotice", reason: "missing cbc:ID (BT-701"},
		{name: "no procedure id", old: "<cbc:ContractFolderID>0b5e1c7a-0000-4000-8000-0000000000ff</cbc:ContractFolderID>", new: "", at: "<cn:ContractNotice", element: "/ContractNotice", reason: "missing cbc:ContractFolderID (BT-04"},
		{name: "bad amount", old: ">2000.25<", new: ">2,000.25<", at: "2,000.25", element: "cbc:EstimatedOverallContractAmount", reason: `"2,000.25" is not an amount`},
		{name: "bad currency", old: `currencyID="EUR">2000.25`, new: `currencyID="euro">2000.25`, at: `"euro"`, element: "cbc:EstimatedOverallContractAmount", reason: `currencyID "euro" is not a currency code`},
		{name: "bad SME flag", old: ">true</cbc:SMESuitableIndicator>", new: ">yes</cbc:SMESuitableIndicator>", at: ">yes<", element: "cbc:SMESuitableIndicator", reason: `"yes" is not true or false`},
		{name: "no lot", old: `schemeName="Lot"`, new: `schemeName="Part"`, at: "<cn:ContractNotice", element: "/ContractNotice", reason: "no lot"},
		{name: "duplicate lot", old: "LOT-0002", new: "LOT-0001", at: ">LOT-0001</cbc:ID>\n\t\t<cac:TenderingTerms>\n\t\t\t<cac:TendererQualificationRequest>\n\t\t\t\t<cac:SpecificTendererRequirement>\n\t\t\t\t\t<cbc:TendererRequirementTypeCode listName=\"reserved-procurement\">res-ws", element: "cac:ProcurementProjectLot[2]/cbc:ID", reason: "lot LOT-0001 is given twice"},
		{name: "empty", old: string(base), new: "", reason: "no root element"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file, text := tt.file, ""
			if file == "" {
				file = "edited.xml"
				if !strings.Contains(string(base), tt.old) {
					t.Fatalf("the edit's old text is not in flags.xml")
				}
				text = strings.ReplaceAll(string(base), tt.old, tt.new)
			} else {
				b, err := os.ReadFile(filepath.Join("testdata", file))
				if err != nil {
					t.Fatal(err)
				}
				text = string(b)
			}
			_, err := Parse(strings.NewReader(text), file)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want a *ParseError", err)
			}
			wantLine := 1
			if tt.at != "" {
				wantLine = lineOf(t, text, tt.at)
			}
			if pe.File != file || pe.Line != wantLine || !strings.HasSuffix(pe.Element, tt.element) || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("Parse error = %#v,\nwant file %s, line %d, element ending %q, reason containing %q", pe, file, wantLine, tt.element, tt.reason)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, file+":") {
				t.Errorf("Error() = %q, want one line starting with the file", msg)
			}
		})
	}
}

func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "nope.xml"))
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.HasSuffix(pe.File, "nope.xml") || !strings.Contains(pe.Reason, "no such file") {
		t.Errorf("ParseFile(missing) = %v", err)
	}
}

func TestTooLarge(t *testing.T) {
	big := strings.NewReader("<a>" + strings.Repeat(" ", MaxSize) + "</a>")
	_, err := Parse(big, "big.xml")
	if err == nil || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Errorf("Parse(17 MiB) = %v, want a size error", err)
	}
	deep := strings.Repeat("<a>", maxDepth+1) + strings.Repeat("</a>", maxDepth+1)
	if _, err := Parse(strings.NewReader(deep), "deep.xml"); err == nil || !strings.Contains(err.Error(), "levels deep") {
		t.Errorf("Parse(deep) = %v, want a depth error", err)
	}
}
