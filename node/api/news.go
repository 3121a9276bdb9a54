package api

import (
	"net/http"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/news"
)

// NewsRoutes are the news and calendar routes; Routes includes them.
var NewsRoutes = []Route{
	{"POST", "/api/v1/news", adminOrMember, (*Server).createNews},
	{"GET", "/api/v1/news", public, (*Server).listNews},
	{"GET", "/api/v1/news/{id}", public, (*Server).getNews},
	{"PATCH", "/api/v1/news/{id}", adminOrMember, (*Server).patchNews},
	{"DELETE", "/api/v1/news/{id}", adminOrMember, (*Server).deleteNews},
	{"POST", "/api/v1/events", adminOrMember, (*Server).createEvent},
	{"GET", "/api/v1/events", public, (*Server).listEvents},
	{"GET", "/api/v1/events/{id}", public, (*Server).getEvent},
	{"PATCH", "/api/v1/events/{id}", adminOrMember, (*Server).patchEvent},
	{"DELETE", "/api/v1/events/{id}", adminOrMember, (*Server).deleteEvent},
}

func actorOf(p *auth.Principal) news.Actor {
	return news.Actor{Admin: p.Is(auth.RoleAdmin), Member: p.Member}
}

// editor authenticates an optional token on a public route: admins and
// members also see scheduled news.
func (s *Server) editor(r *http.Request) (bool, error) {
	if r.Header.Get("Authorization") == "" {
		return false, nil
	}
	p, err := s.authenticate(r)
	if err != nil {
		return false, err
	}
	return p.Is(auth.RoleAdmin, auth.RoleMember), nil
}

// newsInput is the body of POST /api/v1/news.
type newsInput struct {
	Title     map[string]string `json:"title"`
	Summary   map[string]string `json:"summary"`
	Content   map[string]string `json:"content"`
	Author    node.Author       `json:"author"`
	Tags      []string          `json:"tags"`
	License   string            `json:"license"`
	Images    []node.Image      `json:"images"`
	PublishAt time.Time         `json:"publish_at"`
}

func (s *Server) createNews(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in newsInput
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	n := node.NewsItem{Title: in.Title, Summary: in.Summary, Content: in.Content, Author: in.Author, Tags: in.Tags,
		License: in.License, Images: in.Images, PublishAt: in.PublishAt}
	created, err := s.News.CreateNews(r.Context(), actorOf(p), &n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/news/"+created.ID)
	WriteJSON(w, http.StatusCreated, withoutImageData(created))
	return nil
}

func listQuery(r *http.Request) (news.Query, error) {
	v := r.URL.Query()
	q := news.Query{Origin: v.Get("origin")}
	var p node.Problems
	switch q.Origin {
	case "", "local", "remote":
	default:
		p.Add("origin", "must be local or remote")
	}
	pageParams(v, &q.Limit, &q.Offset, &p)
	for name, dst := range map[string]*time.Time{"since": &q.Since, "until": &q.Until} {
		if s := v.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				p.Add(name, "must be an RFC 3339 time such as 2026-11-27T09:00:00Z")
			}
			*dst = t
		}
	}
	return q, p.Err("parse query")
}

func (s *Server) listNews(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q, err := listQuery(r)
	if err != nil {
		return err
	}
	if q.Unpublished, err = s.editor(r); err != nil {
		return err
	}
	items, err := s.News.ListNews(r.Context(), q)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) getNews(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	editor, err := s.editor(r)
	if err != nil {
		return err
	}
	n, err := s.News.GetNews(r.Context(), r.PathValue("id"), editor)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) patchNews(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var patch news.NewsPatch
	if err := Decode(w, r, &patch); err != nil {
		return err
	}
	n, err := s.News.UpdateNews(r.Context(), actorOf(p), r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, withoutImageData(n))
	return nil
}

func (s *Server) deleteNews(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := s.News.DeleteNews(r.Context(), actorOf(p), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// eventInput is the body of POST /api/v1/events.
type eventInput struct {
	Name          map[string]string  `json:"name"`
	Description   map[string]string  `json:"description"`
	Author        node.Author        `json:"author"`
	Start         time.Time          `json:"start"`
	End           time.Time          `json:"end"`
	Timezone      string             `json:"timezone"`
	Address       *node.Address      `json:"address"`
	OnlineURL     string             `json:"online_url"`
	Capacity      int                `json:"capacity"`
	JoinMode      node.JoinMode      `json:"join_mode"`
	JoinURL       string             `json:"join_url"`
	Status        node.EventStatus   `json:"status"`
	Category      string             `json:"category"`
	Tags          []string           `json:"tags"`
	Accessibility node.Accessibility `json:"accessibility"`
}

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in eventInput
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	e := node.CalendarEvent{Name: in.Name, Description: in.Description, Author: in.Author, Start: in.Start, End: in.End,
		Timezone: in.Timezone, Address: in.Address, OnlineURL: in.OnlineURL, Capacity: in.Capacity, JoinMode: in.JoinMode,
		JoinURL: in.JoinURL, Status: in.Status, Category: in.Category, Tags: in.Tags, Accessibility: in.Accessibility}
	created, err := s.News.CreateEvent(r.Context(), actorOf(p), &e)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/events/"+created.ID)
	WriteJSON(w, http.StatusCreated, created)
	return nil
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q, err := listQuery(r)
	if err != nil {
		return err
	}
	items, err := s.News.ListEvents(r.Context(), q)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	e, err := s.News.GetEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) patchEvent(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var patch news.EventPatch
	if err := Decode(w, r, &patch); err != nil {
		return err
	}
	e, err := s.News.UpdateEvent(r.Context(), actorOf(p), r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := s.News.DeleteEvent(r.Context(), actorOf(p), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// withoutImageData is the item as answered: its images are served at their
// URL, so the uploaded bytes (up to 8 × 512 KiB) are not sent back.
func withoutImageData(n *node.NewsItem) *node.NewsItem {
	out := *n
	out.Images = make([]node.Image, len(n.Images))
	for i, img := range n.Images {
		img.Data = nil
		out.Images[i] = img
	}
	return &out
}
