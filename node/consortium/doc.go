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
//     per request, after which the greedy heuristic (cheapest cost per
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
// co-op covers; in size, the property tests check that it never uses more
// than ⌊H(d)·optimum⌋ members, and on the random cases of the tests it
// finds the optimal size in most cases (see TestHeuristicNearOptimal).
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
package consortium
