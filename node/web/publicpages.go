package web

import (
	"html/template"
	"net/http"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
)

// The public pages of a news item and an event (/news/{id}, /events/{id})
// are served by node/web/public, which answers ActivityPub requests
// itself and hands HTML requests here, so that they get the site's
// layout, language and accessibility like every other page.

// publicNews is a news item as its public page shows it.
type publicNews struct {
	*node.NewsItem
	Title, Summary, Content Text
	HTML                    template.HTML // Content, sanitised again
	Pictures                []picture
	Remote                  bool
}

// NewsPage renders the public page of a news item (node/web/public's
// PageRenderer).
func (s *Server) NewsPage(w http.ResponseWriter, r *http.Request, n *node.NewsItem) {
	s.handler(Route{Pattern: "GET /news/{id}", Roles: anyone, Handler: func(s *Server, w http.ResponseWriter, r *http.Request, rq *request) error {
		l := rq.L
		d := &publicNews{NewsItem: n, Title: l.Pick(n.Title), Summary: l.Pick(n.Summary), Content: l.Pick(n.Content),
			Pictures: pictures(l, n), Remote: !n.Local()}
		d.HTML = template.HTML(news.SanitizeHTML(d.Content.Text)) // #nosec G203 -- sanitised by the news policy
		v := s.view(r, rq, "public.news.title", d.Title.Text)
		if d.Title.Lang != l.Tag {
			v.TitleLang = d.Title.Lang
		}
		v.D = d
		s.render(w, http.StatusOK, "publicnews", v)
		return nil
	}}).ServeHTTP(w, r)
}

// publicEvent is an event as its public page shows it, its times in its
// own time zone.
type publicEvent struct {
	*node.CalendarEvent
	Name, Description, Notes Text
	HTML                     template.HTML
	Start, End               time.Time
	Remote                   bool
}

// EventPage renders the public page of an event (node/web/public's
// PageRenderer).
func (s *Server) EventPage(w http.ResponseWriter, r *http.Request, e *node.CalendarEvent) {
	s.handler(Route{Pattern: "GET /events/{id}", Roles: anyone, Handler: func(s *Server, w http.ResponseWriter, r *http.Request, rq *request) error {
		l, loc := rq.L, e.Location()
		d := &publicEvent{CalendarEvent: e, Name: l.Pick(e.Name), Description: l.Pick(e.Description), Notes: l.Pick(e.Accessibility.Notes),
			Start: e.Start.In(loc), End: e.End.In(loc), Remote: !e.Local()}
		d.HTML = template.HTML(news.SanitizeHTML(d.Description.Text)) // #nosec G203 -- sanitised by the news policy
		v := s.view(r, rq, "public.event.title", d.Name.Text)
		if d.Name.Lang != l.Tag {
			v.TitleLang = d.Name.Lang
		}
		v.D = d
		s.render(w, http.StatusOK, "publicevent", v)
		return nil
	}}).ServeHTTP(w, r)
}
