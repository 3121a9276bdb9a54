package vocab

import "strings"

// irregular lists the irregular grandfathered tags of RFC 5646 §2.1, which
// do not follow the langtag grammar. (The regular ones do.)
var irregular = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true,
	"i-enochian": true, "i-hak": true, "i-klingon": true, "i-lux": true,
	"i-mingo": true, "i-navajo": true, "i-pwn": true, "i-tao": true,
	"i-tay": true, "i-tsu": true, "sgn-be-fr": true, "sgn-be-nl": true,
	"sgn-ch-de": true,
}

// twoLetter lists the two-letter primary language subtags of the IANA
// language subtag registry: ISO 639-1 plus the deprecated in, iw, ji, jw
// and mo. (The list equals the one golang.org/x/text v0.44.0 accepts.)
var twoLetter = func() map[string]bool {
	const codes = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo " +
		"br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa " +
		"ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id " +
		"ie ig ii ik in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn ko " +
		"kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mo mr " +
		"ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps " +
		"pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st " +
		"su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi " +
		"vo wa wo xh yi yo za zh zu"
	m := make(map[string]bool, 190)
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// ValidLanguageTag reports whether tag is a well-formed BCP 47 language tag
// (RFC 5646 §2.1, §2.2.9) whose primary language subtag, when it has two
// letters, is registered. Longer subtags are checked for their syntax
// only. Keys of nameMap, summaryMap and contentMap must pass it.
func ValidLanguageTag(tag string) bool {
	if tag == "" || len(tag) > 256 {
		return false
	}
	if irregular[strings.ToLower(tag)] {
		return true
	}
	subtags := strings.Split(tag, "-")
	for _, st := range subtags {
		if len(st) == 0 || len(st) > 8 || !isAlnum(st) {
			return false
		}
	}
	i := 0
	if isPrivateUse(subtags) {
		return true
	}
	// language
	switch l := subtags[0]; {
	case !isAlpha(l):
		return false
	case len(l) <= 3:
		if len(l) < 2 || (len(l) == 2 && !twoLetter[strings.ToLower(l)]) {
			return false
		}
		i = 1
		// up to three extlang subtags
		for n := 0; n < 3 && i < len(subtags) && len(subtags[i]) == 3 && isAlpha(subtags[i]); n++ {
			i++
		}
	default: // 4 to 8 letters
		i = 1
	}
	// script
	if i < len(subtags) && len(subtags[i]) == 4 && isAlpha(subtags[i]) {
		i++
	}
	// region
	if i < len(subtags) && ((len(subtags[i]) == 2 && isAlpha(subtags[i])) || (len(subtags[i]) == 3 && isDigits(subtags[i]))) {
		i++
	}
	// variants
	for i < len(subtags) && isVariant(subtags[i]) {
		i++
	}
	// extensions
	for i < len(subtags) && len(subtags[i]) == 1 && !strings.EqualFold(subtags[i], "x") {
		i++
		n := 0
		for i < len(subtags) && len(subtags[i]) >= 2 {
			i++
			n++
		}
		if n == 0 {
			return false
		}
	}
	if i == len(subtags) {
		return true
	}
	return isPrivateUse(subtags[i:])
}

// isPrivateUse reports whether subtags is "x" followed by at least one
// subtag of 1 to 8 characters (the length is checked by the caller).
func isPrivateUse(subtags []string) bool {
	return strings.EqualFold(subtags[0], "x") && len(subtags) > 1
}

func isVariant(s string) bool {
	switch {
	case len(s) >= 5:
		return true
	case len(s) == 4:
		return s[0] >= '0' && s[0] <= '9'
	}
	return false
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !((c|0x20) >= 'a' && (c|0x20) <= 'z') {
			return false
		}
	}
	return true
}
