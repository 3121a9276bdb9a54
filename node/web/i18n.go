package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

//go:embed locales/*.json
var localeFS embed.FS

// Official lists the 24 official languages of the EU in the order the
// EU's own sites use (by each language's name for itself). It orders the
// switcher; catalogues of other languages (ca, eu, gl…) follow, by tag.
var Official = []string{"bg", "es", "cs", "da", "de", "et", "el", "en", "fr", "ga", "hr", "it",
	"lv", "lt", "hu", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "fi", "sv"}

// Languages lists the UI languages the node offers, in the switcher's
// order: every catalogue unless Configure narrowed it.
var Languages = available()

// defaultTag is the language of a reader whose browser asks for none of
// Languages.
var defaultTag = "en"

// Locale is one UI language: its message catalog and formats.
type Locale struct {
	// Tag is the BCP 47 tag, as written in lang attributes.
	Tag     string
	lang    language.Tag
	msgs    map[string]string
	printer *message.Printer
	regions display.Namer
}

// catalogs maps a language tag to its locale.
var catalogs = mustLoadCatalogs()

func mustLoadCatalogs() map[string]*Locale {
	out := map[string]*Locale{}
	files, _ := fs.Glob(localeFS, "locales/*.json")
	for _, f := range files {
		tag := strings.TrimSuffix(path.Base(f), ".json")
		b, err := localeFS.ReadFile(f)
		if err != nil {
			panic(fmt.Sprintf("web: locale %s: %v", tag, err))
		}
		lt := language.MustParse(tag)
		l := &Locale{Tag: tag, lang: lt, printer: message.NewPrinter(lt), regions: display.Regions(lt)}
		if err := json.Unmarshal(b, &l.msgs); err != nil {
			panic(fmt.Sprintf("web: locale %s: %v", tag, err))
		}
		out[tag] = l
	}
	return out
}

