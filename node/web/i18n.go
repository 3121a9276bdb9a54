package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages lists the UI languages, in the switcher's order. English is
// the fallback.
var Languages = []string{"fr", "en", "it", "es", "de"}

// Locale is one UI language: its message catalog and formats.
type Locale struct {
	// Tag is the BCP 47 tag, as written in lang attributes.
	Tag     string
	msgs    map[string]string
	printer *message.Printer
	regions display.Namer
}

// catalogs maps a language tag to its locale.
var catalogs = mustLoadCatalogs()

func mustLoadCatalogs() map[string]*Locale {
	out := map[string]*Locale{}
	for _, tag := range Languages {
		b, err := localeFS.ReadFile(path.Join("locales", tag+".json"))
		if err != nil {
			panic(fmt.Sprintf("web: locale %s: %v", tag, err))
		}
		lt := language.MustParse(tag)
		l := &Locale{Tag: tag, printer: message.NewPrinter(lt), regions: display.Regions(lt)}
		if err := json.Unmarshal(b, &l.msgs); err != nil {
			panic(fmt.Sprintf("web: locale %s: %v", tag, err))
		}
		out[tag] = l
	}
	return out
}

// LocaleFor returns the locale of a language tag, English when none.
func LocaleFor(tag string) *Locale {
	if l, ok := catalogs[tag]; ok {
		return l
	}
	return catalogs["en"]
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

// N returns the plural form of key for n (key.one or key.other, by the
// language's rule), with {0} replaced by n.
func (l *Locale) N(key string, n int) string {
	form := "other"
	if n == 1 || (l.Tag == "fr" && n == 0) {
		form = "one"
	}
	return l.T(key+"."+form, n)
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

// LangName returns the name of a language tag in the locale, or the tag.
func (l *Locale) LangName(tag string) string {
	if k := "lang." + strings.ToLower(tag); l.Has(k) {
		return l.msgs[k]
	}
	return tag
}

var matcher = language.NewMatcher(func() []language.Tag {
	tags := []language.Tag{language.English} // the fallback comes first
	for _, t := range Languages {
		if t != "en" {
			tags = append(tags, language.MustParse(t))
		}
	}
	return tags
}())

// langCookie remembers the language chosen with the switcher.
const langCookie = "etoiles_lang"

// negotiate picks the UI language: the switcher's cookie, else
// Accept-Language, else English.
func negotiate(r *http.Request) *Locale {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := catalogs[c.Value]; ok {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return catalogs["en"]
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
