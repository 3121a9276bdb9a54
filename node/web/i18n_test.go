package web

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCatalogsComplete fails on a message one shipped language lacks,
// or has and English does not.
func TestCatalogsComplete(t *testing.T) {
	bases := map[string]bool{}
	for _, b := range pluralBases() {
		bases[b] = true
	}
	// nonPlural returns the keys of l but its plural forms, which
	// TestCatalogsPluralsAndPlaceholders checks against CLDR.
	nonPlural := func(l *Locale) []string {
		var out []string
		for _, k := range l.Keys() {
			if base, _ := splitPlural(bases, k); base == "" {
				out = append(out, k)
			}
		}
		return out
	}
	want := nonPlural(LocaleFor("en"))
	if len(available()) < 5 {
		t.Fatalf("only %d catalogues: %v", len(available()), available())
	}
	for _, tag := range available() {
		l := LocaleFor(tag)
		if l.Tag != tag {
			t.Fatalf("no catalog for %s", tag)
		}
		if !l.Has("lang.self") {
			t.Errorf("catalog %s has no lang.self, its name in its own language", tag)
		}
		if diff := cmp.Diff(want, nonPlural(l)); diff != "" {
			t.Errorf("catalog %s differs from en (-en +%s):\n%s", tag, tag, diff)
		}
		for _, k := range l.Keys() {
			if strings.TrimSpace(l.msgs[k]) == "" {
				t.Errorf("catalog %s: %s is empty", tag, k)
			}
		}
	}
}

var (
	tmplKey   = regexp.MustCompile(`\.(T|N) "([a-z0-9_.]+)"`)
	goKey     = regexp.MustCompile(`(?:\.T\(|view\(r, rq, )"([a-z0-9_.]+[a-z0-9])"`)
	dynPrefix = map[string][]string{
		"status.":               {"prospect", "member", "lapsed", "alumni"},
		"trade.":                {"web", "hosting", "software", "graphics", "marketing", "video", "sound", "training"},
		"site.field.":           {"intro", "trades", "project"},
		"site.default.":         {"intro", "trades", "project"},
		"peer.":                 {"pending", "accepted", "rejected", "blocked"},
		"role.":                 {"admin", "member"},
		"noderole.":             {"national", "confederation"},
		"admission.":            {"active", "expired", "revoked"},
		"opportunity.status.":   {"planned", "active", "forming", "submitted", "won", "lost", "complete", "cancelled", "unsuccessful", "withdrawn"},
		"opportunity.done.":     {"interest", "accepted", "rejected", "status"},
		"consortium.role.":      {"lead-entity", "group-member", "subcontractor"},
		"joinmode.":             {"free", "restricted", "external"},
		"category.":             {"MEETING", "LEARNING", "NETWORKING", "BUSINESS", "COMMUNITY", "CAUSES", "LANGUAGE_CULTURE", "MOVEMENTS_POLITICS", "SCIENCE_TECH", "FILM_MEDIA"},
		"news.done.":            {"written", "saved", "deleted"},
		"events.done.":          {"written", "saved", "deleted"},
		"eventstatus.":          {"confirmed", "tentative", "cancelled"},
		"newsform.title.":       {"new", "edit"},
		"interest.state.":       {"pending", "accepted", "rejected", "withdrawn"},
		"opportunities.scope.":  {"all", "cross-border", "local"},
		"codes.":                {"cpv", "nuts", "country"},
		"error.":                {"400", "401", "403", "404", "405", "409", "413", "429", "500", "503"},
		"month.":                {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"},
		"lang.":                 {"ca", "de", "en", "es", "fr", "it", "nl", "pt"}, // others by CLDR (LangName)
		"market.field.":         {"side", "kind", "scope", "status", "origin", "quantity_unit", "cost_rule"},
		"market.side.":          {"offer", "need"},
		"market.kind.":          {"product", "service", "shared-service", "group-purchase"},
		"market.scope.":         {"local", "national", "international"},
		"market.status.":        {"open", "closed", "reached", "not-reached", "withdrawn"},
		"market.origin.":        {"local", "remote"},
		"market.unit.":          {"one", "second-Time", "hour", "day", "week", "month", "year", "kilogram", "gigabyte", "kilowattHour", "squareMetre"},
		"market.per.":           {"one", "second-Time", "hour", "day", "week", "month", "year", "kilogram", "gigabyte", "kilowattHour", "squareMetre"},
		"market.rule.":          {"equal", "units", "attribute"},
		"market.notice.":        {"match", "response", "accepted", "rejected", "closed", "unsubscribed", "other"},
		"market.response.":      {"pending", "accepted", "rejected"},
		"market.done.":          {"posted", "responded", "accepted", "rejected", "closed", "subscribed", "unsubscribed"},
		"market.shares.weight.": {"equal", "units", "attribute"},
		"market.respond.":       {"quantity", "terms", "responder"},
	}
)

// TestUsedMessagesExist fails on a message the templates or the code use
// that the catalogs lack.
func TestUsedMessagesExist(t *testing.T) {
	en := LocaleFor("en")
	used := map[string]bool{}
	_ = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(p)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			if m[1] == "N" {
				used[m[2]+".one"], used[m[2]+".other"] = true, true
			} else {
				used[m[2]] = true
			}
		}
		return nil
	})
	files, _ := os.ReadDir(".")
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f.Name())
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	for prefix, ends := range dynPrefix {
		for _, e := range ends {
			used[prefix+e] = true
		}
	}
	for _, s := range []string{"added", "blocked", "unblocked"} {
		used["peers."+s] = true
	}
	for _, f := range []string{"name", "country", "region", "website", "languages", "competences", "summary", "legal_form", "email", "password", "member", "role", "status", "q", "competence", "language", "tags", "url", "lots", "title", "content", "license", "publish_at", "author", "description", "start", "end", "timezone", "online_url", "capacity", "join_mode", "join_url", "category", "sign_language", "notes"} {
		used["field."+f] = true
	}
	if len(used) < 100 {
		t.Fatalf("found only %d used messages; the scan is broken", len(used))
	}
	for k := range used {
		if !en.Has(k) {
			t.Errorf("message %q is used but not in the catalogs", k)
		}
	}
}