// available returns the tags of every catalogue: the official languages
// in their order, then the others by tag.
func available() []string {
	var out []string
	for _, tag := range Official {
		if _, ok := catalogs[tag]; ok {
			out = append(out, tag)
		}
	}
	var extra []string
	for tag := range catalogs {
		if !slices.Contains(Official, tag) {
			extra = append(extra, tag)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// Configure sets the languages the node offers (in the switcher's order
// given; none = every catalogue) and its default language (empty =
// English when offered, else the first offered). It refuses a language without a catalogue and a
// default that is not offered. Call it once, before serving.
func Configure(langs []string, def string) error {
	if len(langs) == 0 {
		langs = available()
	}
	var offered []string
	for _, tag := range langs {
		tag = strings.ToLower(strings.TrimSpace(tag))
		if _, ok := catalogs[tag]; !ok {
			return fmt.Errorf("language %q has no catalogue; there are: %s", tag, strings.Join(available(), ", "))
		}
		if !slices.Contains(offered, tag) {
			offered = append(offered, tag)
		}
	}
	def = strings.ToLower(strings.TrimSpace(def))
	if def == "" {
		def = offered[0]
		if slices.Contains(offered, "en") {
			def = "en"
		}
	}
	if !slices.Contains(offered, def) {
		return fmt.Errorf("default language %q is not one of the languages offered (%s)", def, strings.Join(offered, ", "))
	}
	Languages, defaultTag, matcher = offered, def, newMatcher(offered, def)
	return nil
}

// LocaleFor returns the locale of a language tag, the default language's
// when it has no catalogue.
func LocaleFor(tag string) *Locale {
	if l, ok := catalogs[tag]; ok {
		return l
	}
	return catalogs[defaultTag]
}

// Keys returns the message keys of the locale, sorted.
func (l *Locale) Keys() []string {
	keys := make([]string, 0, len(l.msgs))
	for k := range l.msgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether the catalog has key.
func (l *Locale) Has(key string) bool { _, ok := l.msgs[key]; return ok }

// T returns the message key with {0}, {1}... replaced by args. A missing
// message shows its key (a test keeps every catalog complete).
func (l *Locale) T(key string, args ...any) string {
	msg, ok := l.msgs[key]
	if !ok {
		return key
	}
	for i, a := range args {
		msg = strings.ReplaceAll(msg, "{"+strconv.Itoa(i)+"}", fmt.Sprint(a))
	}
	return msg
}

// N returns the plural form of key for n, with {0} replaced by n
// formatted the language's way: key.zero, .one, .two, .few, .many or
// .other, chosen by the language's CLDR cardinal rule.
func (l *Locale) N(key string, n int) string {
	form := pluralForm(l.lang, n)
	if !l.Has(key + "." + form) {
		form = "other"
	}
	return l.T(key+"."+form, l.Num(n))
}

// formNames names the CLDR plural categories as the catalogue keys end.
var formNames = map[plural.Form]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one",
	plural.Two: "two", plural.Few: "few", plural.Many: "many"}

// pluralForm returns the CLDR cardinal category of the integer n.
func pluralForm(tag language.Tag, n int) string {
	i := n
	if i < 0 {
		i = -i
	}
	return formNames[plural.Cardinal.MatchPlural(tag, i, 0, 0, 0, 0)]
}

// Date formats a date the way the language writes it: "3 mars 2026",
// "3 March 2026", "3. März 2026".
func (l *Locale) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	return l.T("date.format", t.Day(), l.T("month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// DateTime formats a date and a UTC time of day.
func (l *Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.T("date.time", l.Date(t), t.UTC().Format("15:04"))
}

// ISO returns t in RFC 3339, for datetime attributes.
func (l *Locale) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Text is a piece of content and the language it is written in.
type Text struct {
	Lang string
	Text string
}

// Pick chooses from multilingual content the text in the locale's
// language, else English, else the first language in tag order.
func (l *Locale) Pick(m map[string]string) Text {
	if len(m) == 0 {
		return Text{}
	}
	for _, want := range []string{l.Tag, "en"} {
		for tag, s := range m {
			if s != "" && (tag == want || strings.HasPrefix(tag, want+"-")) {
				return Text{Lang: tag, Text: s}
			}
		}
	}
	tags := make([]string, 0, len(m))
	for tag, s := range m {
		if s != "" {
			tags = append(tags, tag)
		}
	}
	if len(tags) == 0 {
		return Text{}
	}
	sort.Strings(tags)
	return Text{Lang: tags[0], Text: m[tags[0]]}
}

// LangName returns the name of a language tag in the locale: the
// catalogue's lang.<tag> message, else CLDR's name, else the tag.
func (l *Locale) LangName(tag string) string {
	if k := "lang." + strings.ToLower(tag); l.Has(k) {
		return l.msgs[k]
	}
	if t, err := language.Parse(tag); err == nil {
		if name := display.Languages(l.lang).Name(t); name != "" {
			return name
		}
	}
	return tag
}

var matcher = newMatcher(Languages, defaultTag)

// newMatcher matches Accept-Language against the offered languages, the
// default first (the matcher's fallback).
func newMatcher(langs []string, def string) language.Matcher {
	tags := []language.Tag{language.MustParse(def)}
	for _, t := range langs {
		if t != def {
			tags = append(tags, language.MustParse(t))
		}
	}
	return language.NewMatcher(tags)
}

// langCookie remembers the language chosen with the switcher.
const langCookie = "etoiles_lang"

// negotiate picks the UI language: the switcher's cookie, else
// Accept-Language, else English.
func negotiate(r *http.Request) *Locale {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(Languages, c.Value) {
		return catalogs[c.Value]
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return catalogs[defaultTag]
	}
	tag, _, _ := matcher.Match(tags...)
	base, _ := tag.Base()
	return LocaleFor(base.String())
}

// Num formats an integer with the language's digit grouping: "1 234"
// in French, "1,234" in English, "1.234" in German.
func (l *Locale) Num(n int) string { return l.printer.Sprint(number.Decimal(n)) }

// Dec formats a number with up to two decimals, the language's way.
func (l *Locale) Dec(v float64) string {
	return l.printer.Sprint(number.Decimal(v, number.MaxFractionDigits(2)))
}

// Percent formats a ratio (0.125) as a percentage ("12,5 %").
func (l *Locale) Percent(v float64) string {
	return l.printer.Sprint(number.Percent(v, number.MaxFractionDigits(1)))
}

// Money formats an amount in euros, with two decimals and the symbol
// where the language puts it ("1 234,50 €", "€1,234.50").
func (l *Locale) Money(v float64) string {
	amount := l.printer.Sprint(number.Decimal(v, number.MinFractionDigits(2), number.MaxFractionDigits(2)))
	return l.T("currency.eur", amount)
}

// Country returns the name of an ISO 3166-1 country code in the
// language ("DE" → "Allemagne"), or the code when it is unknown.
func (l *Locale) Country(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if name := l.regions.Name(r); name != "" {
		return name
	}
	return code
}

// Month formats a "2026-03" month key as "March 2026".
func (l *Locale) Month(key string) string {
	t, err := time.Parse("2006-01", key)
	if err != nil {
		return key
	}
	return l.T("month.year", l.T("month."+strconv.Itoa(int(t.Month()))), t.Year())
}
