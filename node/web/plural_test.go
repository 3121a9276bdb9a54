package web

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/language"
)

// cldrForms returns the CLDR cardinal categories that whole numbers take
// in a language, by x/text's rules (0 to 10 000, and the millions, where
// some languages have a category of their own), and "other", the
// fallback every language has.
func cldrForms(tag string) []string {
	lt := language.MustParse(tag)
	seen := map[string]bool{"other": true} // CLDR's fallback, always present
	for n := 0; n <= 10000; n++ {
		seen[pluralForm(lt, n)] = true
	}
	for n := 1000000; n <= 5000000; n += 1000000 {
		seen[pluralForm(lt, n)] = true
	}
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// pluralBases returns the messages of en that are plural: those with a
// .one and an .other form.
func pluralBases() []string {
	en := LocaleFor("en")
	var out []string
	for _, k := range en.Keys() {
		if base, ok := strings.CutSuffix(k, ".other"); ok && en.Has(base+".one") {
			out = append(out, base)
		}
	}
	return out
}

// splitPlural returns the plural base and form of a key, or "" when the
// key is not a plural form.
func splitPlural(bases map[string]bool, key string) (string, string) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 || !bases[key[:i]] {
		return "", ""
	}
	switch f := key[i+1:]; f {
	case "zero", "one", "two", "few", "many", "other":
		return key[:i], f
	}
	return "", ""
}

var placeholder = regexp.MustCompile(`\{[0-9]+\}`)

// placeholders returns the sorted, distinct {n} of a message.
func placeholders(msg string) []string {
	out := placeholder.FindAllString(msg, -1)
	sort.Strings(out)
	return slices.Compact(out)
}

// TestCatalogsPluralsAndPlaceholders fails when a catalogue lacks a
// plural form its language's CLDR rule reaches, has one the rule never
// reaches, or drops or adds a {n} placeholder.
func TestCatalogsPluralsAndPlaceholders(t *testing.T) {
	en := LocaleFor("en")
	baseList := pluralBases()
	if len(baseList) < 10 {
		t.Fatalf("found only %d plural messages in en; the scan is broken", len(baseList))
	}
	bases := map[string]bool{}
	for _, b := range baseList {
		bases[b] = true
	}
	for _, tag := range available() {
		l := LocaleFor(tag)
		want := cldrForms(tag)
		for _, b := range baseList {
			var got []string
			for _, f := range []string{"few", "many", "one", "other", "two", "zero"} {
				if l.Has(b + "." + f) {
					got = append(got, f)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: %s has forms %v, CLDR wants %v", tag, b, got, want)
			}
		}
		for _, k := range l.Keys() {
			ref := k
			if base, _ := splitPlural(bases, k); base != "" {
				ref = base + ".other"
			}
			if !en.Has(ref) {
				continue // TestCatalogsComplete reports it
			}
			if got, want := placeholders(l.msgs[k]), placeholders(en.msgs[ref]); !slices.Equal(got, want) {
				t.Errorf("%s: %s has placeholders %v, en has %v", tag, k, got, want)
			}
		}
	}
}

// TestPluralRules checks that N follows CLDR, not a rule of thumb.
func TestPluralRules(t *testing.T) {
	for _, c := range []struct {
		tag  string
		n    int
		want string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"fr", 0, "one"}, {"fr", 1, "one"}, {"fr", 2, "other"},
		{"pl", 1, "one"}, {"pl", 3, "few"}, {"pl", 5, "many"}, {"pl", 22, "few"}, {"pl", 25, "many"},
		{"ga", 2, "two"}, {"ga", 5, "few"}, {"ga", 8, "many"}, {"ga", 11, "other"},
		{"lv", 0, "zero"}, {"lv", 21, "one"}, {"lv", 11, "zero"}, {"mt", 0, "few"}, {"mt", 15, "many"},
		{"sl", 102, "two"}, {"ro", 19, "few"}, {"ro", 20, "other"}, {"cs", 4, "few"}, {"lt", 10, "other"}, {"lt", 2, "few"},
	} {
		if got := pluralForm(language.MustParse(c.tag), c.n); got != c.want {
			t.Errorf("pluralForm(%s, %d) = %q, want %q", c.tag, c.n, got, c.want)
		}
	}
	if got := LocaleFor("en").N("catalogue.found", 1234); got != "1,234 co-ops found" {
		t.Errorf("en N(1234) = %q, want the number grouped", got)
	}
}

// TestConfigure checks the node's choice of languages and its default.
func TestConfigure(t *testing.T) {
	saved, savedDef, savedM := Languages, defaultTag, matcher
	t.Cleanup(func() { Languages, defaultTag, matcher = saved, savedDef, savedM })
	if err := Configure([]string{"de", "xx"}, ""); err == nil || !strings.Contains(err.Error(), `"xx"`) {
		t.Errorf("Configure with a language without catalogue = %v, want an error naming it", err)
	}
	if err := Configure([]string{"de", "fr"}, "en"); err == nil {
		t.Error("Configure with a default that is not offered succeeded")
	}
	if err := Configure([]string{"de", "FR", "de"}, "fr"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(Languages, []string{"de", "fr"}) || LocaleFor("xx").Tag != "fr" {
		t.Errorf("after Configure: Languages %v, fallback %s", Languages, LocaleFor("xx").Tag)
	}
	if err := Configure(nil, ""); err != nil || !slices.Equal(Languages, available()) {
		t.Errorf("Configure(nil) = %v, Languages %v, want every catalogue", err, Languages)
	}
}
