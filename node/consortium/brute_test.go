package consortium_test

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/consortium"
	"github.com/google/go-cmp/cmp"
)

// A small CPV tree: divisions, groups, classes and leaves of two
// divisions, so that exact, narrower and broader matches all occur.
var randomCodes = []string{
	"72000000", "72400000", "72410000", "72413000", "72415000", "72500000", "72510000",
	"79000000", "79300000", "79340000", "79341000", "79341400", "79800000", "79822500",
	"92111000",
}

var randomRegions = map[string][]string{
	"FR": {"FR101", "FR102", "FR10", "FRK26", "FR"},
	"IT": {"ITC4C", "ITC45", "ITI43"},
	"ES": {"ES300", "ES511"},
	"DE": {"DE300"},
}

var randomCountries = []string{"FR", "IT", "ES", "DE"}
var randomLanguages = []string{"fr", "it", "es", "de", "en"}

type randomCase struct {
	cands []consortium.Candidate
	req   consortium.Request
}

func newRandomCase(rng *rand.Rand, n int) randomCase {
	return newRandomCaseFrom(rng, n, randomCodes)
}

func newRandomCaseFrom(rng *rand.Rand, n int, randomCodes []string) randomCase {
	var rc randomCase
	for i := 0; i < n; i++ {
		country := randomCountries[rng.IntN(len(randomCountries))]
		c := consortium.Candidate{ID: fmt.Sprintf("c%02d", i), Country: country}
		for range 1 + rng.IntN(3) {
			c.Competences = append(c.Competences, randomCodes[rng.IntN(len(randomCodes))])
		}
		regs := randomRegions[country]
		c.Regions = []string{regs[rng.IntN(len(regs))]}
		for _, l := range randomLanguages {
			if rng.IntN(3) == 0 {
				c.Languages = append(c.Languages, l)
			}
		}
		rc.cands = append(rc.cands, c)
	}
	for range 1 + rng.IntN(5) {
		n := consortium.Need{CPV: randomCodes[rng.IntN(len(randomCodes))]}
		if rng.IntN(3) == 0 {
			n.Lot = fmt.Sprintf("LOT-%d", 1+rng.IntN(2))
		}
		rc.req.Needs = append(rc.req.Needs, n)
	}
	rc.req.Country = randomCountries[rng.IntN(len(randomCountries))]
	regs := randomRegions[rc.req.Country]
	rc.req.Region = regs[rng.IntN(len(regs))]
	rc.req.Languages = []string{randomLanguages[rng.IntN(len(randomLanguages))]}
	rc.req.CrossBorder = rng.IntN(3) == 0
	rc.req.K = 1 + rng.IntN(5)
	if rng.IntN(4) == 0 {
		rc.req.Include = []string{rc.cands[rng.IntN(n)].ID}
	}
	return rc
}

// bruteScore scores a set of candidates from first principles.
func bruteScore(rc randomCase, set []int, masks []uint64, nNeeds, covered int) consortium.Score {
	s := consortium.Score{Needs: nNeeds, Covered: covered, Members: len(set)}
	countries := map[string]bool{}
	for _, i := range set {
		c := rc.cands[i]
		countries[c.Country] = true
		for _, l := range c.Languages {
			if l == rc.req.Languages[0] {
				s.InLanguage++
				break
			}
		}
		best := 0
		if c.Country == rc.req.Country {
			best = 1
		}
		for _, r := range c.Regions {
			n := 0
			for n < 5 && n < len(r) && n < len(rc.req.Region) && r[n] == rc.req.Region[n] {
				n++
			}
			if n >= 2 && n-1 > best {
				best = n - 1
			}
		}
		s.Proximity += best
	}
	s.Countries = len(countries)
	return s
}

