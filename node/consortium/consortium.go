package consortium

import (
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// Limits on a request.
const (
	DefaultK = 5
	MaxK     = 20
	// MaxNeeds is the most (lot, code) needs one request may have: needs
	// are kept in a 64-bit set.
	MaxNeeds = 64
)

// Candidate is a co-op that may join a consortium: a local member or one
// that a peer node published.
type Candidate struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Node identifies the node the co-op belongs to (the actor URL of
	// its node); empty for a local member.
	Node    string `json:"node,omitempty"`
	Country string `json:"country"`
	// Languages are BCP 47 tags; only the primary subtag counts.
	Languages []string `json:"languages"`
	// Regions are the NUTS codes the co-op works in.
	Regions []string `json:"regions"`
	// Competences are CPV codes, with or without check digit.
	Competences []string `json:"competences"`
}

// Need is one required competence: a CPV code, tied to a lot or to the
// whole contract (empty Lot). A code required by two lots is two needs.
type Need struct {
	Lot string `json:"lot,omitempty"`
	CPV string `json:"cpv"`
}

// Mode chooses the search. The zero value, Auto, searches exactly within
// a budget of search nodes and falls back to the heuristic beyond it.
type Mode int

// The search modes.
const (
	Auto Mode = iota
	// Exact searches without a budget: only for small inputs.
	Exact
	// Heuristic runs the greedy search with local improvement only.
	Heuristic
)

// Request describes what an opportunity needs. The zero values of K and
// Mode are valid (DefaultK, Auto).
type Request struct {
	Needs []Need
	// Languages are the opportunity's languages (BCP 47); a co-op that
	// works in any of them counts as working in the opportunity's
	// language.
	Languages []string
	// Country (ISO 3166-1 alpha-2) and Region (NUTS) give the place of
	// performance.
	Country string
	Region  string
	// K is how many alternative consortia to return, at most MaxK.
	K int
	// CrossBorder prefers consortia with co-ops from more countries.
	CrossBorder bool
	Mode        Mode
	// Include lists the ids of candidates that every consortium holds,
	// whatever they cover: the lead and the partners already accepted.
	// Ids not in the catalogue are ignored.
	Include []string
	// Budget is the number of search nodes Auto mode may spend before
	// it falls back to the heuristic; 0 means DefaultBudget.
	Budget int
}

// Criterion names a ranking criterion, in the order they apply.
type Criterion string

// The ranking criteria. Tie is used in Suggestion.DecidedBy when a
// suggestion scores the same as the one before it.
const (
	ByCoverage  Criterion = "coverage"
	ByMembers   Criterion = "members"
	ByCountries Criterion = "countries"
	ByLanguage  Criterion = "language"
	ByProximity Criterion = "proximity"
	Tie         Criterion = "tie"
)

// Proximity says how near a co-op works to the place of performance.
type Proximity string

// The proximity levels, nearest first, and their points in Score.
const (
	SameNUTS3   Proximity = "nuts3"   // 4 points
	SameNUTS2   Proximity = "nuts2"   // 3 points
	SameNUTS1   Proximity = "nuts1"   // 2 points
	SameCountry Proximity = "country" // 1 point
	Abroad      Proximity = "abroad"  // 0 points
)

// Points returns the proximity points of a level.
func (p Proximity) Points() int {
	switch p {
	case SameNUTS3:
		return 4
	case SameNUTS2:
		return 3
	case SameNUTS1:
		return 2
	case SameCountry:
		return 1
	}
	return 0
}

// Method says how the suggestions were found.
type Method string

// The methods.
const (
	MethodExact     Method = "exact"
	MethodHeuristic Method = "heuristic"
)

// Result holds the suggestions for a request, best first.
type Result struct {
	// Needs are the request's needs, normalised and deduplicated.
	Needs []Need `json:"needs"`
	// Uncoverable are the needs that no candidate covers: every
	// suggestion lacks them.
	Uncoverable []Need `json:"uncoverable"`
	// Criteria is the ranking order that was applied.
	Criteria []Criterion `json:"criteria"`
	// Method is exact when every suggestion is proven to be among the k
	// best; heuristic otherwise.
	Method      Method       `json:"method"`
	Candidates  int          `json:"candidates"`
	Suggestions []Suggestion `json:"suggestions"`
}

// Suggestion is one consortium and why it ranked where it did.
type Suggestion struct {
	Rank     int      `json:"rank"`
	Complete bool     `json:"complete"`
	Members  []Member `json:"members"`
	// Missing are the needs the consortium does not cover.
	Missing []Need `json:"missing"`
	Score   Score  `json:"score"`
	// DecidedBy is the first criterion on which this suggestion scores
	// worse than the one ranked before it (Tie when none), empty for the
	// first.
	DecidedBy Criterion `json:"decided_by,omitempty"`
	// Summary is the same explanation as an English sentence, for logs
	// and clients that do not localise.
	Summary string `json:"summary"`
}

// Member is a co-op of a suggested consortium.
type Member struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Node    string `json:"node,omitempty"`
	Country string `json:"country"`
	// Covers lists every need the co-op covers and with which of its
	// competences.
	Covers []Cover `json:"covers"`
	// Language is the opportunity language the co-op works in, empty
	// when none.
	Language  string    `json:"language,omitempty"`
	Proximity Proximity `json:"proximity"`
	// Included is true for a member the request included (the lead or
	// an accepted partner) rather than one the builder suggests.
	Included bool `json:"included"`
}

