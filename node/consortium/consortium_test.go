package consortium_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/consortium"
	"github.com/google/go-cmp/cmp"
)

// catalogue is a small federated catalogue: web design, hosting and video
// co-ops in France, Italy and Spain.
var catalogue = []consortium.Candidate{
	{ID: "fr-web", Country: "FR", Languages: []string{"fr"}, Regions: []string{"FR101"}, Competences: []string{"72413000-8"}},
	{ID: "fr-host", Country: "FR", Languages: []string{"fr", "en"}, Regions: []string{"FRK26"}, Competences: []string{"72415000"}},
	{ID: "it-webhost", Node: "it.example.org", Country: "IT", Languages: []string{"it", "en"}, Regions: []string{"ITC4C"}, Competences: []string{"72413000", "72415000"}},
	{ID: "es-video", Node: "es.example.org", Country: "ES", Languages: []string{"es"}, Regions: []string{"ES300"}, Competences: []string{"92111000"}},
	{ID: "fr-video", Country: "FR", Languages: []string{"fr"}, Regions: []string{"FR105"}, Competences: []string{"92111000"}},
	{ID: "es-internet", Node: "es.example.org", Country: "ES", Languages: []string{"es", "fr-BE"}, Regions: []string{"ES511"}, Competences: []string{"72400000"}},
	{ID: "fr-it-division", Country: "FR", Languages: []string{"fr"}, Regions: []string{"FR101"}, Competences: []string{"72000000"}},
	{ID: "bad-codes", Country: "FR", Languages: []string{"fr"}, Competences: []string{"7241300", "01000000"}},
}

func ids(s consortium.Suggestion) []string {
	var out []string
	for _, m := range s.Members {
		out = append(out, m.ID)
	}
	return out
}

func mustSuggest(t *testing.T, r consortium.Request) *consortium.Result {
	t.Helper()
	res, err := consortium.Suggest(catalogue, r)
	if err != nil {
		t.Fatalf("Suggest: %v", err)
	}
	return res
}

func TestSuggestRanking(t *testing.T) {
	web, host, video := consortium.Need{CPV: "72413000"}, consortium.Need{CPV: "72415000"}, consortium.Need{CPV: "92111000"}
	tests := []struct {
		name string
		req  consortium.Request
		want [][]string // member ids of each suggestion, in order
	}{
		{
			// es-internet (group 724) covers both web and hosting on
			// its own but works in French (fr-BE) only as a second
			// language; it-webhost does too but not in French: the
			// language decides.
			name: "fewer members first, then language",
			req:  consortium.Request{Needs: []consortium.Need{web, host}, Languages: []string{"fr"}, Country: "FR", Region: "FR101", K: 3},
			want: [][]string{{"es-internet"}, {"it-webhost"}, {"fr-web", "fr-host"}},
		},
		{
			name: "proximity breaks ties between equal language",
			req:  consortium.Request{Needs: []consortium.Need{video}, Languages: []string{"fr"}, Country: "FR", Region: "FR105", K: 2},
			want: [][]string{{"fr-video"}, {"es-video"}},
		},
		{
			name: "no language: the region decides",
			req:  consortium.Request{Needs: []consortium.Need{video}, Country: "ES", Region: "ES300", K: 2},
			want: [][]string{{"es-video"}, {"fr-video"}},
		},
		{
			// Needs in lots: the same code in two lots is two needs,
			// covered by the same co-op.
			name: "lots",
			req: consortium.Request{Needs: []consortium.Need{
				{Lot: "LOT-0001", CPV: "72413000"}, {Lot: "LOT-0002", CPV: "72413000"}, {Lot: "LOT-0002", CPV: "92111000"},
			}, Languages: []string{"it"}, Country: "IT", K: 1},
			want: [][]string{{"it-webhost", "es-video"}},
		},
		{
			// Third: two countries and no French speaker beats one
			// country and one French speaker.
			name: "cross-border prefers more countries over language",
			req:  consortium.Request{Needs: []consortium.Need{web, host, video}, Languages: []string{"fr"}, Country: "FR", Region: "FR101", K: 4, CrossBorder: true},
			want: [][]string{{"es-internet", "fr-video"}, {"it-webhost", "fr-video"}, {"it-webhost", "es-video"}, {"es-internet", "es-video"}},
		},
		{
			name: "without the flag language comes before countries",
			req:  consortium.Request{Needs: []consortium.Need{web, host, video}, Languages: []string{"fr"}, Country: "FR", Region: "FR101", K: 4},
			want: [][]string{{"es-internet", "fr-video"}, {"it-webhost", "fr-video"}, {"es-internet", "es-video"}, {"it-webhost", "es-video"}},
		},
	}
	for _, tt := range tests {
		for _, mode := range []consortium.Mode{consortium.Auto, consortium.Exact, consortium.Heuristic} {
			tt.req.Mode = mode
			res := mustSuggest(t, tt.req)
			var got [][]string
			for _, s := range res.Suggestions {
				got = append(got, ids(s))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (mode %d): suggestions (-want +got):\n%s", tt.name, mode, diff)
			}
		}
	}
}

