// Package consortium suggests consortia of co-ops for an opportunity: up
// to k alternative groups drawn from the whole federated catalogue that
// together cover every required competence, lot by lot.
//
// # Problem
//
// Each need is a (lot, CPV code) pair; a code that two lots require is two
// needs. A candidate co-op covers a need when one of its competences
// covers the code (node.CPVCovers). A consortium is a set of candidates
// covering the needs; it is irredundant: every member covers a need no
// other member covers. Suggestions are ranked lexicographically by
//
//  1. coverage: the needs covered (all that any candidate covers; the
//     others are reported as Uncoverable and Missing);
//  2. fewer members;
//  3. with Request.CrossBorder, more distinct countries;
//  4. more members working in one of the opportunity's languages;
//  5. more proximity points (same NUTS-3 4, NUTS-2 3, NUTS-1 2, same
//     country 1, abroad 0, the best over a co-op's regions).
//
// Cross-border diversity comes right after size when asked for: placed
// last it would almost never act, since proximity favours the home
// country. The ranking is encoded as one additive integer cost per member
// (see the weights in solve.go), which makes the search a weighted set
// cover.
//
// # Algorithm
//
//  1. Pre-filter: an Index maps each competence prefix and code to its
//     co-ops, so a request reads only the co-ops covering one of its needs.
//  2. Reduce: co-ops covering the same set of needs (and, cross-border,
//     from the same country) are interchangeable; only the k best of each
//     group can appear in the k best consortia, the others are dropped.
//  3. Solve: branch and bound (branch on the need with fewest candidates,
//     fractional lower bound, greedy upper bound) finds the cheapest
//     cover; in Auto mode it has a budget of DefaultBudget search nodes
//     per request (ending early once a subproblem's cover costs as little
//     as its parent's), after which the greedy heuristic (cheapest cost per
//     newly covered need, then local moves: drop a redundant member,
//     replace two members by one, replace a member by a better one) takes
//     over.
//  4. Alternatives: Lawler's k-best procedure splits the remaining covers
//     into disjoint subproblems (force the first j−1 members of the last
//     cover, ban the j-th) and takes the cheapest subproblem's cover each
//     time. With the exact solver the k suggestions are exactly the k best;
//     Result.Method says which solver answered.
//
// The greedy heuristic alone (Mode Heuristic) is within the classic
// H(d) = 1 + 1/2 + … + 1/d factor of the optimal cost, d the most needs a
// co-op covers; the property tests check that it never uses more than
// ⌊H(d)·optimum⌋ co-ops besides the included ones. On the 1,500 random
// cases of TestHeuristicNearOptimal it found the optimal size every time
// and the optimal score in 1,497.
//
// Request.Include names co-ops that belong to every consortium whatever
// they cover: the opportunity's lead and the partners already accepted.
// The builder completes the consortium around them.
//
// # Explanations
//
// Each Suggestion lists its members with the needs each covers, the
// competence used and the kind of match (exact, narrower, broader),
// whether the member is the only one covering it, the language it shares
// with the opportunity and its proximity; its Score; and DecidedBy, the
// criterion on which it ranks below the previous suggestion. These are
// codes that a client can render in any language; Summary is an English
// rendering.
//
// # Benchmarks
//
//	go test -run '^$' -bench . -benchtime 3000x ./node/consortium/
//
// 10,000 co-ops, 300 distinct codes, opportunities needing 3–8 codes,
// k = 5, 2 cores shared with other jobs (load 5–8). Wall clock and, in
// brackets, CPU time of the benchmark's thread:
//
//	default:       p50 0.43 ms, p99 3.5 ms (CPU p99 2.3 ms), 99.6 % exact
//	cross-border:  p50 0.78 ms, p99 9.8–20 ms (CPU p99 6.8 ms), 92.3 % exact
//	NewIndex:      9–17 ms for the 10,000 co-ops
//
// Target: p99 ≤ 20 ms. The slowest requests are those that spend the whole
// search budget; TestFallbackQuality checks what the heuristic then gives
// (on 400 requests: first suggestion optimal in every fallback case).
package consortium
