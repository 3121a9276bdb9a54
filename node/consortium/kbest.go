package consortium

import (
	"container/heap"
	"math/bits"
	"sort"
	"strconv"
	"strings"
)

// DefaultBudget is the number of branch-and-bound search nodes that Auto
// mode spends on one request before it falls back to the heuristic.
const DefaultBudget = 10000

// Suggest returns up to r.K alternative consortia for r, best first.
// It fails only on an invalid request (a *node.Error with field errors).
func (x *Index) Suggest(r Request) (*Result, error) {
	needs, err := normalizeRequest(&r)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Needs:       needs,
		Uncoverable: []Need{},
		Criteria:    criteria(r.CrossBorder),
		Method:      MethodExact,
		Suggestions: []Suggestion{},
	}
	pl := newPlace(r)
	masks := x.relevant(needs)
	res.Candidates = len(masks)
	included := map[int32]bool{}
	for _, id := range r.Include {
		if ix, ok := x.byID[id]; ok {
			included[ix] = true
			if _, ok := masks[ix]; !ok {
				masks[ix] = 0
			}
		}
	}
	countries := map[string]int{}
	cs := make([]cand, 0, len(masks))
	var fixed []cand
	var target uint64
	for ix, m := range masks {
		e := &x.cands[ix]
		c := cand{ix: ix, id: e.ID, mask: m, code: e.Country, lang: pl.language(e), prox: pl.proximity(e)}
		if c.lang != "" {
			c.q = languageWeight
		}
		c.q += int64(c.prox.Points())
		n, ok := countries[e.Country]
		if !ok {
			n = len(countries)
			countries[e.Country] = n
		}
		c.country = n
		if included[ix] {
			fixed = append(fixed, c)
		} else {
			cs = append(cs, c)
		}
		target |= m
	}
	for i, n := range needs {
		if target&(1<<uint(i)) == 0 {
			res.Uncoverable = append(res.Uncoverable, n)
		}
	}
	if target == 0 && len(fixed) == 0 {
		return res, nil
	}
	// The included candidates come first, in a stable order; they are
	// forced into every consortium.
	sort.Slice(fixed, func(a, b int) bool { return fixed[a].ix < fixed[b].ix })
	root := make([]int32, len(fixed))
	for i := range root {
		root[i] = int32(i)
	}
	cs = append(fixed, reduce(cs, r.K, bits.OnesCount64(target)+len(fixed), r.CrossBorder)...)
	p := newProblem(cs, target, r.CrossBorder)
	p.fixed = len(fixed)
	if r.Budget <= 0 {
		r.Budget = DefaultBudget
	}
	sols, exact := p.kbest(r.K, r.Mode, r.Budget, root)
	if !exact {
		res.Method = MethodHeuristic
	}
	for _, sol := range sols {
		res.Suggestions = append(res.Suggestions, x.explain(p, sol, needs, res.Uncoverable))
	}
	sort.SliceStable(res.Suggestions, func(a, b int) bool {
		c, _ := res.Suggestions[a].Score.Compare(res.Suggestions[b].Score, r.CrossBorder)
		return c < 0
	})
	for i := range res.Suggestions {
		s := &res.Suggestions[i]
		s.Rank = i + 1
		if i > 0 {
			_, s.DecidedBy = s.Score.Compare(res.Suggestions[i-1].Score, r.CrossBorder)
		}
		s.Summary = summary(s)
	}
	return res, nil
}

// sub is a subproblem of Lawler's k-best procedure: the covers that hold
// every forced candidate and no banned one, with the cheapest of them.
type sub struct {
	forced, banned []int32
	sol            []int32
	cost           int64
	key            string
}

type subHeap []*sub

func (h subHeap) Len() int { return len(h) }
func (h subHeap) Less(i, j int) bool {
	if h[i].cost != h[j].cost {
		return h[i].cost < h[j].cost
	}
	return h[i].key < h[j].key
}
func (h subHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *subHeap) Push(v any)   { *h = append(*h, v.(*sub)) }
func (h *subHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

// kbest returns up to k irredundant covers, cheapest first, by Lawler's
// procedure: take the cheapest cover S = forced ∪ {m1..mt} of a
// subproblem; its remaining covers split into t disjoint subproblems, the
// j-th forcing m1..m(j−1) and banning mj; solve each and repeat with the
// cheapest. With an exact solver the output is the exact k best; with
// the heuristic solver it is a set of good, distinct alternatives.
// Covers in which a forced member became redundant are skipped (a
// consortium never carries a useless co-op) but still split.
func (p *problem) kbest(k int, mode Mode, budget int, root []int32) ([][]int32, bool) {
	allExact := mode != Heuristic
	solve := func(forced, banned []int32, floor int64) *sub {
		ban := make([]bool, len(p.cs))
		for _, i := range banned {
			ban[i] = true
		}
		var sol []int32
		var ok bool
		switch {
		case mode == Heuristic:
			sol, ok = p.greedy(forced, ban)
		case mode == Exact:
			unlimited := int(^uint(0) >> 1)
			sol, ok, _ = p.exact(forced, ban, &unlimited, floor)
		case budget > 0:
			var exact bool
			sol, ok, exact = p.exact(forced, ban, &budget, floor)
			allExact = allExact && exact
		default:
			sol, ok = p.greedy(forced, ban)
			allExact = false
		}
		if !ok {
			return nil
		}
		return &sub{forced: forced, banned: banned, sol: sol, cost: p.cost(sol), key: setKey(p, sol)}
	}
	h := &subHeap{}
	if s := solve(root, nil, 0); s != nil {
		heap.Push(h, s)
	}
	var out [][]int32
	seen := map[string]bool{}
	for pops := 0; len(out) < k && h.Len() > 0 && pops < 4*k+8; pops++ {
		s := heap.Pop(h).(*sub)
		if !seen[s.key] && p.irredundant(s.sol) {
			seen[s.key] = true
			out = append(out, s.sol)
		}
		if len(out) == k {
			break
		}
		free := make([]int32, 0, len(s.sol))
		forced := map[int32]bool{}
		for _, i := range s.forced {
			forced[i] = true
		}
		for _, i := range s.sol {
			if !forced[i] {
				free = append(free, i)
			}
		}
		for j, m := range free {
			f := append(append([]int32(nil), s.forced...), free[:j]...)
			b := append(append([]int32(nil), s.banned...), m)
			if c := solve(f, b, s.cost); c != nil {
				heap.Push(h, c)
			}
		}
	}
	if h.Len() > 0 && len(out) < k {
		allExact = false // pop limit reached
	}
	return out, allExact
}

// setKey identifies a set of candidates independently of order.
func setKey(p *problem, set []int32) string {
	ids := make([]string, len(set))
	for i, c := range set {
		ids[i] = p.cs[c].id + "\x00" + strconv.Itoa(int(p.cs[c].ix))
	}
	sort.Strings(ids)
	return strings.Join(ids, "\x01")
}
