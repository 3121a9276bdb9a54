package node_test

import (
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
)

func validOpportunity() *node.Opportunity {
	d := time.Date(2030, 1, 15, 12, 0, 0, 0, time.UTC)
	return &node.Opportunity{
		ID:          "o1",
		Title:       map[string]string{"fr": " Refonte du site ", "en": "Website redesign", "de": " "},
		Summary:     map[string]string{"fr": "Site, hébergement, vidéo"},
		Competences: []node.RequiredCompetence{{CPV: "72413000-8", Lot: "LOT-0001"}, {CPV: "72415000"}, {CPV: "92111000", Lot: "LOT-0002"}, {CPV: "72415000"}},
		Lots:        []node.Lot{{ID: "LOT-0001", Title: map[string]string{"fr": "Site"}, CPV: []string{"72413000"}}, {ID: "LOT-0002", CPV: []string{"92111000-2"}}},
		Country:     "fr",
		Region:      "fr101",
		Deadline:    &d,
		Value:       &node.Amount{Amount: "120000.50", Currency: "eur"},
		Lead:        "coop-web",
		Status:      node.OpportunityActive,
	}
}

func TestOpportunityNormalizeValidate(t *testing.T) {
	o := validOpportunity()
	o.Normalize()
	if err := o.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
	if diff := cmp.Diff([]string{"en", "fr"}, o.Languages); diff != "" {
		t.Errorf("Languages (-want +got):\n%s", diff)
	}
	if _, ok := o.Title["de"]; ok {
		t.Errorf("Title = %v, want the blank translation dropped", o.Title)
	}
	if diff := cmp.Diff([]string{"72413000", "72415000", "92111000"}, o.CPVs()); diff != "" {
		t.Errorf("CPVs (-want +got):\n%s", diff)
	}
	if len(o.Competences) != 3 || o.Value.Currency != "EUR" || o.Region != "FR101" || o.Country != "FR" {
		t.Errorf("normalised = %+v, want 3 competences, EUR, FR101, FR", o)
	}
}

