package node

import (
	"sort"
	"strings"
)

// cpvDivisions lists the 45 two-digit divisions of the Common Procurement
// Vocabulary (CPV 2008). A code outside them is not a CPV code.
var cpvDivisions = map[string]bool{
	"03": true, "09": true, "14": true, "15": true, "16": true, "18": true, "19": true,
	"22": true, "24": true, "30": true, "31": true, "32": true, "33": true, "34": true,
	"35": true, "37": true, "38": true, "39": true, "41": true, "42": true, "43": true,
	"44": true, "45": true, "48": true, "50": true, "51": true, "55": true, "60": true,
	"63": true, "64": true, "65": true, "66": true, "70": true, "71": true, "72": true,
	"73": true, "75": true, "76": true, "77": true, "79": true, "80": true, "85": true,
	"90": true, "92": true, "98": true,
}

// NormalizeCPV checks the structure of a CPV code and returns it as eight
// digits. It accepts an optional check digit ("72413000-8") and drops it.
// Structure means eight digits in one of the 45 real divisions; whether
// the code exists is checked against the loaded code list, when there is one.
func NormalizeCPV(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if i := strings.IndexByte(code, '-'); i >= 0 {
		if i != 8 || len(code) != 10 || !isDigits(code[9:]) {
			return "", false
		}
		code = code[:8]
	}
	if len(code) != 8 || !isDigits(code) || !cpvDivisions[code[:2]] {
		return "", false
	}
	return code, true
}

// CPVPrefix returns the significant prefix of a CPV code: the code without
// its trailing zeros, but at least the two-digit division. Every code in
// the subtree of c starts with CPVPrefix(c): 72000000 → "72", 72410000 →
// "7241".
func CPVPrefix(code string) string {
	p := strings.TrimRight(code, "0")
	if len(p) < 2 {
		p = (code + "00")[:2]
	}
	return p
}

// CPVParent returns the parent of a CPV code in the hierarchy, found by
// zeroing its last non-zero digit (after the division), and false for a
// division.
func CPVParent(code string) (string, bool) {
	p := CPVPrefix(code)
	if len(p) <= 2 {
		return "", false
	}
	p = p[:len(p)-1]
	return (p + "00000000")[:8], true
}

// CPVAncestors returns the chain of parents of a code, nearest first.
func CPVAncestors(code string) []string {
	var out []string
	for c, ok := CPVParent(code); ok; c, ok = CPVParent(c) {
		out = append(out, c)
	}
	return out
}

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 country code,
// upper case.
func ValidCountry(c string) bool {
	_, ok := countryAlpha3[c]
	return ok
}

// CountryAlpha3 returns the ISO 3166-1 alpha-3 code of an alpha-2 code,
// as the EU code lists use it.
func CountryAlpha3(c string) (string, bool) {
	a3, ok := countryAlpha3[c]
	return a3, ok
}

// CountryFromAlpha3 returns the alpha-2 code for an alpha-3 code.
func CountryFromAlpha3(a3 string) (string, bool) {
	for a2, v := range countryAlpha3 {
		if v == a3 {
			return a2, true
		}
	}
	return "", false
}

// Countries returns every known alpha-2 country code, sorted.
func Countries() []string {
	out := make([]string, 0, len(countryAlpha3))
	for c := range countryAlpha3 {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// nutsCountry returns the NUTS country prefix for an ISO country code:
// NUTS writes Greece EL and the United Kingdom UK.
func nutsCountry(country string) string {
	switch country {
	case "GR":
		return "EL"
	case "GB":
		return "UK"
	}
	return country
}

// ValidNUTS checks the structure of a NUTS code ("FR101": a two-letter
// country prefix and up to three more letters or digits) and, when country
// is not empty, that it lies in that country.
func ValidNUTS(code, country string) bool {
	if len(code) < 2 || len(code) > 5 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		upper := c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if i < 2 && !upper || i >= 2 && !upper && !digit {
			return false
		}
	}
	return country == "" || code[:2] == nutsCountry(country)
}

// ValidLanguageTag checks a BCP 47 language tag of the common forms
// "fr", "fr-BE", "sr-Latn", "sr-Latn-RS", "es-419": the primary subtag must
// be a known ISO 639-1 language, the script four letters, and the region
// two letters or three digits. Extensions and private use are refused.
func ValidLanguageTag(tag string) bool {
	parts := strings.Split(tag, "-")
	if !iso639_1[strings.ToLower(parts[0])] || len(parts) > 3 {
		return false
	}
	rest := parts[1:]
	if len(rest) > 0 && len(rest[0]) == 4 && isLetters(rest[0]) {
		rest = rest[1:]
	}
	if len(rest) > 1 {
		return false
	}
	if len(rest) == 1 {
		r := rest[0]
		return len(r) == 2 && isLetters(r) || len(r) == 3 && isDigits(r)
	}
	return true
}

// CanonicalLanguageTag returns tag in its conventional case: "fr-be" →
// "fr-BE", "SR-LATN" → "sr-Latn".
func CanonicalLanguageTag(tag string) string {
	parts := strings.Split(tag, "-")
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 4:
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToUpper(p)
		}
	}
	return strings.Join(parts, "-")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}
