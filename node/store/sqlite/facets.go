package sqlite

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// Facet tokens are written to the facets column of members_fts. They start
// with "zz" and hold only letters and digits, so the unicode61 tokenizer
// keeps each one whole and no word of a summary can collide with them.
const (
	facetCountry = "zzc"
	facetRegion  = "zzr"
	facetCPV     = "zzcpv"
	facetLang    = "zzl"
	facetOrigin  = "zzo"
	// facetPublic marks a member shown in the public directory.
	facetPublic = "zzpublic"
)

func token(prefix, value string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range strings.ToLower(value) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// originToken names an origin: "local", or a short hash of a peer's actor URL.
func originToken(origin string) string {
	if origin == "" {
		return facetOrigin + "local"
	}
	sum := sha256.Sum256([]byte(origin))
	return facetOrigin + hex.EncodeToString(sum[:8])
}

// facets returns the facet tokens of a member: every CPV prefix of its
// competences (72, 724, 7241, 72413), its region and the region's parents
// (fr, fr1, fr10, fr101), its languages with and without region, its
// country and origin. Only active members are indexed, so status needs no
// token.
func facets(m *node.Member) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	add(token(facetCountry, m.Country))
	add(originToken(m.Origin))
	if m.InDirectory {
		add(facetPublic)
	}
	if m.Origin != "" {
		add(facetOrigin + "remote")
	}
	for i := 2; i <= len(m.Region); i++ {
		add(token(facetRegion, m.Region[:i]))
	}
	for _, c := range m.Competences {
		p := node.CPVPrefix(c)
		for i := 2; i <= len(p); i++ {
			add(token(facetCPV, p[:i]))
		}
	}
	for _, l := range m.Languages {
		add(token(facetLang, strings.SplitN(l, "-", 2)[0]))
		add(token(facetLang, l))
	}
	return out
}
