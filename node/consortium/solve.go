package consortium

import (
	"math/bits"
	"sort"
)

// Weights turn the lexicographic ranking into one additive integer cost,
// so that the search is a weighted set cover. With at most MaxNeeds
// members (an irredundant consortium has at most one member per need):
//
//	cost(X) = |X|·sizeWeight − countryWeight·countries(X) − Σ q(c)
//	q(c)    = languageWeight·[c works in the language] + proximity points
//
// Σ proximity ≤ 4·64 < languageWeight, Σ q < countryWeight and
// countryWeight·64 + Σ q < sizeWeight, so fewer members always wins, then
// (cross-border) more countries, then more members in the language, then
// more proximity points. Each member adds a positive cost, so an optimal
// consortium never holds a member it could drop.
const (
	languageWeight = 4*MaxNeeds + 1
	countryWeight  = 1 << 15
	sizeWeight     = 1 << 22
)

// cand is a candidate as the search sees it.
type cand struct {
	ix      int32  // position in the Index
	id      string // Candidate.ID, for deterministic ties
	mask    uint64 // needs covered
	q       int64  // individual quality (see the weights)
	country int    // country number within the request
	code    string // country code
	lang    string
	prox    Proximity
}

// problem is one weighted set cover instance.
type problem struct {
	cs     []cand
	target uint64
	byNeed [MaxNeeds][]int32 // candidates covering each need
	// single and multi split byNeed: candidates covering only that need,
	// best quality first, and those covering several.
	single, multi [MaxNeeds][]int32
	div           bool // count countries (cross-border)
	nCountries    int
	// fixed is the number of included candidates, the first of cs: they
	// belong to every consortium, useful or not.
	fixed int
}

func newProblem(cs []cand, target uint64, div bool) *problem {
	p := &problem{cs: cs, target: target, div: div}
	for i := range cs {
		m := cs[i].mask
		for m != 0 {
			e := bits.TrailingZeros64(m)
			m &= m - 1
			p.byNeed[e] = append(p.byNeed[e], int32(i))
		}
		if cs[i].country >= p.nCountries {
			p.nCountries = cs[i].country + 1
		}
	}
	for e := range p.byNeed {
		for _, i := range p.byNeed[e] {
			if bits.OnesCount64(cs[i].mask&target) == 1 {
				p.single[e] = append(p.single[e], i)
			} else {
				p.multi[e] = append(p.multi[e], i)
			}
		}
		sort.Slice(p.single[e], func(a, b int) bool { return better(&cs[p.single[e][a]], &cs[p.single[e][b]]) })
	}
	return p
}

// lowest returns the smallest cost per newly covered need of the
// candidates that may still cover need e (not banned, not chosen), and
// false when none may. The cost of adding a candidate now bounds its cost
// later, as countries present stay present. Single-need candidates are
// sorted by quality, so their scan stops at the first one that is
// allowed and brings a new country (or at the first allowed one when
// countries do not count).
func (p *problem) lowest(s *state, e int, rest uint64, ban []int) (float64, bool) {
	low, any := 0.0, false
	for _, i := range p.single[e] {
		if ban[i] > 0 || s.in[i] {
			continue
		}
		r := float64(p.inc(s, i))
		if !any || r < low {
			low, any = r, true
		}
		if !p.div || s.count[p.cs[i].country] == 0 {
			break
		}
	}
	for _, i := range p.multi[e] {
		if ban[i] > 0 || s.in[i] {
			continue
		}
		r := float64(p.inc(s, i)) / float64(bits.OnesCount64(p.cs[i].mask&rest))
		if !any || r < low {
			low, any = r, true
		}
	}
	return low, any
}

// state is a partial consortium.
type state struct {
	chosen  []int32
	covered uint64
	cost    int64
	count   []int // members per country
	in      []bool
}

func (p *problem) newState() *state {
	return &state{count: make([]int, p.nCountries), in: make([]bool, len(p.cs))}
}

// inc is the cost of adding candidate i to s.
func (p *problem) inc(s *state, i int32) int64 {
	c := &p.cs[i]
	v := sizeWeight - c.q
	if p.div && s.count[c.country] == 0 {
		v -= countryWeight
	}
	return v
}