func TestLocaleFormats(t *testing.T) {
	d := time.Date(2026, 3, 4, 15, 30, 0, 0, time.UTC)
	for tag, want := range map[string]string{"fr": "4 mars 2026", "en": "4 March 2026", "it": "4 marzo 2026", "es": "4 de marzo de 2026", "de": "4. März 2026"} {
		if got := LocaleFor(tag).Date(d); got != want {
			t.Errorf("Date(%s) = %q, want %q", tag, got, want)
		}
	}
	if got := LocaleFor("fr").N("catalogue.found", 0); got != "0 coopérative trouvée" {
		t.Errorf("fr plural of 0 = %q", got)
	}
	if got := LocaleFor("en").N("catalogue.found", 0); got != "0 co-ops found" {
		t.Errorf("en plural of 0 = %q", got)
	}
	summary := map[string]string{"fr": "Bonjour", "en": "Hello", "de-AT": "Servus"}
	for tag, want := range map[string]Text{"fr": {"fr", "Bonjour"}, "it": {"en", "Hello"}, "de": {"de-AT", "Servus"}} {
		if got := LocaleFor(tag).Pick(summary); got != want {
			t.Errorf("Pick for %s = %v, want %v", tag, got, want)
		}
	}
	if got := LocaleFor("es").Pick(map[string]string{"pt": "Olá", "nl": "Hallo"}); got != (Text{"nl", "Hallo"}) {
		t.Errorf("Pick without es or en = %v, want the first language", got)
	}
}

// TestQuantity writes a unit singular or plural as the number asks.
func TestQuantity(t *testing.T) {
	for _, c := range []struct {
		tag, unit string
		n         int64
		want      string
	}{
		{"en", "month", 1, "1 month"},
		{"en", "month", 20, "20 months"},
		{"en", "hour", 0, "0 hours"},
		{"fr", "hour", 0, "0 heure"},
		{"fr", "hour", 2, "2 heures"},
		{"it", "day", 1, "1 giorno"},
		{"de", "year", 3, "3 Jahre"},
		{"es", "week", 1, "1 semana"},
	} {
		if got := LocaleFor(c.tag).Quantity(c.n, c.unit); got != c.want {
			t.Errorf("%s Quantity(%d, %s) = %q, want %q", c.tag, c.n, c.unit, got, c.want)
		}
	}
}
