package api

import (
	"net/http"
	"strconv"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/consortium"
)

// suggestConsortia answers GET /api/v1/opportunities/{id}/suggestions
// ?k=5&cross_border=true with up to k consortia and their explanations.
func (s *Server) suggestConsortia(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	v := r.URL.Query()
	var q consortium.Query
	var p node.Problems
	if k := v.Get("k"); k != "" {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || n > consortium.MaxK {
			p.Add("k", "must be a whole number between 1 and %d", consortium.MaxK)
		}
		q.K = n
	}
	if cb := v.Get("cross_border"); cb != "" {
		b, err := strconv.ParseBool(cb)
		if err != nil {
			p.Add("cross_border", "must be true or false")
		}
		q.CrossBorder = b
	}
	if err := p.Err("suggest consortia"); err != nil {
		return err
	}
	res, err := s.Consortia.Suggest(r.Context(), r.PathValue("id"), q)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}