func (p *problem) add(s *state, i int32) {
	s.cost += p.inc(s, i)
	s.chosen = append(s.chosen, i)
	s.covered |= p.cs[i].mask
	s.count[p.cs[i].country]++
	s.in[i] = true
}

// pop removes the last chosen candidate.
func (p *problem) pop(s *state) {
	i := s.chosen[len(s.chosen)-1]
	s.chosen = s.chosen[:len(s.chosen)-1]
	s.count[p.cs[i].country]--
	s.in[i] = false
	s.cost -= p.inc(s, i)
	s.covered = 0
	for _, j := range s.chosen {
		s.covered |= p.cs[j].mask
	}
}

// cost returns the cost of a set of candidates.
func (p *problem) cost(set []int32) int64 {
	var v int64
	for k, i := range set {
		c := &p.cs[i]
		v += sizeWeight - c.q
		if !p.div {
			continue
		}
		fresh := true
		for _, j := range set[:k] {
			if p.cs[j].country == c.country {
				fresh = false
				break
			}
		}
		if fresh {
			v -= countryWeight
		}
	}
	return v
}

// covers reports whether set covers the target.
func (p *problem) covers(set []int32) bool {
	var m uint64
	for _, i := range set {
		m |= p.cs[i].mask
	}
	return m&p.target == p.target
}

// irredundant reports whether every member of set, included ones apart,
// covers a need that no other member covers.
func (p *problem) irredundant(set []int32) bool {
	for k := range set {
		if int(set[k]) < p.fixed {
			continue
		}
		var others uint64
		for j, i := range set {
			if j != k {
				others |= p.cs[i].mask
			}
		}
		if others&p.target == p.target {
			return false
		}
	}
	return true
}

// greedy completes forced into a cover with the classic weighted greedy
// rule (cheapest cost per newly covered need), then improves it locally.
// It returns false when no cover avoids banned.
func (p *problem) greedy(forced []int32, banned []bool) ([]int32, bool) {
	s := p.newState()
	for _, i := range forced {
		p.add(s, i)
	}
	for s.covered&p.target != p.target {
		best, bestInc, bestN := int32(-1), int64(0), 0
		for i := range p.cs {
			if banned[i] || s.in[i] {
				continue
			}
			n := bits.OnesCount64(p.cs[i].mask & p.target &^ s.covered)
			if n == 0 {
				continue
			}
			v := p.inc(s, int32(i))
			if best < 0 || v*int64(bestN) < bestInc*int64(n) ||
				v*int64(bestN) == bestInc*int64(n) && better(&p.cs[i], &p.cs[best]) {
				best, bestInc, bestN = int32(i), v, n
			}
		}
		if best < 0 {
			return nil, false
		}
		p.add(s, best)
	}
	return p.improve(s.chosen, len(forced), banned), true
}

// improve applies local moves to a cover whose first nforced members are
// fixed, until none lowers its cost: drop a member that others make
// redundant, replace two members by one, replace one member by a
// cheaper one.
func (p *problem) improve(set []int32, nforced int, banned []bool) []int32 {
	set = append([]int32(nil), set...)
	cur := p.cost(set)
	for round := 0; round < 16; round++ {
		changed := false
		// Drop redundant members, the most expensive first.
		for k := len(set) - 1; k >= nforced; k-- {
			t := without(set, k)
			if p.covers(t) {
				if c := p.cost(t); c < cur {
					set, cur, changed = t, c, true
				}
			}
		}
		// Two members by one, then one by one.
		for _, width := range []int{2, 1} {
			if t, c, ok := p.bestReplacement(set, nforced, width, banned, cur); ok {
				set, cur, changed = t, c, true
			}
		}
		if !changed {
			break
		}
	}
	return set
}

