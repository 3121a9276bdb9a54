package web

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/catalogue"
)

// trade is one of the group's trades, as the home page and the directory
// offer them: a name in the locale catalogues (trade.<Key>) and the CPV
// code the directory searches for it (and every code below it).
type trade struct{ Key, CPV string }

// trades are the trades of a network of co-ops of the digital and media
// sectors, in the order the pages list them.
var trades = []trade{
	{"web", "72413000"},       // World wide web (www) site design services
	{"hosting", "72415000"},   // WWW site operation host services
	{"software", "72260000"},  // Software-related services
	{"graphics", "79822500"},  // Graphic design services
	{"marketing", "79340000"}, // Advertising and marketing services
	{"video", "92111000"},     // Motion picture and video production services
	{"sound", "92370000"},     // Sound-technician services
	{"training", "80500000"},  // Training services
}

// tradeCode returns the CPV code of a trade key, or "" when s is not one.
func tradeCode(s string) string {
	for _, t := range trades {
		if t.Key == s {
			return t.CPV
		}
	}
	return ""
}

// directoryPage is the public directory: the active co-ops, local and
// remote, that chose to show themselves, searched with the catalogue's
// parameters; competence may also name a trade.
func (s *Server) directoryPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	qv := r.URL.Query()
	q := catalogue.Query{Text: qv.Get("q"), Competence: qv.Get("competence"), Country: strings.ToUpper(qv.Get("country")),
		Region: strings.ToUpper(qv.Get("region")), Language: qv.Get("language"), Public: true, Limit: 20}
	trade, typed := qv.Get("trade"), q.Competence
	if c := tradeCode(q.Competence); c != "" {
		trade, q.Competence, typed = q.Competence, c, ""
	} else if c := tradeCode(trade); c != "" && q.Competence == "" {
		q.Competence = c
	}
	v := s.view(r, rq, "directory.title")
	v.D = map[string]any{"Trades": trades, "Trade": trade, "Competence": typed, "Group": s.Info.Name}
	return s.searchPage(w, r, rq, v, q, "directory")
}

// directoryEntry is a co-op's public page.
func (s *Server) directoryEntry(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := s.Members.Get(r.Context(), r.PathValue("id"))
	if err != nil || !m.InDirectory || !m.Status.Active() {
		return &node.Error{Code: node.ENOTFOUND, Op: "directory", Message: "no co-op of the public directory has this id"}
	}
	m = m.Public()
	v := s.view(r, rq, "directory.entry.title", m.Name)
	v.D = map[string]any{"Card": s.card(r.Context(), rq.L, m), "Home": homePage(m), "Group": s.Info.Name}
	s.render(w, http.StatusOK, "directoryentry", v)
	return nil
}

// homePage returns the public page of a remote co-op on its own node
// (its ActivityPub id's host, /directory/ and its id there), or "" for a
// local one or an id of another shape.
func homePage(m *node.Member) string {
	if m.Origin == "" {
		return ""
	}
	u, err := url.Parse(m.APID)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.HasPrefix(u.Path, "/members/") {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/directory/" + url.PathEscape(path.Base(u.Path))
}
