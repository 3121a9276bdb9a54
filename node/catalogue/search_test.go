package catalogue_test

import (
	"context"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/catalogue"
)

func TestFTSQuery(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "",
		"web":                      `"web"*`,
		"sous-titrage vidéo":       `"sous" "titrage" "vidéo"*`,
		`web" OR NEAR(x, y) AND *`: `"web" "OR" "NEAR" "x" "y" "AND"*`,
		"l’accessibilité":          `"l" "accessibilité"*`,
		"  ":                       "",
	} {
		if got := catalogue.FTSQuery(in); got != want {
			t.Errorf("FTSQuery(%q) = %s, want %s", in, got, want)
		}
	}
	if got := catalogue.FTSQuery(strings.Repeat("mot ", 40)); strings.Count(got, `"mot"`) != 16 {
		t.Errorf("FTSQuery(40 words) keeps %d words, want 16", strings.Count(got, `"mot"`))
	}
}

type store struct{ got catalogue.Query }

func (s *store) SearchMembers(_ context.Context, q catalogue.Query, _ string) (catalogue.Result, error) {
	s.got = q
	return catalogue.Result{}, nil
}

func TestSearchDefaultsAndRefusals(t *testing.T) {
	st := &store{}
	svc := &catalogue.Service{Store: st}
	res, err := svc.Search(context.Background(), catalogue.Query{Country: "fr", Language: "FR-be"})
	if err != nil || res.Items == nil {
		t.Fatalf("Search = %+v, %v", res, err)
	}
	if st.got.Status != node.StatusMember || st.got.Limit != catalogue.DefaultLimit || st.got.Country != "FR" || st.got.Language != "fr-BE" {
		t.Errorf("normalised query = %+v", st.got)
	}
	for _, q := range []catalogue.Query{{Text: strings.Repeat("x", 201)}, {Limit: -1}, {Offset: -1}, {Status: "boss"}} {
		if _, err := svc.Search(context.Background(), q); node.ErrorCode(err) != node.EINVALID {
			t.Errorf("Search(%+v) = %v, want invalid", q, err)
		}
	}
}
