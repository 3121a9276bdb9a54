package public

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
)

// MediaStore returns uploaded images.
type MediaStore interface {
	Media(ctx context.Context, id string) (mediaType string, data []byte, err error)
}

// ObjectServer serves the ActivityPub objects (the federation edge).
type ObjectServer interface {
	ServeNewsObject(w http.ResponseWriter, r *http.Request)
	ServeEventObject(w http.ResponseWriter, r *http.Request)
}

// PageRenderer renders the HTML page of a news item or an event in the
// site's layout (the web UI implements it).
type PageRenderer interface {
	NewsPage(w http.ResponseWriter, r *http.Request, n *node.NewsItem)
	EventPage(w http.ResponseWriter, r *http.Request, e *node.CalendarEvent)
}

// Handler serves the public pages. News, Media and Info are required;
// AP may be nil (no content negotiation).
type Handler struct {
	// Pages renders the HTML pages of news and events; nil uses a
	// minimal page of this package.
	Pages PageRenderer
	News  *news.Service
	Media MediaStore
	AP    ObjectServer
	Info  news.FeedInfo
	// WantsAP reports whether a request asks for ActivityPub JSON.
	WantsAP func(r *http.Request) bool
	Now     func() time.Time
	// Opportunities, when set, serves /feeds/opportunities.atom.
	Opportunities OpportunityLister
}

// Routes lists the patterns Register adds.
var Routes = []string{"GET /news/{id}", "GET /events/{id}", "GET /media/{id}", "GET /feeds/news.atom", "GET /feeds/events.ics", "GET /feeds/opportunities.atom"}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /news/{id}", h.newsPage)
	mux.HandleFunc("GET /events/{id}", h.eventPage)
	mux.HandleFunc("GET /media/{id}", h.media)
	mux.HandleFunc("GET /feeds/news.atom", h.atom)
	mux.HandleFunc("GET /feeds/events.ics", h.ics)
	mux.HandleFunc("GET /feeds/opportunities.atom", h.opportunitiesAtom)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) ap(r *http.Request) bool { return h.AP != nil && h.WantsAP != nil && h.WantsAP(r) }

