package node

import "strings"

// CPVMatch says how a co-op's competence relates to a code that an
// opportunity requires. The zero value, CPVNoMatch, means the competence
// does not cover the need.
type CPVMatch string

// The ways a competence can cover a required code (see CPVCovers).
const (
	CPVNoMatch CPVMatch = ""
	// CPVExact: the same code.
	CPVExact CPVMatch = "exact"
	// CPVNarrower: the competence is a descendant of the required code
	// (more specific): a need for 72400000 "Internet services" is covered
	// by 72413000 "World wide web (www) site design services".
	CPVNarrower CPVMatch = "narrower"
	// CPVBroader: the competence is an ancestor of the required code at
	// group level or below: 72400000 covers a need for 72413000.
	CPVBroader CPVMatch = "broader"
)

// CPVMinBroaderPrefix is the shortest significant prefix (see CPVPrefix)
// of a competence that may cover the codes below it: three digits, the
// CPV group. A competence at division level (two digits, 72000000 "IT
// services") covers only needs at division level, not every code in the
// division.
const CPVMinBroaderPrefix = 3

// CPVCovers reports whether a co-op declaring competence can take on work
// that an opportunity describes with the required code. Both codes may
// carry a check digit ("72413000-8"); a code that is not a CPV code covers
// and is covered by nothing. The rule, also written in spec/consortium.md:
//
//  1. The same code covers itself.
//  2. A competence below the required code (more specific) covers it, at
//     any depth: a buyer who asks for 72400000 "Internet services" accepts
//     any Internet service, so a co-op doing 72413000 "web site design"
//     qualifies. A need at division level (72000000) is covered by every
//     competence in the division: the buyer chose the broad code.
//  3. A competence above the required code (more general) covers it only
//     when the competence is at group level or deeper, that is when its
//     significant prefix has at least CPVMinBroaderPrefix (3) digits:
//     72400000 "Internet services" covers 72413000, but 72000000 "IT
//     services" does not cover 72413000, and 45000000 "Construction work"
//     does not cover 45261210 "roof covering". A division spans trades as
//     far apart as hosting and software localisation, or roofing and
//     tunnelling; declaring one says too little about what the co-op can
//     do. A group (724 Internet services, 453 building installation work)
//     is one trade.
//  4. Siblings and cousins never cover each other: 72413000 (design) does
//     not cover 72415000 (hosting).
func CPVCovers(competence, required string) bool {
	return CPVMatchOf(competence, required) != CPVNoMatch
}

// CPVMatchOf returns how competence covers required, following the rule of
// CPVCovers, or CPVNoMatch.
func CPVMatchOf(competence, required string) CPVMatch {
	c, ok := NormalizeCPV(competence)
	if !ok {
		return CPVNoMatch
	}
	r, ok := NormalizeCPV(required)
	if !ok {
		return CPVNoMatch
	}
	return CPVMatchNormalized(c, r)
}

// CPVMatchNormalized is CPVMatchOf for two codes already normalised by
// NormalizeCPV (eight digits, no check digit). It does not allocate, for
// hot loops such as the consortium builder.
func CPVMatchNormalized(competence, required string) CPVMatch {
	if competence == required {
		return CPVExact
	}
	pc, pr := CPVPrefix(competence), CPVPrefix(required)
	switch {
	case len(pc) > len(pr) && strings.HasPrefix(pc, pr):
		return CPVNarrower
	case len(pc) < len(pr) && len(pc) >= CPVMinBroaderPrefix && strings.HasPrefix(pr, pc):
		return CPVBroader
	}
	return CPVNoMatch
}
