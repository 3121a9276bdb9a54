package consortium

import (
	"sort"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// Index holds the candidates of a catalogue, indexed by competence so that
// a request only looks at the co-ops that cover one of its needs. It is
// read-only once built and safe for concurrent use.
type Index struct {
	cands []entry
	// byPrefix maps every prefix (two digits or more) of a competence's
	// significant prefix to the candidates holding such a competence:
	// the candidates whose competence equals or lies below a code.
	byPrefix map[string][]int32
	// byCode maps a competence code to the candidates holding it: the
	// candidates whose competence is a given ancestor of a need.
	byCode map[string][]int32
	byID   map[string]int32
}

type entry struct {
	Candidate
	langs []string // primary language subtags, lower case
}

// NewIndex normalises the candidates (invalid CPV codes are skipped) and
// indexes them. It keeps its own copy of the slices it changes.
func NewIndex(cands []Candidate) *Index {
	x := &Index{
		cands:    make([]entry, 0, len(cands)),
		byPrefix: make(map[string][]int32),
		byCode:   make(map[string][]int32),
		byID:     make(map[string]int32, len(cands)),
	}
	for _, c := range cands {
		e := entry{Candidate: c}
		e.Country = strings.ToUpper(strings.TrimSpace(c.Country))
		e.Regions = make([]string, 0, len(c.Regions))
		for _, r := range c.Regions {
			if r = strings.ToUpper(strings.TrimSpace(r)); r != "" {
				e.Regions = append(e.Regions, r)
			}
		}
		for _, l := range c.Languages {
			e.langs = append(e.langs, primaryLanguage(l))
		}
		e.Competences = make([]string, 0, len(c.Competences))
		for _, comp := range c.Competences {
			if n, ok := node.NormalizeCPV(comp); ok && !contains(e.Competences, n) {
				e.Competences = append(e.Competences, n)
			}
		}
		i := int32(len(x.cands))
		x.cands = append(x.cands, e)
		if _, dup := x.byID[e.ID]; !dup {
			x.byID[e.ID] = i
		}
		for _, comp := range e.Competences {
			x.byCode[comp] = appendOnce(x.byCode[comp], i)
			p := node.CPVPrefix(comp)
			for l := 2; l <= len(p); l++ {
				x.byPrefix[p[:l]] = appendOnce(x.byPrefix[p[:l]], i)
			}
		}
	}
	return x
}

// Len returns the number of candidates.
func (x *Index) Len() int { return len(x.cands) }

// Suggest builds an index of cands and returns the suggestions for r. To
// answer many requests on the same catalogue, build the Index once.
func Suggest(cands []Candidate, r Request) (*Result, error) {
	return NewIndex(cands).Suggest(r)
}

func appendOnce(s []int32, i int32) []int32 {
	if len(s) > 0 && s[len(s)-1] == i {
		return s
	}
	return append(s, i)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func primaryLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// relevant returns, for each candidate that covers at least one need, the
// set of needs it covers (bit i = needs[i]). This is the pre-filter: only
// the index entries of the needs' codes and their group-level ancestors
// are read.
func (x *Index) relevant(needs []Need) map[int32]uint64 {
	masks := make(map[int32]uint64)
	for i, n := range needs {
		bit := uint64(1) << uint(i)
		for _, c := range x.byPrefix[node.CPVPrefix(n.CPV)] {
			masks[c] |= bit
		}
		for _, a := range node.CPVAncestors(n.CPV) {
			if len(node.CPVPrefix(a)) < node.CPVMinBroaderPrefix {
				break
			}
			for _, c := range x.byCode[a] {
				masks[c] |= bit
			}
		}
	}
	return masks
}

// place is the normalised place of performance and languages of a request.
type place struct {
	langs   []string // primary subtags
	tags    []string // the request's tags, same order
	country string
	region  string
}

func newPlace(r Request) place {
	p := place{country: r.Country, region: r.Region}
	for _, l := range r.Languages {
		if l = strings.TrimSpace(l); l != "" {
			p.langs = append(p.langs, primaryLanguage(l))
			p.tags = append(p.tags, l)
		}
	}
	return p
}

// language returns the request language the candidate works in, or "".
func (p place) language(e *entry) string {
	for i, l := range p.langs {
		for _, cl := range e.langs {
			if cl == l {
				return p.tags[i]
			}
		}
	}
	return ""
}

// proximity returns how near the candidate works to the place: the best
// over its regions, and at least SameCountry for a co-op of the country.
func (p place) proximity(e *entry) Proximity {
	best := Abroad
	if p.country != "" && e.Country == p.country {
		best = SameCountry
	}
	if len(p.region) < 2 {
		return best
	}
	for _, r := range e.Regions {
		n := 0
		for n < len(r) && n < len(p.region) && n < 5 && r[n] == p.region[n] {
			n++
		}
		var lvl Proximity
		switch {
		case n >= 5:
			lvl = SameNUTS3
		case n == 4 && len(p.region) >= 4 && len(r) >= 4:
			lvl = SameNUTS2
		case n == 3 && len(p.region) >= 3 && len(r) >= 3:
			lvl = SameNUTS1
		case n >= 2:
			lvl = SameCountry
		default:
			continue
		}
		if lvl.Points() > best.Points() {
			best = lvl
		}
	}
	return best
}

// reduce drops candidates that cannot appear in the k best consortia of
// at most maxSize members. Candidates covering the same set of needs are
// interchangeable, and an irredundant consortium holds at most one of
// them. Sorted best first, a candidate x is dropped when k others of its
// group rank before it and could replace it without losing a country:
// without the cross-border criterion any k before it do; with it, those
// from x's own country or from none of the maxSize−1 countries that the
// other members could occupy (the adversary takes the countries holding
// most of them). Each such replacement gives a distinct consortium at
// least as good, so the k best never need x.
func reduce(cs []cand, k, maxSize int, byCountry bool) []cand {
	groups := make(map[uint64][]int)
	for i, c := range cs {
		groups[c.mask] = append(groups[c.mask], i)
	}
	out := make([]cand, 0, len(cs))
	nc := 0
	for i := range cs {
		nc = max(nc, cs[i].country+1)
	}
	// cnt counts the candidates seen per country; order lists the
	// countries by decreasing count, pos is each country's place in it.
	cnt, order, pos := make([]int, nc), make([]int, nc), make([]int, nc)
	for _, idx := range groups {
		sort.Slice(idx, func(a, b int) bool { return better(&cs[idx[a]], &cs[idx[b]]) })
		if !byCountry {
			for _, i := range idx[:min(k, len(idx))] {
				out = append(out, cs[i])
			}
			continue
		}
		for c := range nc {
			cnt[c], order[c], pos[c] = 0, c, c
		}
		for n, i := range idx {
			c := cs[i].country
			blocked, taken := 0, 0
			for _, o := range order {
				if taken == maxSize-1 || cnt[o] == 0 {
					break
				}
				if o != c {
					blocked += cnt[o]
					taken++
				}
			}
			if n-blocked < k {
				out = append(out, cs[i])
			}
			cnt[c]++
			for p := pos[c]; p > 0 && cnt[order[p-1]] < cnt[c]; p-- {
				o := order[p-1]
				order[p-1], order[p] = c, o
				pos[c], pos[o] = p-1, p
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ix < out[b].ix })
	return out
}

// better orders candidates by individual quality, then by id.
func better(a, b *cand) bool {
	if a.q != b.q {
		return a.q > b.q
	}
	if a.id != b.id {
		return a.id < b.id
	}
	return a.ix < b.ix
}
