package main

import (
	"context"

	"github.com/e-toiles/etoiles/node/consortium"
	"github.com/e-toiles/etoiles/node/web"
)

// consortiumSuggester gives the web pages the consortium service's
// suggestions, with what they are ranked on.
type consortiumSuggester struct{ svc *consortium.Service }

func (c consortiumSuggester) Suggest(ctx context.Context, id string, k int, crossBorder bool) ([]web.Suggestion, error) {
	res, err := c.svc.Suggest(ctx, id, consortium.Query{K: k, CrossBorder: crossBorder})
	if err != nil {
		return nil, err
	}
	out := make([]web.Suggestion, 0, len(res.Suggestions))
	for _, s := range res.Suggestions {
		ws := web.Suggestion{Complete: s.Complete, Needs: s.Score.Needs, Covered: s.Score.Covered, Countries: s.Score.Countries,
			InLanguage: s.Score.InLanguage, Summary: s.Summary}
		for _, n := range s.Missing {
			ws.Missing = append(ws.Missing, n.CPV)
		}
		for _, m := range s.Members {
			wm := web.SuggestedMember{ID: m.ID, Name: m.Name, Country: m.Country, Node: m.Node, Language: m.Language, Included: m.Included}
			seen := map[string]bool{}
			for _, cv := range m.Covers {
				if !seen[cv.Required] {
					seen[cv.Required] = true
					wm.Covers = append(wm.Covers, cv.Required)
				}
			}
			ws.Members = append(ws.Members, wm)
		}
		out = append(out, ws)
	}
	return out, nil
}