func notFound(w http.ResponseWriter) { http.Error(w, "not found", http.StatusNotFound) }

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Site}}</title>
<link rel="alternate" type="application/activity+json" href="{{.Self}}">
</head><body><main>
<article>
<h1>{{.Title}}</h1>
<p class="meta">{{.Meta}}</p>
{{range .Images}}<figure><img src="{{.URL}}" alt="{{.Alt}}"></figure>{{end}}
{{if .Summary}}<p class="summary">{{.Summary}}</p>{{end}}
{{.Body}}
{{range .Facts}}<p>{{.}}</p>{{end}}
{{range .Links}}<p><a href="{{.Href}}">{{.Text}}</a></p>{{end}}
</article>
<p><a href="/">{{.Site}}</a></p>
</main></body></html>`))

type link struct{ Href, Text string }

type img struct{ URL, Alt string }

type pageData struct {
	Lang, Title, Site, Self, Meta, Summary string
	Body                                   template.HTML
	Images                                 []img
	Facts                                  []string
	Links                                  []link
}

func (h *Handler) render(w http.ResponseWriter, d pageData) {
	var b bytes.Buffer
	if err := page.Execute(&b, d); err != nil {
		http.Error(w, "page error", 500)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src *; style-src 'self'")
	_, _ = w.Write(b.Bytes())
}

// lang picks the reader's language among those of m (Accept-Language's
// first tag that m has), else m's default.
func lang(r *http.Request, m map[string]string) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		if _, ok := m[tag]; ok {
			return tag
		}
		if base, _, _ := strings.Cut(tag, "-"); base != "" {
			if _, ok := m[base]; ok {
				return base
			}
		}
	}
	return node.DefaultLanguage(m)
}

func (h *Handler) newsPage(w http.ResponseWriter, r *http.Request) {
	if h.ap(r) {
		h.AP.ServeNewsObject(w, r)
		return
	}
	n, err := h.News.GetNews(r.Context(), r.PathValue("id"), false)
	if err != nil {
		notFound(w)
		return
	}
	if h.Pages != nil {
		w.Header().Set("Vary", "Accept")
		h.Pages.NewsPage(w, r, n)
		return
	}
	l := lang(r, n.Title)
	d := pageData{Lang: l, Title: news.Pick(n.Title, l), Site: h.Info.Title, Self: h.Info.Base + "/news/" + n.ID,
		Meta: n.Author.Name + " · " + n.PublishAt.Format("2006-01-02"), Summary: news.Pick(n.Summary, l),
		Body: template.HTML(news.SanitizeHTML(news.Pick(n.Content, l)))}
	for _, im := range n.Images {
		d.Images = append(d.Images, img{URL: im.URL, Alt: news.Pick(im.Alt, l)})
	}
	if n.License != "" {
		d.Links = append(d.Links, link{Href: n.License, Text: n.License})
	}
	if n.Link != "" {
		d.Links = append(d.Links, link{Href: n.Link, Text: n.Link})
	}
	h.render(w, d)
}

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if ics, ok := strings.CutSuffix(id, ".ics"); ok {
		h.oneICS(w, r, ics)
		return
	}
	if h.ap(r) {
		h.AP.ServeEventObject(w, r)
		return
	}
	e, err := h.News.GetEvent(r.Context(), id)
	if err != nil {
		notFound(w)
		return
	}
	if h.Pages != nil {
		w.Header().Set("Vary", "Accept")
		h.Pages.EventPage(w, r, e)
		return
	}
	l := lang(r, e.Name)
	loc := e.Location()
	d := pageData{Lang: l, Title: news.Pick(e.Name, l), Site: h.Info.Title, Self: h.Info.Base + "/events/" + e.ID,
		Meta: e.Start.In(loc).Format("2006-01-02 15:04") + " – " + e.End.In(loc).Format("2006-01-02 15:04 MST") + " (" + e.Timezone + ") · " + string(e.Status),
		Body: template.HTML(news.SanitizeHTML(news.Pick(e.Description, l)))}
	if a := e.Address; a != nil {
		d.Facts = append(d.Facts, strings.Trim(strings.Join([]string{a.Name, a.Street, a.Postcode + " " + a.Locality, a.Country}, ", "), ", "))
	}
	acc := []string{}
	if e.Accessibility.Captions {
		acc = append(acc, "captions")
	}
	if e.Accessibility.SignLanguage != "" {
		acc = append(acc, "sign language ("+e.Accessibility.SignLanguage+")")
	}
	if e.Accessibility.StepFree {
		acc = append(acc, "step-free access")
	}
	if len(acc) > 0 {
		d.Facts = append(d.Facts, "Accessibility: "+strings.Join(acc, ", "))
	}
	if e.OnlineURL != "" {
		d.Links = append(d.Links, link{Href: e.OnlineURL, Text: e.OnlineURL})
	}
	if e.JoinURL != "" {
		d.Links = append(d.Links, link{Href: e.JoinURL, Text: e.JoinURL})
	}
	d.Links = append(d.Links, link{Href: "/events/" + e.ID + ".ics", Text: "iCalendar"})
	h.render(w, d)
}

func (h *Handler) media(w http.ResponseWriter, r *http.Request) {
	mt, data, err := h.Media.Media(r.Context(), r.PathValue("id"))
	if err != nil {
		notFound(w)
		return
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(data)
}

func (h *Handler) atom(w http.ResponseWriter, r *http.Request) {
	items, err := h.News.ListNews(r.Context(), news.Query{Limit: 50})
	if err != nil {
		http.Error(w, "feed unavailable", 500)
		return
	}
	var b bytes.Buffer
	if err := news.WriteAtom(&b, h.Info, h.Info.Base+"/feeds/news.atom", items); err != nil {
		http.Error(w, "feed unavailable", 500)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func (h *Handler) ics(w http.ResponseWriter, r *http.Request) {
	evs, err := h.News.ListEvents(r.Context(), news.Query{Since: h.now().AddDate(0, -3, 0), Limit: 200})
	if err != nil {
		http.Error(w, "calendar unavailable", 500)
		return
	}
	h.writeICS(w, h.Info.Title, evs)
}

func (h *Handler) oneICS(w http.ResponseWriter, r *http.Request, id string) {
	e, err := h.News.GetEvent(r.Context(), id)
	if err != nil {
		notFound(w)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.ID+`.ics"`)
	h.writeICS(w, news.Pick(e.Name, ""), []*node.CalendarEvent{e})
}

func (h *Handler) writeICS(w http.ResponseWriter, name string, evs []*node.CalendarEvent) {
	var b bytes.Buffer
	if err := news.WriteICS(&b, h.Info, name, evs, h.now()); err != nil {
		http.Error(w, "calendar unavailable", 500)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
