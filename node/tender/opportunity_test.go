package tender

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
)

func TestOpportunityMapping(t *testing.T) {
	n, err := ParseFile(filepath.Join("testdata", "flags.xml"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Date(2026, 9, 1, 15, 30, 0, 0, time.UTC)
	cest := time.FixedZone("+02:00", 2*3600)
	lot1, lot2 := time.Date(2026, 9, 15, 12, 0, 0, 0, cest), time.Date(2026, 9, 1, 17, 30, 0, 0, cest)
	want := &node.Opportunity{
		Title:       map[string]string{"it": "Sito web accessibile e video per il comune", "en": "Accessible website and videos for the town"},
		Summary:     map[string]string{"it": "Progettazione del sito,"},
		Description: map[string]string{"it": "Progettazione del sito,\nospitalità e produzione video."},
		Languages:   []string{"it", "en"},
		Competences: []node.RequiredCompetence{{CPV: "72413000", Lot: "LOT-0001"}, {CPV: "72415000", Lot: "LOT-0001"}, {CPV: "92111000", Lot: "LOT-0002"}},
		Lots: []node.Lot{
			{ID: "LOT-0001", Title: map[string]string{"it": "Sito web", "en": "Website"}, CPV: []string{"72413000", "72415000"}},
			{ID: "LOT-0002", Title: map[string]string{"it": "Video"}, CPV: []string{"92111000"}},
		},
		Country:  "IT",
		Region:   "ITC11",
		Deadline: &deadline,
		Value:    &node.Amount{Amount: "3000.75", Currency: "EUR"},
		Flags:    node.Flags{Reserved: true, SocialObjective: true, AccessibilityCriteria: true, SMESuitable: true},
		Source:   "eforms:0b5e1c7a-0000-4000-8000-0000000000ff",
		Status:   node.OpportunityActive,
		Tender: &node.Tender{
			NoticeID: "0b5e1c7a-0000-4000-8000-000000000002", NoticeVersion: "02", PublicationID: "00654321-2026",
			TEDURL: "https://ted.europa.eu/en/notice/-/detail/654321-2026", ProcedureID: "0b5e1c7a-0000-4000-8000-0000000000ff",
			NoticeType: "cn-social", SDK: "eforms-sdk-1.13",
			Lots: []node.TenderLot{
				{ID: "LOT-0001", Deadline: &lot1, DeadlineKind: "tender", Value: &node.Amount{Amount: "1000.5", Currency: "EUR"}},
				{ID: "LOT-0002", Deadline: &lot2, DeadlineKind: "participation", Value: &node.Amount{Amount: "2000.25", Currency: "EUR"},
					Reserved: "res-ws", SocialObjectives: []string{"acc-all", "work-cond"}, Accessibility: "inc",
					StrategicText:     map[string]string{"it": "Inserimento lavorativo", "en": "Work integration"},
					AccessibilityText: map[string]string{"it": "Video sottotitolati e audiodescritti"}},
			},
		},
	}
	got := n.Opportunity()
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Format(time.RFC3339) == b.Format(time.RFC3339) })); d != "" {
		t.Errorf("Opportunity() (-want +got):\n%s", d)
	}
	got.Normalize()
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestOpportunityWholeContractCodes(t *testing.T) {
	n := &Notice{ID: "x", ProcedureID: "p", MainCPV: "72000000", AdditionalCPV: []string{"72413000"},
		Title: map[string]string{"en": strings.Repeat("word ", 100)},
		Lots:  []Lot{{ID: "LOT-0001", MainCPV: "72413000"}}}
	o := n.Opportunity()
	if d := cmp.Diff([]node.RequiredCompetence{{CPV: "72413000", Lot: "LOT-0001"}, {CPV: "72000000"}}, o.Competences); d != "" {
		t.Errorf("Competences (-want +got):\n%s", d)
	}
	if n := utf8.RuneCountInString(o.Title["en"]); n > node.MaxTitleLen || !strings.HasSuffix(o.Title["en"], "word…") {
		t.Errorf("title clipped to %d runes: %q", n, o.Title["en"][len(o.Title["en"])-20:])
	}
	if o.Source != "eforms:p" || o.Deadline != nil || o.Value != nil {
		t.Errorf("source %q, deadline %v, value %v", o.Source, o.Deadline, o.Value)
	}
}