// bruteForce returns the scores of the k best irredundant covers of the
// coverable needs, by enumerating every subset of the candidates.
func bruteForce(rc randomCase) (scores []consortium.Score, maxCover int) {
	needs := dedupeNeeds(rc.req.Needs)
	masks := make([]uint64, len(rc.cands))
	var target uint64
	for i, c := range rc.cands {
		for k, n := range needs {
			for _, comp := range c.Competences {
				if node.CPVCovers(comp, n.CPV) {
					masks[i] |= 1 << uint(k)
				}
			}
		}
		target |= masks[i]
		maxCover = max(maxCover, bits.OnesCount64(masks[i]))
	}
	included := map[int]bool{}
	for i, c := range rc.cands {
		for _, id := range rc.req.Include {
			if c.ID == id {
				included[i] = true
			}
		}
	}
	if target == 0 && len(included) == 0 {
		return nil, 0
	}
	for sub := 1; sub < 1<<len(rc.cands); sub++ {
		var set []int
		var m uint64
		hasIncluded := 0
		for i := range rc.cands {
			if sub&(1<<i) != 0 {
				set = append(set, i)
				m |= masks[i]
				if included[i] {
					hasIncluded++
				}
			}
		}
		if m != target || hasIncluded != len(included) {
			continue
		}
		irredundant := true
		for _, drop := range set {
			if included[drop] {
				continue
			}
			var o uint64
			for _, i := range set {
				if i != drop {
					o |= masks[i]
				}
			}
			if o == target {
				irredundant = false
				break
			}
		}
		if irredundant {
			scores = append(scores, bruteScore(rc, set, masks, len(needs), bits.OnesCount64(target)))
		}
	}
	sort.SliceStable(scores, func(a, b int) bool {
		c, _ := scores[a].Compare(scores[b], rc.req.CrossBorder)
		return c < 0
	})
	if len(scores) > rc.req.K {
		scores = scores[:rc.req.K]
	}
	return scores, maxCover
}

func dedupeNeeds(needs []consortium.Need) []consortium.Need {
	var out []consortium.Need
	seen := map[consortium.Need]bool{}
	for _, n := range needs {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// checkValid checks that every suggestion is an irredundant cover of the
// coverable needs and that no two suggestions have the same members.
func checkValid(t *testing.T, i int, res *consortium.Result) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range res.Suggestions {
		covered := map[consortium.Need]int{}
		for _, m := range s.Members {
			unique := false
			for _, c := range m.Covers {
				if !node.CPVCovers(c.Competence, c.Required) {
					t.Errorf("case %d: %s covers %s with %s, which does not cover it", i, m.ID, c.Required, c.Competence)
				}
				covered[consortium.Need{Lot: c.Lot, CPV: c.Required}]++
				unique = unique || c.Unique
			}
			if !unique && !m.Included {
				t.Errorf("case %d: member %s of %v covers nothing on its own", i, m.ID, ids(s))
			}
		}
		if len(covered)+len(s.Missing) != len(res.Needs) {
			t.Errorf("case %d: %v covers %d needs and misses %d of %d", i, ids(s), len(covered), len(s.Missing), len(res.Needs))
		}
		key := fmt.Sprint(sortedIDs(s))
		if seen[key] {
			t.Errorf("case %d: consortium %s suggested twice", i, key)
		}
		seen[key] = true
	}
}

func sortedIDs(s consortium.Suggestion) []string {
	out := ids(s)
	sort.Strings(out)
	return out
}

func scoresOf(res *consortium.Result) []consortium.Score {
	var out []consortium.Score
	for _, s := range res.Suggestions {
		out = append(out, s.Score)
	}
	return out
}

// TestExactEqualsBruteForce: on small random cases, exact and Auto mode
// return exactly the scores of the k best consortia found by enumerating
// every subset.
func TestExactEqualsBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1500; i++ {
		rc := newRandomCase(rng, 3+rng.IntN(9))
		want, _ := bruteForce(rc)
		for _, mode := range []consortium.Mode{consortium.Exact, consortium.Auto} {
			rc.req.Mode = mode
			res, err := consortium.Suggest(rc.cands, rc.req)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			if res.Method != consortium.MethodExact {
				t.Errorf("case %d mode %d: method %s, want exact", i, mode, res.Method)
			}
			checkValid(t, i, res)
			if !sameRanks(want, scoresOf(res), rc.req.CrossBorder) {
				t.Fatalf("case %d mode %d (%+v): scores (-brute +got):\n%s", i, mode, rc.req, cmp.Diff(want, scoresOf(res)))
			}
		}
	}
}

