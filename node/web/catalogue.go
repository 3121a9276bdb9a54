package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/membership"
)

// card is a member as a page shows it: the summary in the reader's
// language and the competences with their labels.
type card struct {
	*node.Member
	Summary     Text
	Competences []codes.Entry
}

// labelCodes returns the CPV codes with their labels in lang (or a
// fallback language; Entry.Lang says which), or bare codes when no list
// is loaded.
func (s *Server) labelCodes(ctx context.Context, list []string, lang string) []codes.Entry {
	out := make([]codes.Entry, 0, len(list))
	for _, c := range list {
		e := codes.Entry{Code: c}
		if res, err := s.Codes.Lookup(ctx, codes.CPV, c, lang, 50); err == nil {
			for _, it := range res.Items {
				if it.Code == c {
					e = it
					break
				}
			}
		}
		out = append(out, e)
	}
	return out
}

func (s *Server) card(ctx context.Context, l *Locale, m *node.Member) card {
	return card{Member: m, Summary: l.Pick(m.Summary), Competences: s.labelCodes(ctx, m.Competences, l.Tag)}
}

func (s *Server) cataloguePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	qv := r.URL.Query()
	q := catalogue.Query{Text: qv.Get("q"), Competence: qv.Get("competence"), Country: qv.Get("country"),
		Region: qv.Get("region"), Language: qv.Get("language"), Limit: 20}
	return s.searchPage(w, r, rq, s.view(r, rq, "catalogue.title"), q, "catalogue")
}

// searchPage renders one page of a catalogue search with the page's
// template: the catalogue, or the public directory.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, rq *request, v *view, q catalogue.Query, tmpl string) error {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page < 1 || page > 10000 {
		page = 1
	}
	q.Offset = (page - 1) * q.Limit
	data := map[string]any{"Q": q, "Page": page, "Competence": q.Competence}
	res, err := s.Catalogue.Search(r.Context(), q)
	if v.Errors = problems(rq.L, err); err != nil && v.Errors == nil {
		return err
	}
	cards := make([]card, 0, len(res.Items))
	for _, m := range res.Items {
		cards = append(cards, s.card(r.Context(), rq.L, m))
	}
	data["Cards"], data["Total"] = cards, res.Total
	if page > 1 {
		data["Prev"] = pageLink(r, page-1)
	}
	if q.Offset+len(res.Items) < res.Total {
		data["NextPage"] = pageLink(r, page+1)
	}
	if v.D != nil {
		for k, x := range v.D.(map[string]any) {
			data[k] = x
		}
	}
	v.D = data
	status := http.StatusOK
	if v.Errors != nil {
		status = http.StatusBadRequest
	}
	s.render(w, status, tmpl, v)
	return nil
}

func pageLink(r *http.Request, n int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(n))
	return r.URL.Path + "?" + q.Encode()
}

// profile sends a member to the edit page of its own co-op.
func (s *Server) profile(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.User.Role != auth.RoleMember {
		redirect(w, r, "/admin/members")
		return nil
	}
	redirect(w, r, "/coops/"+rq.User.Member+"/edit")
	return nil
}

// mayEdit refuses a member editing another co-op than its own.
func mayEdit(u *auth.User, id string) error {
	if u.Role == auth.RoleAdmin || u.Role == auth.RoleMember && u.Member == id {
		return nil
	}
	return &node.Error{Code: node.EFORBIDDEN, Op: "authorize", Message: "you may edit only your own co-op"}
}

// editForm is the profile form's state.
type editForm struct {
	Member      *node.Member
	Name        string
	LegalForm   string
	Website     string
	Region      string
	Languages   string
	Summaries   []summaryField
	Competences []codes.Entry // chosen, checked
	Query       string        // the CPV search text
	Results     []codes.Entry // search results, unchecked
	Searched    bool
	InDirectory bool
}

type summaryField struct {
	Lang, Name, Text string
}

