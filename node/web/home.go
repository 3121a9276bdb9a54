package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/news"
)

// SiteTexts keeps the public site's texts, edited by admins per language
// (the SQLite store implements it).
type SiteTexts interface {
	// SiteTexts returns key, then language, then text.
	SiteTexts(ctx context.Context) (map[string]map[string]string, error)
	// SetSiteTexts stores the texts of one language; "" removes one.
	SetSiteTexts(ctx context.Context, lang string, texts map[string]string) error
}

// siteKeys are the texts an admin edits, in the order of the form; each
// has a default in the locale catalogues under "site.default.<key>".
var siteKeys = []string{"intro", "trades", "project"}

// maxSiteText is the size limit of one site text, in characters.
const maxSiteText = 4000

// publicPageSize is the number of items per page of the public lists.
const publicPageSize = 20

// alternate is a <link rel="alternate"> of a page (its feeds).
type alternate struct{ Type, Href, Title string }

func (s *Server) feeds(v *view) {
	if s.News == nil {
		return
	}
	v.Alternates = []alternate{{"application/atom+xml", "/feeds/news.atom", v.L.T("news.feed")},
		{"text/calendar", "/feeds/events.ics", v.L.T("events.feed")}}
}

// siteText returns a site text in the reader's language, else the
// fallback of the content, else the catalogue's default.
func (s *Server) siteText(l *Locale, texts map[string]map[string]string, key string) Text {
	if t := l.Pick(texts[key]); t.Text != "" {
		return t
	}
	return Text{Lang: l.Tag, Text: l.T("site.default."+key, s.Info.Name)}
}

func (s *Server) loadSiteTexts(ctx context.Context) (map[string]map[string]string, error) {
	if s.Site == nil {
		return nil, nil
	}
	return s.Site.SiteTexts(ctx)
}

// publicHome is the home page of anonymous visitors: the group, its texts,
// the latest news and the next events.
func (s *Server) publicHome(w http.ResponseWriter, r *http.Request, rq *request) error {
	texts, err := s.loadSiteTexts(r.Context())
	if err != nil {
		return err
	}
	d := map[string]any{}
	for _, k := range siteKeys {
		d[k] = s.siteText(rq.L, texts, k)
	}
	if s.News != nil {
		ns, err := s.News.ListNews(r.Context(), news.Query{Origin: node.OriginLocal, Limit: 3})
		if err != nil {
			return err
		}
		es, err := s.News.ListEvents(r.Context(), news.Query{Origin: node.OriginLocal, Since: time.Now(), Limit: 3})
		if err != nil {
			return err
		}
		d["News"], d["Events"] = s.newsCards(rq, ns), s.eventCards(rq, es)
	}
	v := s.view(r, rq, "home.title", s.Info.Name)
	s.feeds(v)
	v.D = d
	s.render(w, http.StatusOK, "home", v)
	return nil
}

// pageOf reads the page number of a public list (1 when absent or bad).
func pageOf(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 10000 {
		return 1
	}
	return n
}

// pager is the paging of a public list.
type pager struct{ Prev, Next int }

func paging(page, got int) (pager, int) {
	p := pager{}
	if page > 1 {
		p.Prev = page - 1
	}
	if got > publicPageSize {
		p.Next, got = page+1, publicPageSize
	}
	return p, got
}

// publicList renders /news or /events for an anonymous visitor: the
// local published items, paged.
func (s *Server) publicList(w http.ResponseWriter, r *http.Request, rq *request, kind string) error {
	page := pageOf(r)
	q := news.Query{Origin: node.OriginLocal, Limit: publicPageSize + 1, Offset: (page - 1) * publicPageSize}
	d := map[string]any{}
	if kind == "news" {
		items, err := s.News.ListNews(r.Context(), q)
		if err != nil {
			return err
		}
		p, n := paging(page, len(items))
		d["Items"], d["Pager"] = s.newsCards(rq, items[:n]), p
	} else {
		q.Since = time.Now()
		items, err := s.News.ListEvents(r.Context(), q)
		if err != nil {
			return err
		}
		p, n := paging(page, len(items))
		d["Items"], d["Pager"] = s.eventCards(rq, items[:n]), p
	}
	v := s.view(r, rq, kind+".title")
	s.feeds(v)
	v.D = d
	s.render(w, http.StatusOK, kind, v)
	return nil
}

// siteForm is the admin's form of the site texts in one language.
type siteForm struct {
	Lang  string
	Langs []string
	Texts map[string]string
	Keys  []string
}

func (s *Server) siteLang(r *http.Request, rq *request) string {
	tag := r.FormValue("lang")
	if _, ok := catalogs[tag]; ok {
		return tag
	}
	return rq.L.Tag
}

func (s *Server) siteTextsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Site == nil {
		return &node.Error{Code: node.ENOTFOUND, Op: "site texts", Message: "this node keeps no site texts"}
	}
	texts, err := s.Site.SiteTexts(r.Context())
	if err != nil {
		return err
	}
	f := &siteForm{Lang: s.siteLang(r, rq), Langs: Languages, Keys: siteKeys, Texts: map[string]string{}}
	for _, k := range siteKeys {
		f.Texts[k] = texts[k][f.Lang]
	}
	v := s.view(r, rq, "site.title")
	if r.URL.Query().Get("done") == "saved" {
		v.Notice = rq.L.T("site.saved")
	}
	v.D = f
	s.render(w, http.StatusOK, "sitetexts", v)
	return nil
}

func (s *Server) saveSiteTexts(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Site == nil {
		return &node.Error{Code: node.ENOTFOUND, Op: "site texts", Message: "this node keeps no site texts"}
	}
	f := &siteForm{Lang: s.siteLang(r, rq), Langs: Languages, Keys: siteKeys, Texts: map[string]string{}}
	v := s.view(r, rq, "site.title")
	for _, k := range siteKeys {
		t := strings.TrimSpace(r.PostFormValue(k))
		f.Texts[k] = t
		if utf8.RuneCountInString(t) > maxSiteText {
			v.Errors = append(v.Errors, fieldProblem{ID: k, Label: rq.L.T("site.field." + k), Reason: rq.L.T("site.toolong", maxSiteText)})
		}
	}
	if v.Errors != nil {
		v.D = f
		s.render(w, http.StatusBadRequest, "sitetexts", v)
		return nil
	}
	if err := s.Site.SetSiteTexts(r.Context(), f.Lang, f.Texts); err != nil {
		return err
	}
	redirect(w, r, "/admin/site?lang="+f.Lang+"&done=saved")
	return nil
}

// homeFor sends a logged-in person to their own page.
func (s *Server) homeFor(w http.ResponseWriter, r *http.Request, u *auth.User) {
	switch {
	case u.Role == auth.RoleConfederation || u.Role == auth.RoleAdmin && s.isConfederation():
		redirect(w, r, "/network")
	case u.Role == auth.RoleAdmin:
		redirect(w, r, "/admin/members")
	case s.Opportunities != nil:
		redirect(w, r, "/foryou")
	default:
		redirect(w, r, "/catalogue")
	}
}