// Cover says that a co-op's competence covers a need, and how (see
// node.CPVCovers). Unique is true when no other member of the
// consortium covers that need.
type Cover struct {
	Lot        string        `json:"lot,omitempty"`
	Required   string        `json:"required"`
	Competence string        `json:"competence"`
	Match      node.CPVMatch `json:"match"`
	Unique     bool          `json:"unique"`
}

// Score holds what a suggestion is ranked on.
type Score struct {
	Needs   int `json:"needs"`
	Covered int `json:"covered"`
	Members int `json:"members"`
	// Countries is the number of distinct countries of the members.
	Countries int `json:"countries"`
	// InLanguage is the number of members working in an opportunity
	// language.
	InLanguage int `json:"in_language"`
	// Proximity is the sum of the members' proximity points.
	Proximity int `json:"proximity"`
}

// Compare orders two scores by the criteria, better first: it returns a
// negative number when s ranks before t, and the criterion that decides.
func (s Score) Compare(t Score, crossBorder bool) (int, Criterion) {
	type step struct {
		c    Criterion
		a, b int // smaller is better
	}
	steps := []step{
		{ByCoverage, -s.Covered, -t.Covered},
		{ByMembers, s.Members, t.Members},
	}
	if crossBorder {
		steps = append(steps, step{ByCountries, -s.Countries, -t.Countries})
	}
	steps = append(steps,
		step{ByLanguage, -s.InLanguage, -t.InLanguage},
		step{ByProximity, -s.Proximity, -t.Proximity})
	for _, st := range steps {
		if st.a != st.b {
			return st.a - st.b, st.c
		}
	}
	return 0, Tie
}

// criteria returns the ranking order.
func criteria(crossBorder bool) []Criterion {
	if crossBorder {
		return []Criterion{ByCoverage, ByMembers, ByCountries, ByLanguage, ByProximity}
	}
	return []Criterion{ByCoverage, ByMembers, ByLanguage, ByProximity}
}

// normalizeRequest validates r and returns its deduplicated needs.
func normalizeRequest(r *Request) ([]Need, error) {
	var p node.Problems
	if r.K == 0 {
		r.K = DefaultK
	}
	if r.K < 1 || r.K > MaxK {
		p.Add("k", "must be between 1 and %d", MaxK)
	}
	var needs []Need
	seen := map[Need]bool{}
	for i, n := range r.Needs {
		c, ok := node.NormalizeCPV(n.CPV)
		if !ok {
			p.Add("needs["+strconv.Itoa(i)+"].cpv", "%q is not a CPV code", n.CPV)
			continue
		}
		n = Need{Lot: strings.TrimSpace(n.Lot), CPV: c}
		if !seen[n] {
			seen[n] = true
			needs = append(needs, n)
		}
	}
	if len(r.Needs) == 0 {
		p.Add("needs", "must not be empty")
	}
	if len(needs) > MaxNeeds {
		p.Add("needs", "has %d distinct needs, at most %d are allowed", len(needs), MaxNeeds)
	}
	r.Country = strings.ToUpper(strings.TrimSpace(r.Country))
	r.Region = strings.ToUpper(strings.TrimSpace(r.Region))
	if err := p.Err("build consortium"); err != nil {
		return nil, err
	}
	return needs, nil
}
