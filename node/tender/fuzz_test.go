package tender

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/internal/sharedtest"
	"github.com/e-toiles/etoiles/node"
)

// FuzzParse feeds the parser mutated notices. It must never panic, every
// error must be a one-line *ParseError, and every notice it accepts must
// hold the invariants the radar relies on.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if d := sharedtest.Find(); d != "" {
		shared, _ := filepath.Glob(filepath.Join(d, "eforms", "notices", "*.xml"))
		seeds = append(seeds, shared...)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(bytes.NewReader(data), "fuzz.xml")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason == "" || pe.File != "fuzz.xml" {
				t.Fatalf("error %#v is not a *ParseError with a reason", err)
			}
			if strings.ContainsAny(pe.Element, "\n") {
				t.Fatalf("element %q spans lines", pe.Element)
			}
			return
		}
		if n.ID == "" || len(n.Title) == 0 || len(n.Lots) == 0 {
			t.Fatalf("accepted a notice without id, title or lots: %+v", n)
		}
		if _, ok := node.NormalizeCPV(n.MainCPV); !ok {
			t.Fatalf("accepted main CPV %q", n.MainCPV)
		}
		for _, tag := range n.Languages {
			if !node.ValidLanguageTag(tag) {
				t.Fatalf("language %q is not BCP 47", tag)
			}
		}
		for _, l := range n.Lots {
			if l.ID == "" {
				t.Fatal("accepted a lot without id")
			}
			if !l.Deadline.IsZero() && n.Deadline.After(l.Deadline) {
				t.Fatalf("notice deadline %v after lot %s's %v", n.Deadline, l.ID, l.Deadline)
			}
		}
		if c := n.Country(); c != "" && !node.ValidCountry(c) {
			t.Fatalf("country %q", c)
		}
		if n.Value != nil && (!validAmount(n.Value.Value) || !validCurrency(n.Value.Currency)) {
			t.Fatalf("value %+v", n.Value)
		}
	})
}

func TestParseDateTime(t *testing.T) {
	cet := time.FixedZone("", 3600)
	for _, tt := range []struct {
		date, clock string
		want        time.Time
		err         string
	}{
		{"2020-02-04+02:00", "10:00:00+02:00", time.Date(2020, 2, 4, 8, 0, 0, 0, time.UTC), ""},
		{"2019-06-24Z", "16:00:00Z", time.Date(2019, 6, 24, 16, 0, 0, 0, time.UTC), ""},
		{"2020-05-11+01:00", "", time.Date(2020, 5, 11, 23, 59, 59, 0, cet), ""},
		{"2020-05-11", "10:00:00", time.Date(2020, 5, 11, 10, 0, 0, 0, time.UTC), ""},
		{"2020-05-11+01:00", "10:00:00", time.Date(2020, 5, 11, 10, 0, 0, 0, cet), ""},
		{"2020-05-11Z", "10:00:00.250-05:30", time.Date(2020, 5, 11, 15, 30, 0, 250e6, time.UTC), ""},
		{"2020-5-11", "", time.Time{}, "not a date"},
		{"2020-05-11+1", "", time.Time{}, "bad offset"},
		{"2020-05-11Z", "25:00:00Z", time.Time{}, "not a time"},
		{"2020-05-11Z", "10:00:00.Z", time.Time{}, "not a time"},
		{"2020-05-11Z", "10:00:00+15:00", time.Time{}, "bad offset"},
	} {
		got, err := parseDateTime(tt.date, tt.clock)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseDateTime(%q, %q) = %v, %v, want error %q", tt.date, tt.clock, got, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseDateTime(%q, %q) = %v, %v, want %v", tt.date, tt.clock, got, err, tt.want)
		}
	}
}

func TestAddDecimal(t *testing.T) {
	for _, tt := range []struct{ a, b, want string }{
		{"0", "1230000", "1230000"},
		{"1000.5", "2000.25", "3000.75"},
		{"999.99", "0.01", "1000"},
		{"99999999999999999999", "1", "100000000000000000000"},
		{"0.5", "0.5", "1"},
	} {
		if got := addDecimal(tt.a, tt.b); got != tt.want {
			t.Errorf("addDecimal(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSumLotsNeedsOneCurrency(t *testing.T) {
	lots := []Lot{{Value: &Amount{"10", "EUR"}}, {Value: &Amount{"5", "PLN"}}}
	if got := sumLots(lots); got != nil {
		t.Errorf("sumLots(EUR+PLN) = %+v, want nil", got)
	}
	if got := sumLots([]Lot{{Value: &Amount{"10", "EUR"}}, {}}); got != nil {
		t.Errorf("sumLots(EUR+none) = %+v, want nil", got)
	}
}

func TestLanguages(t *testing.T) {
	for code, tag := range languages {
		if !node.ValidLanguageTag(tag) {
			t.Errorf("languages[%s] = %q, not a BCP 47 tag", code, tag)
		}
	}
	for _, c := range []string{"ENG", "eng", " FRA "} {
		if _, ok := language(c); !ok {
			t.Errorf("language(%q) unknown", c)
		}
	}
	if _, ok := language("XXX"); ok {
		t.Error(`language("XXX") known`)
	}
}

// BenchmarkParse reads the largest shared example (24 languages, 92 kB).
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(sharedtest.Path(b, "eforms", "notices", "cn_24_multilingual.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), "bench.xml"); err != nil {
			b.Fatal(err)
		}
	}
}
