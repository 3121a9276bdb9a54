package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	cssVar     = regexp.MustCompile(`--([a-z-]+):\s*#([0-9a-fA-F]{6})\s*;`)
	cssRule    = regexp.MustCompile(`(?s)([^{}]+)\{([^{}]*)\}`)
	cssColor   = regexp.MustCompile(`(?:^|[;\s])color:\s*var\(--([a-z-]+)\)`)
	cssBg      = regexp.MustCompile(`background-color:\s*var\(--([a-z-]+)\)`)
	cssOutline = regexp.MustCompile(`outline(?:-color)?:[^;]*var\(--([a-z-]+)\)`)
	cssBorder  = regexp.MustCompile(`border(?:-color)?:[^;]*var\(--([a-z-]+)\)`)
	cssHex     = regexp.MustCompile(`#[0-9a-fA-F]{3,6}\b`)
)

// luminance is the WCAG 2.2 relative luminance of an sRGB colour.
func luminance(hex string) float64 {
	var c [3]float64
	for i := range c {
		v, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		s := float64(v) / 255
		if s <= 0.04045 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// contrast is the WCAG contrast ratio of two colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrastFormula(t *testing.T) {
	if got := contrast("000000", "ffffff"); math.Abs(got-21) > 0.01 {
		t.Errorf("contrast(black, white) = %.2f, want 21", got)
	}
	if got := contrast("777777", "ffffff"); got > 4.5 {
		t.Errorf("contrast(#777, white) = %.2f, want < 4.5", got)
	}
}

// TestPaletteContrast reads the stylesheet, and for every rule checks its
// text colour against its background (or the background it sits on:
// the page's, the header's inside header.site, the card's inside .card)
// at 4.5:1, and its focus outline and control borders at 3:1.
func TestPaletteContrast(t *testing.T) {
	b, err := staticFS.ReadFile("static/etoiles.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(b), "")
	palette := map[string]string{}
	for _, m := range cssVar.FindAllStringSubmatch(css, -1) {
		palette[m[1]] = strings.ToLower(m[2])
	}
	if len(palette) < 8 {
		t.Fatalf("palette has %d colours; the parser is broken", len(palette))
	}
	// Colours only through the palette: a literal outside :root is a bug.
	rootEnd := strings.Index(css, "}")
	if lit := cssHex.FindString(css[rootEnd:]); lit != "" {
		t.Errorf("stylesheet uses the literal colour %s outside the palette", lit)
	}
	get := func(name string) string {
		v, ok := palette[name]
		if !ok {
			t.Errorf("var(--%s) is not in the palette", name)
			return "000000"
		}
		return v
	}
	checked := 0
	check := func(selector, what, fg, bg string, min float64) {
		checked++
		if r := contrast(get(fg), get(bg)); r < min {
			t.Errorf("%s: %s --%s on --%s has contrast %.2f:1, want at least %.1f:1", selector, what, fg, bg, r, min)
		}
	}
	for _, m := range cssRule.FindAllStringSubmatch(css, -1) {
		selector, body := strings.TrimSpace(m[1]), m[2]
		if strings.HasPrefix(selector, ":root") || strings.HasPrefix(selector, "@") {
			continue
		}
		ctxBg, ctxFg := "bg", "fg"
		switch {
		case strings.Contains(selector, "header.site"):
			ctxBg, ctxFg = "brand", "brand-fg"
		case strings.Contains(selector, ".card"):
			ctxBg = "surface"
		case strings.Contains(selector, ".error-summary"):
			ctxBg = "error-bg"
		case strings.Contains(selector, "footer"):
			ctxBg = "surface"
		}
		fg, bg := ctxFg, ctxBg
		fgm, bgm := cssColor.FindStringSubmatch(body), cssBg.FindStringSubmatch(body)
		if fgm != nil {
			fg = fgm[1]
		}
		if bgm != nil {
			bg = bgm[1]
		}
		if fgm != nil || bgm != nil {
			check(selector, "text", fg, bg, 4.5)
		}
		if o := cssOutline.FindStringSubmatch(body); o != nil {
			// A focus ring must stand out from what it sits on.
			around := []string{ctxBg}
			if ctxBg == "bg" {
				around = append(around, "surface")
			}
			for _, around := range around {
				check(selector, "focus outline", o[1], around, 3)
			}
		}
		if bd := cssBorder.FindStringSubmatch(body); bd != nil {
			check(selector, "border", bd[1], ctxBg, 3)
		}
	}
	// Links sit on the page, on cards and in the error summary.
	for _, bg := range []string{"bg", "surface"} {
		check("a", "link", "link", bg, 4.5)
	}
	if checked < 20 {
		t.Errorf("checked %d pairs; the parser is broken", checked)
	}
	t.Logf("checked %d colour pairs", checked)
}
