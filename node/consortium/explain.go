package consortium

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// explain turns a cover into a Suggestion: who covers which need with
// which competence, and the score.
func (x *Index) explain(p *problem, sol []int32, needs, missing []Need) Suggestion {
	s := Suggestion{
		Complete: len(missing) == 0,
		Missing:  missing,
		Members:  make([]Member, 0, len(sol)),
	}
	// How many members cover each need, for Cover.Unique.
	var times [MaxNeeds]int
	for _, i := range sol {
		for m := p.cs[i].mask; m != 0; m &= m - 1 {
			times[bits.TrailingZeros64(m)]++
		}
	}
	countries := map[string]bool{}
	for _, i := range sol {
		c := &p.cs[i]
		e := &x.cands[c.ix]
		mem := Member{
			ID: e.ID, Name: e.Name, Node: e.Node, Country: e.Country,
			Language: c.lang, Proximity: c.prox, Covers: []Cover{}, Included: int(i) < p.fixed,
		}
		for k, n := range needs {
			if c.mask&(1<<uint(k)) == 0 {
				continue
			}
			comp, match := bestMatch(e.Competences, n.CPV)
			mem.Covers = append(mem.Covers, Cover{
				Lot: n.Lot, Required: n.CPV, Competence: comp, Match: match, Unique: times[k] == 1,
			})
		}
		s.Members = append(s.Members, mem)
		countries[e.Country] = true
		if c.lang != "" {
			s.Score.InLanguage++
		}
		s.Score.Proximity += c.prox.Points()
	}
	// Included members first, then in the order of the first need they
	// cover uniquely, then by id.
	first := func(m Member) string {
		if m.Included {
			return ""
		}
		for _, c := range m.Covers {
			if c.Unique {
				return c.Lot + "\x00" + c.Required
			}
		}
		return "\xff"
	}
	sort.SliceStable(s.Members, func(a, b int) bool {
		fa, fb := first(s.Members[a]), first(s.Members[b])
		if fa != fb {
			return fa < fb
		}
		return s.Members[a].ID < s.Members[b].ID
	})
	s.Score.Needs = len(needs)
	s.Score.Covered = len(needs) - len(missing)
	s.Score.Members = len(sol)
	s.Score.Countries = len(countries)
	return s
}

// bestMatch returns the competence that covers required best: the same
// code, else the most specific narrower one, else the nearest broader one.
func bestMatch(comps []string, required string) (string, node.CPVMatch) {
	best, bestMatch, rank := "", node.CPVNoMatch, 0
	for _, c := range comps {
		m := node.CPVMatchNormalized(c, required)
		r := 0
		switch m {
		case node.CPVExact:
			r = 100
		case node.CPVNarrower:
			r = 50 - len(node.CPVPrefix(c))
		case node.CPVBroader:
			r = 10 + len(node.CPVPrefix(c))
		}
		if r > rank {
			best, bestMatch, rank = c, m, r
		}
	}
	return best, bestMatch
}

// summary writes the explanation as one English sentence.
func summary(s *Suggestion) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d: %d co-op", s.Rank, s.Score.Members)
	if s.Score.Members != 1 {
		b.WriteString("s")
	}
	fmt.Fprintf(&b, " from %d countr", s.Score.Countries)
	if s.Score.Countries == 1 {
		b.WriteString("y")
	} else {
		b.WriteString("ies")
	}
	fmt.Fprintf(&b, " cover %d of %d needs", s.Score.Covered, s.Score.Needs)
	var parts []string
	for _, m := range s.Members {
		var codes []string
		for _, c := range m.Covers {
			code := c.Required
			if c.Lot != "" {
				code = c.Lot + ":" + code
			}
			codes = append(codes, code)
		}
		who := m.Name
		if who == "" {
			who = m.ID
		}
		if m.Included {
			who += " (included)"
		}
		parts = append(parts, fmt.Sprintf("%s (%s) %s", who, m.Country, strings.Join(codes, ",")))
	}
	fmt.Fprintf(&b, " [%s]; %d work in the opportunity's language; proximity %d",
		strings.Join(parts, "; "), s.Score.InLanguage, s.Score.Proximity)
	switch s.DecidedBy {
	case "":
	case Tie:
		b.WriteString("; scores the same as the previous suggestion")
	default:
		fmt.Fprintf(&b, "; ranked below the previous suggestion on %s", s.DecidedBy)
	}
	if len(s.Missing) > 0 {
		fmt.Fprintf(&b, "; %d needs no co-op covers", len(s.Missing))
	}
	return b.String()
}
