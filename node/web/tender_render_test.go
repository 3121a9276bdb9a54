package web

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/internal/sharedtest"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/tender"
)

// TestTenderSectionRenders shows an imported eForms notice (SDK 1 and 2)
// on the opportunity page: the buyer, the documents and submission
// links, the procedure and the award criteria, in the reader's language.
func TestTenderSectionRenders(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	dir := sharedtest.Path(t, "eforms", "notices")
	for _, tt := range []struct {
		file, lang string
		want       []string
	}{
		{"sdk2/cn_24_open.xml", "en", []string{"For bidders", "Renfrewshire Council", "Paisley", `href="https://www.publictendersscotland.publiccontractsscotland.gov.uk"`,
			"Procurement documents", "Where to submit", "<code>open</code>", "Award criteria", "Methodology and approach", "– 75", "Selection criteria", "2020-04-03 12:00 &#43;01:00"}},
		{"sdk2/cn_24_nego_accel.xml", "fr", []string{"Pour candidater", "HM Land Registry", "<code>neg-w-call</code> – accélérée", "Documents à accès restreint"}},
		{"cn_24_FRA_comments.xml", "fr", []string{"Rouen Habitat", "Critères d&#39;attribution", `lang="fr"`}},
	} {
		n, err := tender.ParseFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		o := n.Opportunity()
		l := LocaleFor(tt.lang)
		d := &oppDetail{oppCard: oppCard{Opportunity: o, Title: l.Pick(o.Title)}, Checked: map[string]bool{}}
		var b strings.Builder
		if err := pages["opportunity"].Execute(&b, &view{L: l, User: &auth.User{Role: "member"}, D: d}); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s (%s): the page lacks %q", tt.file, tt.lang, w)
			}
		}
	}
}
