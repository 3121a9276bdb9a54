package public_test

import (
	"bytes"
	"context"
	"image"
	stdpng "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/e-toiles/etoiles/node/web/public"
	"github.com/mmcdole/gofeed"
)

type links struct{}

func (links) Actor() string                { return "https://fr.example/actor" }
func (links) Member(id string) string      { return "https://fr.example/members/" + id }
func (links) Opportunity(id string) string { return "https://fr.example/opportunities/" + id }
func (links) Interest(id string) string    { return "https://fr.example/interests/" + id }

func MustHandler(t *testing.T) (*httptest.Server, *news.Service, *opportunity.Service) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := (&membership.Service{Store: db}).Create(ctx, &node.Member{ID: "web", Name: "Web", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	svc := &news.Service{Store: db, GroupName: "Réseau FR", MediaURL: func(id string) string { return "https://fr.example/media/" + id }}
	opps := &opportunity.Service{Store: db, Links: links{}, Country: "FR"}
	h := &public.Handler{News: svc, Media: db, Info: news.FeedInfo{Base: "https://fr.example", Title: "Réseau FR"}, Opportunities: opps}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, svc, opps
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFeedsParse(t *testing.T) {
	srv, svc, opps := MustHandler(t)
	ctx := context.Background()
	admin := news.Actor{Admin: true}
	png := tinyPNG(t)
	n, err := svc.CreateNews(ctx, admin, &node.NewsItem{Title: map[string]string{"fr": "Élections & <vote>", "en": "Elections"},
		Content: map[string]string{"fr": "<p>Texte</p>", "en": "<p>Text</p>"}, Tags: []string{"ag"},
		Images: []node.Image{{Data: png, Alt: map[string]string{"fr": "Urne", "en": "Ballot box"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateNews(ctx, admin, &node.NewsItem{Title: map[string]string{"fr": "Plus tard"}, PublishAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2027, 3, 28, 0, 30, 0, 0, time.UTC) // the night Paris moves to summer time
	e, err := svc.CreateEvent(ctx, admin, &node.CalendarEvent{Name: map[string]string{"fr": "AG; réseau, national"}, Description: map[string]string{"fr": "<p>Ordre du jour\nlong " + strings.Repeat("é", 80) + "</p>"},
		Start: start, End: start.Add(5 * time.Hour), Timezone: "Europe/Paris", OnlineURL: "https://visio.example/ag", Category: "MEETING", Status: node.EventTentative})
	if err != nil {
		t.Fatal(err)
	}

	resp, body := get(t, srv.URL+"/feeds/news.atom")
	feed, err := gofeed.NewParser().ParseString(body)
	if err != nil {
		t.Fatalf("atom: %v\n%s", err, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") || feed.FeedType != "atom" {
		t.Errorf("content type %s, feed type %s", ct, feed.FeedType)
	}
	if len(feed.Items) != 1 {
		t.Fatalf("atom has %d entries (a scheduled item leaked?)", len(feed.Items))
	}
	it := feed.Items[0]
	if it.Title != "Elections" || it.Link != "https://fr.example/news/"+n.ID || it.Content != "<p>Text</p>" || len(it.Categories) != 1 || it.PublishedParsed == nil {
		t.Errorf("entry = %q %q %q %v %v", it.Title, it.Link, it.Content, it.Categories, it.PublishedParsed)
	}

	for _, path := range []string{"/feeds/events.ics", "/events/" + e.ID + ".ics"} {
		resp, body := get(t, srv.URL+path)
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("%s: %v %s", path, err, resp.Header.Get("Content-Type"))
		}
		for _, line := range strings.Split(body, "\r\n") {
			if len(line) > 75 {
				t.Errorf("%s: unfolded line of %d octets", path, len(line))
			}
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", path, len(evs))
		}
		ev := evs[0]
		s, err1 := ev.GetStartAt()
		en, err2 := ev.GetEndAt()
		if err1 != nil || err2 != nil || !s.Equal(start) || !en.Equal(start.Add(5*time.Hour)) {
			t.Errorf("%s: start %s end %s (%v %v)", path, s, en, err1, err2)
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		if got := s.In(paris).Format("15:04 MST"); got != "01:30 CET" {
			t.Errorf("%s: start in Paris = %s, want 01:30 CET", path, got)
		}
		if got := en.In(paris).Format("15:04 MST"); got != "07:30 CEST" {
			t.Errorf("%s: end in Paris = %s, want 07:30 CEST", path, got)
		}
		if p := ev.GetProperty(ics.ComponentPropertySummary); p == nil || p.Value != "AG; réseau, national" {
			t.Errorf("%s: summary %v", path, p)
		}
		if p := ev.GetProperty(ics.ComponentPropertyDescription); p == nil || !strings.HasPrefix(p.Value, "Ordre du jour\nlong éé") {
			t.Errorf("%s: description %v", path, p)
		}
		if p := ev.GetProperty(ics.ComponentPropertyStatus); p == nil || p.Value != "TENTATIVE" {
			t.Errorf("%s: status %v", path, p)
		}
	}

	// Public opportunities: imported notices only, never what a member posts.
	d := time.Now().AddDate(0, 1, 0)
	opp := func(title, source string) *node.Opportunity {
		return &node.Opportunity{Title: map[string]string{"fr": title}, Country: "FR", Source: source, Deadline: &d,
			Competences: []node.RequiredCompetence{{CPV: "72413000"}}}
	}
	if _, _, err := opps.Import(ctx, opp("Appel public", "https://notices.example/123")); err != nil {
		t.Fatal(err)
	}
	if _, err := opps.Create(ctx, opportunity.Viewer{Member: "web"}, "", opp("Projet client confidentiel", "")); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, srv.URL+"/feeds/opportunities.atom")
	of, err := gofeed.NewParser().ParseString(body)
	if err != nil {
		t.Fatalf("opportunities atom: %v", err)
	}
	if len(of.Items) != 1 || of.Items[0].Title != "Appel public" || of.Items[0].Link != "https://notices.example/123" {
		t.Errorf("opportunities feed = %d items %+v", len(of.Items), of.Items)
	}
	if strings.Contains(body, "confidentiel") {
		t.Error("a member's opportunity is in the public feed")
	}
}

func TestPages(t *testing.T) {
	srv, svc, _ := MustHandler(t)
	ctx := context.Background()
	png := tinyPNG(t)
	n, err := svc.CreateNews(ctx, news.Actor{Admin: true}, &node.NewsItem{Title: map[string]string{"fr": `<script>alert("t")</script>`},
		Content: map[string]string{"fr": `<p>ok</p>`}, Images: []node.Image{{Data: png, Alt: map[string]string{"fr": `"><script>`}}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, srv.URL+"/news/"+n.ID)
	if resp.StatusCode != 200 || strings.Contains(body, "<script") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("page %d:\n%s", resp.StatusCode, body)
	}
	resp, body = get(t, srv.URL+"/media/"+n.Images[0].ID)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("media: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	} else if cfg, err := stdpng.DecodeConfig(strings.NewReader(body)); err != nil || cfg.Width != 2 {
		t.Errorf("media serves %d bytes that are not the 2×2 PNG re-encoded: %+v, %v", len(body), cfg, err)
	}
	if resp, _ := get(t, srv.URL+"/news/nope"); resp.StatusCode != 404 {
		t.Errorf("unknown item: %d", resp.StatusCode)
	}
}

// tinyPNG is a real 2×2 PNG: uploads are decoded and re-encoded.
func tinyPNG(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := stdpng.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
