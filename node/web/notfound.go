package web

import (
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/e-toiles/etoiles/internal/reqid"
)

// maxSuggestions is how many pages a not-found page proposes at most.
const maxSuggestions = 5

// suggest returns the pages a reader who asked for p probably meant: the
// pages without parameters whose path ends with the same word (singular or
// plural), or holds it, that the node serves and the reader may open (a
// page that needs a login is proposed to anyone; it asks for the login).
// "/members" gives "/admin/members", "/admissions" "/network/admissions".
func (s *Server) suggest(p string, rq *request) []string {
	word := strings.ToLower(strings.TrimSuffix(path.Base(path.Clean("/"+p)), ".html"))
	if len(word) < 3 {
		return nil
	}
	stem := strings.TrimSuffix(word, "s")
	type hit struct {
		path  string
		score int
	}
	var hits []hit
	for _, rt := range Routes {
		method, pat, _ := strings.Cut(rt.Pattern, " ")
		if method != http.MethodGet || strings.Contains(pat, "{") || pat == path.Clean("/"+p) || !s.serves(pat) {
			continue
		}
		if rq.User != nil && rt.Roles != nil && len(rt.Roles) > 0 && !hasRole(rq.User, rt.Roles) {
			continue
		}
		score := 0
		segs := strings.Split(strings.Trim(pat, "/"), "/")
		switch last := segs[len(segs)-1]; {
		case last == word || strings.TrimSuffix(last, "s") == stem:
			score = 2
		case strings.Contains(pat, stem):
			score = 1
		}
		if score > 0 {
			hits = append(hits, hit{pat, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return len(hits[i].path) < len(hits[j].path)
	})
	var out []string
	for _, h := range hits {
		if len(out) == maxSuggestions {
			break
		}
		out = append(out, h.path)
	}
	return out
}

// serves reports whether the node has the feature behind a page path.
func (s *Server) serves(p string) bool {
	switch {
	case strings.HasPrefix(p, "/network"):
		return s.Trust != nil && s.isConfederation()
	case strings.HasPrefix(p, "/opportunities"), p == "/foryou":
		return s.Opportunities != nil
	case strings.HasPrefix(p, "/news"), strings.HasPrefix(p, "/events"):
		return s.News != nil
	case strings.HasPrefix(p, "/market"):
		return s.Market != nil
	case strings.HasPrefix(p, "/password"):
		return s.Mailer != nil
	}
	return true
}

// failPage renders the error page of status: the not-found page with the
// pages the reader probably meant, or the generic page, which shows the
// request id on a server error so that it can be found in the log.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, rq *request, status int, code, detail string) {
	if status == http.StatusNotFound {
		v := s.view(r, rq, "notfound.title")
		v.D = map[string]any{"Path": r.URL.Path, "Suggestions": s.suggest(r.URL.Path, rq), "Detail": detail}
		s.render(w, status, "notfound", v)
		return
	}
	v := s.view(r, rq, "error.title")
	d := map[string]any{"Status": status, "Code": code, "Detail": detail}
	if status >= 500 {
		d["RequestID"] = reqid.From(r.Context())
	}
	v.D = d
	s.render(w, status, "error", v)
}
