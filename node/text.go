package node

import (
	"fmt"
	"unicode"
)

// Characters that make text display other than it reads: bidirectional
// embeddings, overrides and isolates, and invisible separators. A name
// with one of them can pass for another; prose has no need of them in the
// languages of the network either (right-to-left text needs no override).
func invisible(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, // LRE RLE PDF LRO RLO
		r >= 0x2066 && r <= 0x2069,            // LRI RLI FSI PDI
		r == 0x200B, r == 0x2060, r == 0xFEFF, // zero width space, word joiner, BOM
		r == 0x200E, r == 0x200F, r == 0x061C: // LRM RLM ALM
		return true
	}
	return false
}

// NameRuneProblem describes the first character not allowed in a name,
// title or other one-line label, "" when there is none. Control
// characters (NUL, tabs, line breaks…), format characters (bidirectional
// controls, zero-width characters, soft hyphens) and line or paragraph
// separators are refused; letters of every script and combining marks are
// kept.
func NameRuneProblem(s string) string {
	for i, r := range s {
		switch {
		case r == '\uFFFD':
			return fmt.Sprintf("holds an invalid or replacement character at byte %d", i)
		case unicode.Is(unicode.Cc, r):
			return fmt.Sprintf("holds a control character (U+%04X) at byte %d", r, i)
		case unicode.Is(unicode.Cf, r), invisible(r):
			return fmt.Sprintf("holds an invisible formatting character (U+%04X) at byte %d", r, i)
		case unicode.In(r, unicode.Zl, unicode.Zp):
			return fmt.Sprintf("holds a line separator (U+%04X) at byte %d", r, i)
		}
	}
	return ""
}

// TextRuneProblem is NameRuneProblem for prose (summaries, descriptions,
// messages): line breaks and tabs are allowed, and so are the joiners
// some scripts and emoji need; other control characters and the
// characters of invisible are not.
func TextRuneProblem(s string) string {
	for i, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
		case r == '\uFFFD':
			return fmt.Sprintf("holds an invalid or replacement character at byte %d", i)
		case unicode.Is(unicode.Cc, r):
			return fmt.Sprintf("holds a control character (U+%04X) at byte %d", r, i)
		case invisible(r):
			return fmt.Sprintf("holds an invisible formatting character (U+%04X) at byte %d", r, i)
		}
	}
	return ""
}

// checkName adds a problem when s holds a character NameRuneProblem
// refuses.
func checkName(p *Problems, field, s string) {
	if why := NameRuneProblem(s); why != "" {
		p.Add(field, "%s", why)
	}
}

// checkText adds a problem when s holds a character TextRuneProblem
// refuses.
func checkText(p *Problems, field, s string) {
	if why := TextRuneProblem(s); why != "" {
		p.Add(field, "%s", why)
	}
}
