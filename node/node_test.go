package node_test

import (
	"errors"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
)

func TestNormalizeCPV(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"72413000", "72413000", true},
		{"72413000-8", "72413000", true},
		{" 79822500 ", "79822500", true},
		{"7241300", "", false},
		{"724130000", "", false},
		{"01000000", "", false}, // no division 01
		{"72413000-", "", false},
		{"72413000-88", "", false},
		{"7241300a", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := node.NormalizeCPV(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCPV(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCPVHierarchy(t *testing.T) {
	if got := node.CPVPrefix("72000000"); got != "72" {
		t.Errorf("CPVPrefix(72000000) = %q, want 72", got)
	}
	if got := node.CPVPrefix("03000000"); got != "03" {
		t.Errorf("CPVPrefix(03000000) = %q, want 03", got)
	}
	if got := node.CPVPrefix("30000000"); got != "30" {
		t.Errorf("CPVPrefix(30000000) = %q, want 30", got)
	}
	got := node.CPVAncestors("72413000")
	want := []string{"72410000", "72400000", "72000000"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CPVAncestors(72413000) mismatch (-want +got):\n%s", diff)
	}
	if _, ok := node.CPVParent("72000000"); ok {
		t.Error("CPVParent(72000000) has a parent, want none")
	}
}

func TestValidators(t *testing.T) {
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"country FR", node.ValidCountry("FR"), true},
		{"country XK", node.ValidCountry("XK"), true},
		{"country fr", node.ValidCountry("fr"), false},
		{"country ZZ", node.ValidCountry("ZZ"), false},
		{"country UK", node.ValidCountry("UK"), false},
		{"nuts FR101 in FR", node.ValidNUTS("FR101", "FR"), true},
		{"nuts EL30 in GR", node.ValidNUTS("EL30", "GR"), true},
		{"nuts ITC4 in FR", node.ValidNUTS("ITC4", "FR"), false},
		{"nuts fr101", node.ValidNUTS("fr101", ""), false},
		{"nuts FR1011", node.ValidNUTS("FR1011", ""), false},
		{"lang fr", node.ValidLanguageTag("fr"), true},
		{"lang fr-BE", node.ValidLanguageTag("fr-BE"), true},
		{"lang sr-Latn-RS", node.ValidLanguageTag("sr-Latn-RS"), true},
		{"lang es-419", node.ValidLanguageTag("es-419"), true},
		{"lang xx", node.ValidLanguageTag("xx"), false},
		{"lang klingon", node.ValidLanguageTag("tlh"), false},
		{"lang empty", node.ValidLanguageTag(""), false},
		{"lang fr-x-private", node.ValidLanguageTag("fr-x-private"), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if a3, _ := node.CountryAlpha3("IT"); a3 != "ITA" {
		t.Errorf("CountryAlpha3(IT) = %q, want ITA", a3)
	}
	if a2, _ := node.CountryFromAlpha3("ESP"); a2 != "ES" {
		t.Errorf("CountryFromAlpha3(ESP) = %q, want ES", a2)
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Coop Écho & Son":     "coop-echo-son",
		"  Ça marche !  ":     "ca-marche",
		"Società Cooperativa": "societa-cooperativa",
	} {
		if got := node.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMemberValidate(t *testing.T) {
	valid := func() node.Member {
		return node.Member{ID: "scop-web", Name: "SCOP Web", Country: "FR", Region: "FR101",
			Summary: map[string]string{"fr": "Agence web", "en": "Web agency"}, Languages: []string{"fr", "en"},
			Competences: []string{"72413000"}, Status: node.StatusMember}
	}
	m := valid()
	m.Normalize()
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v, want nil", err)
	}
	tests := []struct {
		name   string
		mutate func(*node.Member)
		field  string
	}{
		{"no name", func(m *node.Member) { m.Name = "" }, "name"},
		{"bad country", func(m *node.Member) { m.Country = "XX" }, "country"},
		{"region elsewhere", func(m *node.Member) { m.Region = "ITC4" }, "region"},
		{"bad cpv", func(m *node.Member) { m.Competences = []string{"12345678"} }, "competences[0]"},
		{"unknown summary language", func(m *node.Member) { m.Summary = map[string]string{"xx": "?"} }, "summary.xx"},
		{"unknown language", func(m *node.Member) { m.Languages = []string{"zz"} }, "languages[0]"},
		{"bad website", func(m *node.Member) { m.Website = "javascript:alert(1)" }, "website"},
		{"bad status", func(m *node.Member) { m.Status = "boss" }, "status"},
		{"bad id", func(m *node.Member) { m.ID = "Not A Slug" }, "id"},
	}
	for _, tt := range tests {
		m := valid()
		tt.mutate(&m)
		m.Normalize()
		err := m.Validate()
		if node.ErrorCode(err) != node.EINVALID {
			t.Errorf("%s: Validate() code = %q, want %q", tt.name, node.ErrorCode(err), node.EINVALID)
			continue
		}
		fields := node.ErrorFields(err)
		if len(fields) != 1 || fields[0].Field != tt.field {
			t.Errorf("%s: fields = %v, want one on %q", tt.name, fields, tt.field)
		}
	}
}

func TestStatusTransitions(t *testing.T) {
	if !node.StatusMember.CanBecome(node.StatusLapsed) || !node.StatusLapsed.CanBecome(node.StatusMember) ||
		!node.StatusAlumni.CanBecome(node.StatusMember) {
		t.Error("lifecycle refuses a normal step")
	}
	if node.StatusProspect.CanBecome(node.StatusLapsed) || node.StatusMember.CanBecome(node.StatusMember) {
		t.Error("lifecycle allows an impossible step")
	}
}

func TestErrorChain(t *testing.T) {
	err := &node.Error{Code: node.ENOTFOUND, Message: "member x not found", Op: "get member"}
	wrapped := errors.Join(errors.New("ctx"), err)
	if node.ErrorCode(wrapped) != node.ENOTFOUND || node.ErrorMessage(wrapped) != "member x not found" {
		t.Errorf("ErrorCode/Message through a chain = %q/%q", node.ErrorCode(wrapped), node.ErrorMessage(wrapped))
	}
	if node.ErrorCode(errors.New("boom")) != node.EINTERNAL {
		t.Error("a plain error is not EINTERNAL")
	}
}
