package tender

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// languages maps the three-letter language codes of the EU "language"
// authority table (ISO 639-3, which equals ISO 639-2/T for these) to ISO
// 639-1, the primary subtag of a BCP 47 tag. It covers the 24 official EU
// languages, in which every eForms text is written, the ISO 639-2/B
// variants some tools write, and the other languages of the EEA and
// candidate countries.
var languages = map[string]string{
	// the 24 official languages of the EU
	"BUL": "bg", "CES": "cs", "DAN": "da", "DEU": "de", "ELL": "el", "ENG": "en",
	"EST": "et", "FIN": "fi", "FRA": "fr", "GLE": "ga", "HRV": "hr", "HUN": "hu",
	"ITA": "it", "LAV": "lv", "LIT": "lt", "MLT": "mt", "NLD": "nl", "POL": "pl",
	"POR": "pt", "RON": "ro", "SLK": "sk", "SLV": "sl", "SPA": "es", "SWE": "sv",
	// ISO 639-2/B variants
	"CZE": "cs", "GER": "de", "GRE": "el", "FRE": "fr", "DUT": "nl", "RUM": "ro", "SLO": "sk",
	// EEA, candidate countries and regional languages of the member states
	"NOR": "no", "NOB": "nb", "NNO": "nn", "ISL": "is", "ICE": "is", "CAT": "ca", "EUS": "eu",
	"BAQ": "eu", "GLG": "gl", "CYM": "cy", "WEL": "cy", "LTZ": "lb", "SQI": "sq", "ALB": "sq",
	"MKD": "mk", "MAC": "mk", "SRP": "sr", "BOS": "bs", "CNR": "sr", "TUR": "tr", "UKR": "uk",
	"KAT": "ka", "GEO": "ka", "RUS": "ru", "BEL": "be", "HYE": "hy", "ARM": "hy", "AZE": "az",
}

// language converts an eForms language code to a BCP 47 tag.
func language(code string) (string, bool) {
	tag, ok := languages[strings.ToUpper(strings.TrimSpace(code))]
	return tag, ok
}

// parseDateTime joins an eForms date ("2020-02-04+02:00", "2019-06-24Z",
// xs:date) and time ("10:00:00+02:00", xs:time). The time's offset wins,
// then the date's; a value with neither is read as UTC. A date without a
// time means the end of that day.
func parseDateTime(date, clock string) (time.Time, error) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if len(date) < 10 {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD with an offset)", date)
	}
	day, dateZone := date[:10], date[10:]
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD with an offset)", date)
	}
	loc, err := zone(dateZone)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q has a bad offset: %v", date, err)
	}
	h, m, s, ns := 23, 59, 59, 0
	if clock != "" {
		if len(clock) < 8 {
			return time.Time{}, fmt.Errorf("%q is not a time (hh:mm:ss with an offset)", clock)
		}
		t, err := time.Parse("15:04:05", clock[:8])
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a time (hh:mm:ss with an offset)", clock)
		}
		rest := clock[8:]
		if strings.HasPrefix(rest, ".") {
			i := 1
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			if i == 1 || i > 10 {
				return time.Time{}, fmt.Errorf("%q is not a time (hh:mm:ss with an offset)", clock)
			}
			frac := rest[1:i] + strings.Repeat("0", 10-i)
			ns, _ = strconv.Atoi(frac)
			rest = rest[i:]
		}
		h, m, s = t.Hour(), t.Minute(), t.Second()
		if rest != "" {
			if loc, err = zone(rest); err != nil {
				return time.Time{}, fmt.Errorf("%q has a bad offset: %v", clock, err)
			}
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, s, ns, loc), nil
}

// zone reads an xs offset: "", "Z", "+02:00", "-05:30".
func zone(s string) (*time.Location, error) {
	switch s {
	case "", "Z":
		return time.UTC, nil
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return nil, fmt.Errorf("want Z or ±hh:mm")
	}
	t, err := time.Parse("15:04", s[1:])
	if err != nil || t.Hour() > 14 {
		return nil, fmt.Errorf("want Z or ±hh:mm")
	}
	off := t.Hour()*3600 + t.Minute()*60
	if s[0] == '-' {
		off = -off
	}
	if off == 0 {
		return time.UTC, nil
	}
	return time.FixedZone(s, off), nil
}

// validAmount reports whether s is a non-negative decimal number without
// exponent: "1230000", "4500000.50".
func validAmount(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}

// validCurrency reports whether s looks like an ISO 4217 code.
func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
