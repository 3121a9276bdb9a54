package node

import (
	"strings"
	"testing"
)

func TestNameAndTextRunes(t *testing.T) {
	for _, tt := range []struct {
		s          string
		name, text bool // allowed as a name, as prose
	}{
		{"Scop Écho", true, true},
		{"Ελληνική Συνεταιριστική", true, true},
		{"Łódzka Spółdzielnia", true, true},
		{"e\u0301cho (combining acute)", true, true},
		{"Gaeilge: Comharchumann", true, true},
		{"Malti: Koperattiva ta' Għawdex", true, true},
		{"a\x00b", false, false},
		{"a\u202eb", false, false},  // RLO
		{"a\u2066b", false, false},  // LRI
		{"a\u200bb", false, false},  // zero width space
		{"a\ufeffb", false, false},  // BOM
		{"a\u200db", false, true},   // ZWJ: not in a name, fine in prose
		{"two\nlines", false, true}, // a name is one line
		{"tab\there", false, true},
		{"a\u2028b", false, true},
		{"bad \xff utf-8", false, false},
	} {
		if got := NameRuneProblem(tt.s) == ""; got != tt.name {
			t.Errorf("NameRuneProblem(%q) allows = %v, want %v (%s)", tt.s, got, tt.name, NameRuneProblem(tt.s))
		}
		if got := TextRuneProblem(tt.s) == ""; got != tt.text {
			t.Errorf("TextRuneProblem(%q) allows = %v, want %v (%s)", tt.s, got, tt.text, TextRuneProblem(tt.s))
		}
	}
}

func TestValidateRefusesInvisibleCharacters(t *testing.T) {
	m := &Member{ID: "scop-echo", Name: "Scop\u202e Écho", Country: "FR", Status: StatusMember, Summary: map[string]string{"fr": "ok\x00"}}
	m.Normalize()
	err := m.Validate()
	var fields []string
	for _, f := range ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "name,summary.fr" {
		t.Errorf("Validate fields = %q (%v), want name,summary.fr", got, err)
	}
	n := &NewsItem{Title: map[string]string{"fr": "Titre\u200b"}, Content: map[string]string{"fr": "<p>x</p>"}}
	found := false
	for _, f := range ErrorFields(n.Validate()) {
		found = found || f.Field == "title.fr" && strings.Contains(f.Reason, "U+200B")
	}
	if !found {
		t.Errorf("news title with a zero width space: %v, want a problem on title.fr", ErrorFields(n.Validate()))
	}
}