// editable returns the co-op of the path if the user may edit it.
func (s *Server) editable(r *http.Request, rq *request) (*node.Member, error) {
	id := r.PathValue("id")
	if err := mayEdit(rq.User, id); err != nil {
		return nil, err
	}
	return s.Members.Get(r.Context(), id)
}

func (s *Server) editPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := s.editable(r, rq)
	if err != nil {
		return err
	}
	f := &editForm{Member: m, Name: m.Name, LegalForm: m.LegalForm, Website: m.Website, Region: m.Region, InDirectory: m.InDirectory,
		Languages: strings.Join(m.Languages, ", "), Competences: s.labelCodes(r.Context(), m.Competences, rq.L.Tag)}
	f.Summaries = summaryFields(rq.L, m.Summary)
	v := s.view(r, rq, "edit.title", m.Name)
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = rq.L.T("edit.saved")
	}
	v.D = f
	s.render(w, http.StatusOK, "edit", v)
	return nil
}

// summaryFields lists a summary box for every UI language and every
// language the co-op already wrote a summary in.
func summaryFields(l *Locale, m map[string]string) []summaryField {
	tags := append([]string(nil), Languages...)
	var extra []string
	for tag := range m {
		if !contains(tags, tag) {
			extra = append(extra, tag)
		}
	}
	sort.Strings(extra)
	var out []summaryField
	for _, tag := range append(tags, extra...) {
		out = append(out, summaryField{Lang: tag, Name: l.LangName(tag), Text: m[tag]})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// edit saves the profile (action=save) or, without JavaScript, searches
// the CPV list and shows the form again with the results (action=search).
func (s *Server) edit(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := s.editable(r, rq)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &node.Error{Code: node.EINVALID, Op: "edit member", Message: "the form could not be read"}
	}
	pf := r.PostForm
	f := &editForm{Member: m, Name: pf.Get("name"), LegalForm: pf.Get("legal_form"), Website: pf.Get("website"),
		Region: pf.Get("region"), Languages: pf.Get("languages"), Query: strings.TrimSpace(pf.Get("cpv_q")),
		InDirectory: pf.Get("in_directory") == "1"}
	summary := map[string]string{}
	for key, vals := range pf {
		if tag, ok := strings.CutPrefix(key, "summary-"); ok && len(vals) > 0 && strings.TrimSpace(vals[0]) != "" {
			summary[tag] = vals[0]
		}
	}
	chosen := pf["competences"]
	f.Summaries = summaryFields(rq.L, summary)
	f.Competences = s.labelCodes(r.Context(), chosen, rq.L.Tag)
	v := s.view(r, rq, "edit.title", m.Name)
	v.D = f
	if pf.Get("action") == "search" {
		f.Searched = true
		if f.Query != "" {
			res, err := s.Codes.Lookup(r.Context(), codes.CPV, f.Query, rq.L.Tag, 20)
			if v.Errors = problems(rq.L, err); err != nil && v.Errors == nil {
				return err
			}
			for _, e := range res.Items {
				if !contains(chosen, e.Code) {
					f.Results = append(f.Results, e)
				}
			}
		}
		s.render(w, http.StatusOK, "edit", v)
		return nil
	}
	langs, comps := splitList(f.Languages), append([]string{}, chosen...)
	patch := membership.Patch{Name: &f.Name, LegalForm: &f.LegalForm, Website: &f.Website, Region: &f.Region,
		Summary: &summary, Languages: &langs, Competences: &comps, InDirectory: &f.InDirectory}
	if _, err := s.Members.Update(r.Context(), m.ID, patch); err != nil {
		if v.Errors = problems(rq.L, err); v.Errors == nil {
			return err
		}
		s.render(w, http.StatusBadRequest, "edit", v)
		return nil
	}
	redirect(w, r, "/coops/"+m.ID+"/edit?saved=1")
	return nil
}