// bestReplacement finds the best move replacing width (1 or 2) free
// members of set by one candidate outside it.
func (p *problem) bestReplacement(set []int32, nforced, width int, banned []bool, cur int64) ([]int32, int64, bool) {
	in := make(map[int32]bool, len(set))
	for _, i := range set {
		in[i] = true
	}
	var best []int32
	bestCost := cur
	try := func(rest []int32) {
		var m uint64
		for _, i := range rest {
			m |= p.cs[i].mask
		}
		need := p.target &^ m
		for i := range p.cs {
			if banned[i] || in[int32(i)] || p.cs[i].mask&need != need {
				continue
			}
			t := append(append([]int32(nil), rest...), int32(i))
			if c := p.cost(t); c < bestCost {
				best, bestCost = t, c
			}
		}
	}
	for a := nforced; a < len(set); a++ {
		if width == 1 {
			try(without(set, a))
			continue
		}
		for b := a + 1; b < len(set); b++ {
			try(without(without(set, b), a))
		}
	}
	return best, bestCost, best != nil
}

func without(set []int32, k int) []int32 {
	t := make([]int32, 0, len(set)-1)
	t = append(t, set[:k]...)
	return append(t, set[k+1:]...)
}

// exact finds a cheapest cover that contains forced and avoids banned, by
// branch and bound: branch on the uncovered need with the fewest
// candidates (each branch excludes the candidates of the branches before
// it, so no set is visited twice), bound by the fractional lower bound
// Σ over uncovered needs of min cost(c)/|c ∩ uncovered|, starting from the
// greedy cover as upper bound. floor is a known lower bound on the
// answer (the cost of the parent subproblem's cover in the k-best
// procedure): a cover that costs floor ends the search. It spends at most
// *budget search nodes and returns exact=false when the budget ran out
// (the best cover found so far is then returned).
func (p *problem) exact(forced []int32, banned []bool, budget *int, floor int64) (sol []int32, ok, exact bool) {
	best, ok := p.greedy(forced, banned)
	if !ok {
		return nil, false, true
	}
	bestCost := p.cost(best)
	if bestCost <= floor {
		return best, true, true
	}
	ban := make([]int, len(p.cs))
	for i, b := range banned {
		if b {
			ban[i] = 1
		}
	}
	s := p.newState()
	for _, i := range forced {
		p.add(s, i)
	}
	exact = true
	var dfs func()
	dfs = func() {
		if bestCost <= floor {
			return // nothing can be cheaper
		}
		if *budget <= 0 {
			exact = false
			return
		}
		*budget--
		rest := p.target &^ s.covered
		if rest == 0 {
			if s.cost < bestCost {
				best, bestCost = append([]int32(nil), s.chosen...), s.cost
			}
			return
		}
		// Lower bound, and the need with the fewest candidates.
		var lb float64
		branch, fewest := -1, 0
		for m := rest; m != 0; m &= m - 1 {
			e := bits.TrailingZeros64(m)
			low, ok := p.lowest(s, e, rest, ban)
			if !ok {
				return // this need can no longer be covered
			}
			lb += low
			if n := len(p.byNeed[e]); branch < 0 || n < fewest {
				branch, fewest = e, n
			}
		}
		if float64(s.cost)+lb >= float64(bestCost)-0.5 {
			return
		}
		// Branch: cheapest per newly covered need first.
		type option struct {
			i int32
			r float64
		}
		opts := make([]option, 0, fewest)
		for _, i := range p.byNeed[branch] {
			if ban[i] == 0 && !s.in[i] {
				opts = append(opts, option{i, float64(p.inc(s, i)) / float64(bits.OnesCount64(p.cs[i].mask&rest))})
			}
		}
		sort.Slice(opts, func(x, y int) bool {
			if opts[x].r != opts[y].r {
				return opts[x].r < opts[y].r
			}
			return better(&p.cs[opts[x].i], &p.cs[opts[y].i])
		})
		for k, o := range opts {
			p.add(s, o.i)
			dfs()
			p.pop(s)
			ban[o.i]++ // later branches exclude this candidate
			if !exact {
				for _, o := range opts[:k+1] {
					ban[o.i]--
				}
				return
			}
		}
		for _, o := range opts {
			ban[o.i]--
		}
	}
	dfs()
	return best, true, exact
}