// sameRanks reports whether two score lists rank the same, criterion by
// criterion (fields that are not criteria may differ between ties).
func sameRanks(a, b []consortium.Score, crossBorder bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if c, _ := a[i].Compare(b[i], crossBorder); c != 0 {
			return false
		}
	}
	return true
}

// TestReductionExact: with many interchangeable co-ops (few codes, many
// candidates per set of needs, few countries), the candidates dropped
// before the search never belong to the k best.
func TestReductionExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	codes := []string{"72413000", "72415000", "92111000", "72400000"}
	for i := 0; i < 150; i++ {
		rc := newRandomCaseFrom(rng, 13+rng.IntN(3), codes)
		rc.req.K = 3 + rng.IntN(3)
		want, _ := bruteForce(rc)
		rc.req.Mode = consortium.Exact
		res, err := consortium.Suggest(rc.cands, rc.req)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkValid(t, i, res)
		if !sameRanks(want, scoresOf(res), rc.req.CrossBorder) {
			t.Fatalf("case %d (%+v): scores (-brute +got):\n%s", i, rc.req, cmp.Diff(want, scoresOf(res)))
		}
	}
}

// TestBudgetFallback: when the search budget runs out, Auto mode answers
// with the heuristic, says so, and its suggestions are still valid covers.
func TestBudgetFallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	fellBack := 0
	for i := 0; i < 200; i++ {
		rc := newRandomCase(rng, 8+rng.IntN(4))
		rc.req.Budget = 1
		want, _ := bruteForce(rc)
		res, err := consortium.Suggest(rc.cands, rc.req)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkValid(t, i, res)
		if res.Method == consortium.MethodHeuristic {
			fellBack++
		}
		if len(want) > 0 && (len(res.Suggestions) == 0 || res.Suggestions[0].Score.Covered != want[0].Covered) {
			t.Errorf("case %d: heuristic fallback lost coverage", i)
		}
	}
	if fellBack == 0 {
		t.Error("a budget of one search node never made Auto fall back to the heuristic")
	}
}

// harmonic returns H(d) = 1 + 1/2 + … + 1/d.
func harmonic(d int) float64 {
	h := 0.0
	for i := 1; i <= d; i++ {
		h += 1 / float64(i)
	}
	return h
}

// TestHeuristicNearOptimal: the heuristic alone never uses more than
// ⌊H(d)·optimum⌋ co-ops (the greedy set cover bound, d the most needs one
// co-op covers), covers every coverable need, and finds the optimal size
// in at least 95% of the random cases.
func TestHeuristicNearOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const cases = 1500
	sameSize, sameScore := 0, 0
	for i := 0; i < cases; i++ {
		rc := newRandomCase(rng, 3+rng.IntN(9))
		want, d := bruteForce(rc)
		rc.req.Mode = consortium.Heuristic
		res, err := consortium.Suggest(rc.cands, rc.req)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkValid(t, i, res)
		if len(want) == 0 {
			if len(res.Suggestions) != 0 {
				t.Errorf("case %d: %d suggestions, brute force finds none", i, len(res.Suggestions))
			}
			sameSize++
			sameScore++
			continue
		}
		if len(res.Suggestions) == 0 {
			t.Fatalf("case %d: no suggestion, brute force finds %d", i, len(want))
		}
		got := res.Suggestions[0].Score
		if got.Covered != want[0].Covered {
			t.Errorf("case %d: heuristic covers %d needs, optimum %d", i, got.Covered, want[0].Covered)
		}
		// The bound holds for the members the search adds to the
		// included ones.
		inc := len(rc.req.Include)
		if bound := inc + int(harmonic(d)*float64(want[0].Members-inc)); got.Members > bound {
			t.Errorf("case %d: heuristic uses %d co-ops, optimum %d, bound H(%d)·opt = %d", i, got.Members, want[0].Members, d, bound)
		}
		if got.Members == want[0].Members {
			sameSize++
		}
		if c, _ := got.Compare(want[0], rc.req.CrossBorder); c == 0 {
			sameScore++
		}
	}
	t.Logf("heuristic: optimal size in %d/%d cases, optimal score in %d/%d", sameSize, cases, sameScore, cases)
	if sameSize < cases*95/100 {
		t.Errorf("heuristic finds the optimal size in %d/%d cases, want at least 95%%", sameSize, cases)
	}
}