func TestSuggestExplanation(t *testing.T) {
	res := mustSuggest(t, consortium.Request{
		Needs:     []consortium.Need{{CPV: "72400000"}, {CPV: "72415000-2"}, {Lot: "2", CPV: "92111000"}, {CPV: "72400000"}},
		Languages: []string{"fr"}, Country: "FR", Region: "FR101", K: 2,
	})
	if res.Method != consortium.MethodExact {
		t.Errorf("Method = %s, want exact", res.Method)
	}
	wantNeeds := []consortium.Need{{CPV: "72400000"}, {CPV: "72415000"}, {Lot: "2", CPV: "92111000"}}
	if diff := cmp.Diff(wantNeeds, res.Needs); diff != "" {
		t.Errorf("Needs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]consortium.Criterion{"coverage", "members", "language", "proximity"}, res.Criteria); diff != "" {
		t.Errorf("Criteria (-want +got):\n%s", diff)
	}
	want := consortium.Suggestion{
		Rank:     1,
		Complete: true,
		Missing:  []consortium.Need{},
		Members: []consortium.Member{
			{ID: "fr-host", Country: "FR", Language: "fr", Proximity: consortium.SameCountry, Covers: []consortium.Cover{
				{Required: "72400000", Competence: "72415000", Match: node.CPVNarrower, Unique: true},
				{Required: "72415000", Competence: "72415000", Match: node.CPVExact, Unique: true},
			}},
			{ID: "fr-video", Country: "FR", Language: "fr", Proximity: consortium.SameNUTS2, Covers: []consortium.Cover{
				{Lot: "2", Required: "92111000", Competence: "92111000", Match: node.CPVExact, Unique: true},
			}},
		},
		Score: consortium.Score{Needs: 3, Covered: 3, Members: 2, Countries: 1, InLanguage: 2, Proximity: 4},
	}
	// fr-host covers Internet services (72400000) with hosting, a
	// narrower code, and hosting itself; es-internet would cover both
	// too, in French as well, but from further away (proximity 0 + 3).
	got := res.Suggestions[0]
	want.Summary = got.Summary
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first suggestion (-want +got):\n%s", diff)
	}
	for _, s := range []string{"#1", "2 co-ops", "3 of 3 needs", "fr-host (FR)", "2:92111000"} {
		if !strings.Contains(got.Summary, s) {
			t.Errorf("Summary %q lacks %q", got.Summary, s)
		}
	}
	second := res.Suggestions[1]
	if second.Rank != 2 || second.DecidedBy == "" || second.DecidedBy == consortium.Tie {
		t.Errorf("second suggestion: rank %d decided by %q, want rank 2 decided by a criterion", second.Rank, second.DecidedBy)
	}
	if c, _ := got.Score.Compare(second.Score, false); c >= 0 {
		t.Errorf("first score %+v does not rank before second %+v", got.Score, second.Score)
	}
}

func TestSuggestPartial(t *testing.T) {
	res := mustSuggest(t, consortium.Request{
		Needs: []consortium.Need{{CPV: "72413000"}, {CPV: "45261210"}, {Lot: "B", CPV: "72500000"}},
	})
	wantMissing := []consortium.Need{{CPV: "45261210"}, {Lot: "B", CPV: "72500000"}}
	if diff := cmp.Diff(wantMissing, res.Uncoverable); diff != "" {
		t.Errorf("Uncoverable (-want +got):\n%s", diff)
	}
	if len(res.Suggestions) == 0 {
		t.Fatal("no suggestion for the coverable need")
	}
	for _, s := range res.Suggestions {
		if s.Complete || s.Score.Covered != 1 || s.Score.Needs != 3 {
			t.Errorf("suggestion %v: complete %v, covered %d of %d; want partial 1 of 3", ids(s), s.Complete, s.Score.Covered, s.Score.Needs)
		}
		if diff := cmp.Diff(wantMissing, s.Missing); diff != "" {
			t.Errorf("Missing (-want +got):\n%s", diff)
		}
	}
	// A division-level competence never covers a group-level need.
	for _, s := range res.Suggestions {
		for _, id := range ids(s) {
			if id == "fr-it-division" {
				t.Errorf("fr-it-division (72000000) suggested for 72413000")
			}
		}
	}
	none := mustSuggest(t, consortium.Request{Needs: []consortium.Need{{CPV: "45261210"}}})
	if len(none.Suggestions) != 0 || len(none.Uncoverable) != 1 {
		t.Errorf("uncoverable request: %d suggestions, %d uncoverable; want 0 and 1", len(none.Suggestions), len(none.Uncoverable))
	}
}

func TestSuggestInvalid(t *testing.T) {
	_, err := consortium.Suggest(catalogue, consortium.Request{Needs: []consortium.Need{{CPV: "7241300"}, {CPV: "72413000"}}, K: 99})
	var e *node.Error
	if !errors.As(err, &e) || e.Code != node.EINVALID {
		t.Fatalf("Suggest = %v, want EINVALID", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"k", "needs[0].cpv"}, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if _, err := consortium.Suggest(catalogue, consortium.Request{}); err == nil {
		t.Error("Suggest with no needs succeeded")
	}
}
