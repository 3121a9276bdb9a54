package node_test

import (
	"testing"

	"github.com/e-toiles/etoiles/node"
)

func TestCPVCovers(t *testing.T) {
	tests := []struct {
		competence, required string
		want                 node.CPVMatch
	}{
		// The example: a need for Internet services is covered
		// by web site design.
		{"72413000", "72400000", node.CPVNarrower},
		{"72413000-8", "72400000-4", node.CPVNarrower},
		{"72413000", "72413000", node.CPVExact},
		{"72413000-8", "72413000", node.CPVExact},
		// Descendants at any depth cover a need, even a division.
		{"72413000", "72000000", node.CPVNarrower},
		{"45261210", "45000000", node.CPVNarrower},
		// A group-level competence covers the codes below it.
		{"72400000", "72413000", node.CPVBroader},
		{"72410000", "72413000", node.CPVBroader},
		{"45300000", "45310000", node.CPVBroader},
		{"79341000", "79341400", node.CPVBroader},
		// A division-level competence does not.
		{"72000000", "72413000", node.CPVNoMatch},
		{"72000000", "72400000", node.CPVNoMatch},
		{"45000000", "45261210", node.CPVNoMatch},
		{"72000000", "72000000", node.CPVExact},
		// Divisions whose code ends in zero keep two digits.
		{"30000000", "30200000", node.CPVNoMatch},
		{"30200000", "30000000", node.CPVNarrower},
		{"30200000", "30213000", node.CPVBroader},
		// Siblings and cousins never match.
		{"72413000", "72415000", node.CPVNoMatch},
		{"72415000", "72413000", node.CPVNoMatch},
		{"72400000", "72500000", node.CPVNoMatch},
		{"72413000", "79341000", node.CPVNoMatch},
		// Different divisions never match.
		{"79000000", "72000000", node.CPVNoMatch},
		// Invalid codes match nothing.
		{"7241300", "72400000", node.CPVNoMatch},
		{"72413000", "01000000", node.CPVNoMatch},
		{"", "", node.CPVNoMatch},
		{"72413000-", "72413000", node.CPVNoMatch},
	}
	for _, tt := range tests {
		got := node.CPVMatchOf(tt.competence, tt.required)
		if got != tt.want {
			t.Errorf("CPVMatchOf(%s, %s) = %q, want %q", tt.competence, tt.required, got, tt.want)
		}
		if covers := node.CPVCovers(tt.competence, tt.required); covers != (tt.want != node.CPVNoMatch) {
			t.Errorf("CPVCovers(%s, %s) = %v, want %v", tt.competence, tt.required, covers, !covers)
		}
	}
}

// TestCPVCoversHierarchy checks the rule against the ancestor chain that
// CPVAncestors computes: every descendant covers its ancestors, and an
// ancestor covers its descendant exactly when it is at group level or
// deeper.
func TestCPVCoversHierarchy(t *testing.T) {
	for _, code := range []string{"72413000", "45261210", "79341400", "30213100", "03111100"} {
		for _, anc := range node.CPVAncestors(code) {
			if got := node.CPVMatchOf(code, anc); got != node.CPVNarrower {
				t.Errorf("CPVMatchOf(%s, %s) = %q, want narrower", code, anc, got)
			}
			want := node.CPVNoMatch
			if len(node.CPVPrefix(anc)) >= node.CPVMinBroaderPrefix {
				want = node.CPVBroader
			}
			if got := node.CPVMatchOf(anc, code); got != want {
				t.Errorf("CPVMatchOf(%s, %s) = %q, want %q", anc, code, got, want)
			}
		}
	}
}

func BenchmarkCPVMatchNormalized(b *testing.B) {
	for b.Loop() {
		node.CPVMatchNormalized("72400000", "72413000")
		node.CPVMatchNormalized("72413000", "72415000")
	}
}
