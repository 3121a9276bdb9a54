package api

import (
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

// listNotices lists notices, newest first: a member token sees its
// member's; an admin token sees the group's own (the notices of the
// listings the group owns, member "") or, with ?member=, a member's.
func (s *Server) listNotices(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	v := r.URL.Query()
	var pr node.Problems
	limit, before := 0, int64(0)
	if x := v.Get("limit"); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil {
			pr.Add("limit", "must be a whole number")
		}
		limit = n
	}
	if x := v.Get("before"); x != "" {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			pr.Add("before", "must be a notice id")
		}
		before = n
	}
	if err := pr.Err("parse query"); err != nil {
		return err
	}
	member := p.Member
	if p.Is(auth.RoleAdmin) {
		member = v.Get("member")
	} else if m := v.Get("member"); m != "" && m != p.Member {
		return &node.Error{Code: node.EFORBIDDEN, Op: "list notices", Message: "a member token sees only its own member's notices"}
	}
	items, err := s.Notices.List(r.Context(), member, before, limit)
	if err != nil {
		return err
	}
	s.absoluteLinks(r, items)
	WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// feedPath is where a member's Atom feed of notices is served.
const feedPath = "/feeds/notices/"

func (s *Server) feedURL(r *http.Request, secret string) string {
	return s.baseURL(r) + feedPath + secret + ".atom"
}

// baseURL is the node's public origin, or the request's when none is set.
func (s *Server) baseURL(r *http.Request) string {
	base := s.PublicURL
	if base == "" {
		scheme := "https"
		if r.TLS == nil {
			scheme = "http"
		}
		base = scheme + "://" + r.Host
	}
	return strings.TrimRight(base, "/")
}

// absoluteLinks makes the notices' links absolute: some (the
// marketplace's) are stored as a path, which a feed reader cannot follow.
func (s *Server) absoluteLinks(r *http.Request, ns []*node.Notice) {
	for _, n := range ns {
		if strings.HasPrefix(n.URL, "/") && !strings.HasPrefix(n.URL, "//") {
			n.URL = s.baseURL(r) + n.URL
		}
	}
}

// webPage turns the API link of a notice into the web page a feed reader
// opens: /api/v1/opportunities/{id} → /opportunities/{id},
// /api/v1/listings/{id} → /market/{id}.
func webPage(link string) string {
	for api, page := range map[string]string{"/api/v1/opportunities/": "/opportunities/", "/api/v1/listings/": "/market/"} {
		if i := strings.Index(link, api); i >= 0 {
			return link[:i] + page + link[i+len(api):]
		}
	}
	return link
}

func (s *Server) noticeFeed(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	secret, err := s.Notices.Feed(r.Context(), p.Member, r.Method == http.MethodPost)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"url": s.feedURL(r, secret)})
	return nil
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Lang string `xml:"xml:lang,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string    `xml:"id"`
	Title   atomText  `xml:"title"`
	Updated string    `xml:"updated"`
	Link    *atomLink `xml:"link,omitempty"`
	Summary *atomText `xml:"summary,omitempty"`
}

type atomFeed struct {
	XMLName xml.Name   `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Link    []atomLink `xml:"link"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

// pickLang returns the text in the first of the preferred languages the
// map has, else in the smallest tag, and that tag.
func pickLang(m map[string]string, prefer ...string) (string, string) {
	for _, l := range prefer {
		if t, ok := m[l]; ok {
			return t, l
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "", ""
	}
	return m[keys[0]], keys[0]
}

// serveNoticeFeed serves a member's notices as Atom 1.0 at a secret URL
// (no token: feed readers cannot send one). An unknown secret is 404.
func (s *Server) serveNoticeFeed(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok {
		return node.Errorf(node.ENOTFOUND, "no such feed")
	}
	member, err := s.Notices.FeedMember(r.Context(), secret)
	if err != nil {
		return err
	}
	items, err := s.Notices.List(r.Context(), member, 0, 100)
	if err != nil {
		return err
	}
	s.absoluteLinks(r, items)
	var prefer []string
	if m, err := s.Members.Get(r.Context(), member); err == nil {
		prefer = m.Languages
	}
	self := s.feedURL(r, secret)
	f := atomFeed{ID: "urn:etoiles:notices:" + member, Title: "Notices for " + member,
		Updated: time.Now().UTC().Format(time.RFC3339), Link: []atomLink{{Rel: "self", Href: self}}}
	f.Author.Name = "etoiles"
	for i, n := range items {
		title, lang := pickLang(n.Title, prefer...)
		if title == "" {
			title = n.Kind + " " + n.Ref
		}
		e := atomEntry{ID: "urn:etoiles:notice:" + member + ":" + strconv.FormatInt(n.ID, 10),
			Title: atomText{Type: "text", Lang: lang, Body: title}, Updated: n.CreatedAt.UTC().Format(time.RFC3339)}
		if n.URL != "" {
			e.Link = &atomLink{Rel: "alternate", Href: webPage(n.URL)}
		}
		summary, slang := pickLang(n.Summary, prefer...)
		if n.Reason != "" {
			summary = strings.TrimSpace(summary + "\n\n" + n.Reason)
		}
		if summary != "" {
			e.Summary = &atomText{Type: "text", Lang: slang, Body: summary}
		}
		if i == 0 {
			f.Updated = e.Updated
		}
		f.Entries = append(f.Entries, e)
	}
	body, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write([]byte(xml.Header))
	_, err = w.Write(body)
	return err
}