func TestOpportunityValidateFields(t *testing.T) {
	tests := []struct {
		name   string
		change func(o *node.Opportunity)
		fields []string
	}{
		{"no title", func(o *node.Opportunity) { o.Title = nil }, []string{"title"}},
		{"bad cpv", func(o *node.Opportunity) { o.Competences[1].CPV = "01000000" }, []string{"competences[1].cpv"}},
		{"unknown lot", func(o *node.Opportunity) { o.Competences[0].Lot = "LOT-9" }, []string{"competences[0].lot"}},
		{"bad lot cpv", func(o *node.Opportunity) { o.Lots[1].CPV = []string{"x"} }, []string{"lots[1].cpv[0]"}},
		{"duplicate lot", func(o *node.Opportunity) { o.Lots[1].ID = "LOT-0001"; o.Competences = o.Competences[:2] }, []string{"lots[1].id"}},
		{"bad country", func(o *node.Opportunity) { o.Country = "XX" }, []string{"country"}},
		{"region abroad", func(o *node.Opportunity) { o.Region = "ITC4" }, []string{"region"}},
		{"bad currency", func(o *node.Opportunity) { o.Value.Currency = "EURO" }, []string{"value.currency"}},
		{"negative value", func(o *node.Opportunity) { o.Value.Amount = "-5" }, []string{"value.amount"}},
		{"exponent", func(o *node.Opportunity) { o.Value.Amount = "1e6" }, []string{"value.amount"}},
		{"bad status", func(o *node.Opportunity) { o.Status = "open" }, []string{"status"}},
		{"won without outcome", func(o *node.Opportunity) { o.Status = node.OpportunityWon }, []string{"outcome"}},
		{"outcome while active", func(o *node.Opportunity) { o.Outcome = &node.Amount{Amount: "1", Currency: "EUR"} }, []string{"outcome"}},
		{"bad language", func(o *node.Opportunity) { o.Title["xx"] = "?" }, []string{"title.xx"}},
		{"no codes", func(o *node.Opportunity) { o.Competences, o.Lots = nil, nil }, []string{"competences"}},
		{"source not http", func(o *node.Opportunity) { o.Source = "ftp://x.example/n" }, []string{"source"}},
	}
	for _, tt := range tests {
		o := validOpportunity()
		tt.change(o)
		o.Normalize()
		var got []string
		for _, f := range node.ErrorFields(o.Validate()) {
			got = append(got, f.Field)
		}
		if diff := cmp.Diff(tt.fields, got); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestOpportunityDeadline(t *testing.T) {
	o := validOpportunity()
	now := time.Date(2030, 1, 15, 12, 0, 0, 0, time.UTC)
	err := o.CheckDeadline(now)
	if node.ErrorCode(err) != node.EINVALID || len(node.ErrorFields(err)) != 1 || node.ErrorFields(err)[0].Field != "deadline" {
		t.Errorf("CheckDeadline(at the deadline) = %v, want a deadline field error", err)
	}
	if err := o.CheckDeadline(now.Add(-time.Second)); err != nil {
		t.Errorf("CheckDeadline(before) = %v, want nil", err)
	}
	if !o.Closed(now) || o.Closed(now.Add(-time.Second)) {
		t.Errorf("Closed around the deadline = %v, %v, want true, false", o.Closed(now), o.Closed(now.Add(-time.Second)))
	}
	o.Status = node.OpportunitySubmitted
	if !o.Closed(now.Add(-time.Hour)) {
		t.Error("a submitted opportunity is open, want closed")
	}
}

func TestOpportunityTransitions(t *testing.T) {
	legal := [][2]node.OpportunityStatus{
		{"planned", "active"}, {"active", "forming"}, {"forming", "submitted"}, {"submitted", "won"},
		{"submitted", "lost"}, {"won", "complete"}, {"active", "cancelled"}, {"forming", "active"},
	}
	for _, tr := range legal {
		if !tr[0].CanBecome(tr[1]) {
			t.Errorf("%s.CanBecome(%s) = false, want true", tr[0], tr[1])
		}
	}
	illegal := [][2]node.OpportunityStatus{
		{"planned", "won"}, {"active", "won"}, {"lost", "won"}, {"won", "lost"}, {"cancelled", "active"},
		{"complete", "active"}, {"submitted", "forming"}, {"active", "active"}, {"active", "bogus"},
	}
	for _, tr := range illegal {
		if tr[0].CanBecome(tr[1]) {
			t.Errorf("%s.CanBecome(%s) = true, want false", tr[0], tr[1])
		}
	}
	for _, s := range node.OpportunityStatuses {
		if !s.Valid() {
			t.Errorf("%s.Valid() = false", s)
		}
	}
	if !node.OpportunityLost.Final() || node.OpportunityWon.Final() {
		t.Error("lost must be final and won not")
	}
}

func TestInterestValidate(t *testing.T) {
	o := validOpportunity()
	o.Normalize()
	in := &node.Interest{Member: "coop-video@it.example", Country: "it", Lots: []string{"LOT-0002", " LOT-0002"},
		Competences: []string{"92111000-2"}, Role: node.RoleGroupMember, Message: map[string]string{"it": "Ciao"}, State: node.InterestPending}
	in.Normalize()
	if err := in.Validate(o); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if diff := cmp.Diff([]string{"LOT-0002"}, in.Lots); diff != "" {
		t.Errorf("Lots (-want +got):\n%s", diff)
	}
	in.Role, in.Lots, in.Country = node.RoleLeadEntity, []string{"LOT-7"}, "ZZ"
	var got []string
	for _, f := range node.ErrorFields(in.Validate(o)) {
		got = append(got, f.Field)
	}
	if diff := cmp.Diff([]string{"country", "lots[0]", "role"}, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	e := (&node.Interest{Member: "m", Country: "IT", Role: node.RoleSubcontractor, MemberName: "M"}).Entry()
	if e.Role != node.RoleSubcontractor || e.Country != "IT" || e.Name != "M" {
		t.Errorf("Entry() = %+v", e)
	}
}

func TestValidCurrencyDecimal(t *testing.T) {
	for c, want := range map[string]bool{"EUR": true, "CHF": true, "PLN": true, "eur": false, "XXX": false, "EU": false} {
		if got := node.ValidCurrency(c); got != want {
			t.Errorf("ValidCurrency(%q) = %v, want %v", c, got, want)
		}
	}
	for s, want := range map[string]bool{"0": true, "120000.50": true, "1.2345": true, "1.23456": false, ".5": false, "5.": false, "1,5": false, "": false} {
		if got := node.ValidDecimal(s); got != want {
			t.Errorf("ValidDecimal(%q) = %v, want %v", s, got, want)
		}
	}
}
