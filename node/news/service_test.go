package news_test

import (
	"bytes"
	"context"
	"image"
	stdpng "image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func MustService(t testing.TB) (*news.Service, *sqlite.DB, *time.Time) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := t0
	ms := &membership.Service{Store: db}
	if _, err := ms.Create(context.Background(), &node.Member{ID: "scop-a", Name: "Scop A", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	s := &news.Service{Store: db, GroupName: "Réseau FR", Now: func() time.Time { return now }, MediaURL: func(id string) string { return "https://fr.example/media/" + id }}
	return s, db, &now
}

var png = mustPNG(4, 3)

// mustPNG returns a real PNG of w×h pixels.
func mustPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := stdpng.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func fieldOf(err error) string {
	if f := node.ErrorFields(err); len(f) > 0 {
		return f[0].Field
	}
	return ""
}

func TestNewsRefusals(t *testing.T) {
	s, _, _ := MustService(t)
	ctx := context.Background()
	admin := news.Actor{Admin: true}
	base := func() *node.NewsItem {
		return &node.NewsItem{Title: map[string]string{"fr": "Titre", "en": "Title"}, Content: map[string]string{"fr": "<p>x</p>"}}
	}
	for _, tt := range []struct {
		name  string
		edit  func(n *node.NewsItem)
		code  string
		field string
	}{
		{"missing alt", func(n *node.NewsItem) {
			n.Images = []node.Image{{Data: png, Alt: map[string]string{"fr": "Un logo"}}}
		}, node.EINVALID, "images[0].alt.en"},
		{"blank alt", func(n *node.NewsItem) {
			n.Images = []node.Image{{Data: png, Alt: map[string]string{"fr": "  ", "en": "A logo"}}}
		}, node.EINVALID, "images[0].alt.fr"},
		{"oversize image", func(n *node.NewsItem) {
			n.Images = []node.Image{{Data: append(png, make([]byte, node.MaxImageBytes)...), Alt: map[string]string{"fr": "a", "en": "a"}}}
		}, node.ETOOLARGE, "images[0].data"},
		{"decompression bomb", func(n *node.NewsItem) {
			n.Images = []node.Image{{Data: news.BombPNG(), Alt: map[string]string{"fr": "a", "en": "a"}}}
		}, node.EINVALID, "images[0].data"},
		{"not an image", func(n *node.NewsItem) {
			n.Images = []node.Image{{Data: []byte("<script>"), Alt: map[string]string{"fr": "a", "en": "a"}}}
		}, node.EINVALID, "images[0].data"},
		{"no title", func(n *node.NewsItem) { n.Title = nil; n.Content = nil }, node.EINVALID, "title"},
		{"bad language", func(n *node.NewsItem) { n.Title["xx"] = "?" }, node.EINVALID, "title.xx"},
	} {
		n := base()
		tt.edit(n)
		_, err := s.CreateNews(ctx, admin, n)
		if node.ErrorCode(err) != tt.code || fieldOf(err) != tt.field {
			t.Errorf("%s: CreateNews = %v (field %q), want %s on %s", tt.name, err, fieldOf(err), tt.code, tt.field)
		}
	}
	if got, _ := s.ListNews(ctx, news.Query{Unpublished: true}); len(got) != 0 {
		t.Errorf("refused items were stored: %d", len(got))
	}
}

func TestNewsLifecycle(t *testing.T) {
	s, db, now := MustService(t)
	ctx := context.Background()
	member := news.Actor{Member: "scop-a"}
	n, err := s.CreateNews(ctx, member, &node.NewsItem{
		Title:   map[string]string{"fr": "Formation SPIP"},
		Content: map[string]string{"fr": `<p onclick="x()">Bonjour<script>alert(1)</script> <a href="javascript:alert(1)">lien</a></p><style>p{}</style>`},
		Images:  []node.Image{{Data: png, Alt: map[string]string{"fr": "Logo de SPIP"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.Author.Member != "scop-a" || n.Author.Name != "Scop A" || !n.Published || n.License != node.DefaultLicense {
		t.Errorf("created = %+v", n)
	}
	c := n.Content["fr"]
	for _, bad := range []string{"script", "onclick", "javascript", "style"} {
		if strings.Contains(c, bad) {
			t.Errorf("content kept %q: %s", bad, c)
		}
	}
	if n.Images[0].MediaType != "image/png" || !strings.HasPrefix(n.Images[0].URL, "https://fr.example/media/") {
		t.Errorf("image = %+v", n.Images[0])
	}
	if mt, data, err := db.Media(ctx, n.Images[0].ID); err != nil || mt != "image/png" {
		t.Errorf("Media = %s %d %v", mt, len(data), err)
	} else if cfg, err := stdpng.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width != 4 || cfg.Height != 3 {
		t.Errorf("stored image decodes to %+v, %v; want a 4×3 PNG", cfg, err)
	}
	// Another member may not edit it.
	if _, err := s.UpdateNews(ctx, news.Actor{Member: "other"}, n.ID, news.NewsPatch{}); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("update by another member = %v, want forbidden", err)
	}
	// A member cannot write as another co-op.
	if _, err := s.CreateNews(ctx, member, &node.NewsItem{Title: map[string]string{"fr": "x"}, Author: node.Author{Member: "other"}}); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("create as another member = %v, want forbidden", err)
	}
	// Scheduled: not public until due.
	later := t0.Add(48 * time.Hour)
	sch, err := s.CreateNews(ctx, news.Actor{Admin: true}, &node.NewsItem{Title: map[string]string{"en": "Later"}, PublishAt: later})
	if err != nil {
		t.Fatal(err)
	}
	if sch.Published {
		t.Fatal("scheduled item published at once")
	}
	if _, err := s.GetNews(ctx, sch.ID, false); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("public GetNews of a scheduled item = %v, want not found", err)
	}
	if k, _ := s.PublishDue(ctx); k != 0 {
		t.Errorf("PublishDue before time = %d", k)
	}
	*now = later.Add(time.Minute)
	if k, err := s.PublishDue(ctx); k != 1 || err != nil {
		t.Errorf("PublishDue = %d, %v; want 1", k, err)
	}
	evs, _ := db.PendingEvents(ctx, 100)
	var subjects []string
	for _, e := range evs {
		if strings.Contains(e.Subject, "news") {
			subjects = append(subjects, strings.TrimPrefix(e.Subject, node.SubjectPrefix))
		}
	}
	if strings.Join(subjects, ",") != "news.published,news.published" {
		t.Errorf("outbox subjects = %v", subjects)
	}
	if err := s.DeleteNews(ctx, member, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Media(ctx, n.Images[0].ID); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("image of a deleted item = %v", err)
	}
}

func TestEventRefusals(t *testing.T) {
	s, _, _ := MustService(t)
	ctx := context.Background()
	base := func() *node.CalendarEvent {
		return &node.CalendarEvent{Name: map[string]string{"fr": "Journée SPIP"}, Start: t0, End: t0.Add(7 * time.Hour),
			Timezone: "Europe/Paris", OnlineURL: "https://visio.example/spip", Category: "LEARNING"}
	}
	for _, tt := range []struct {
		name  string
		edit  func(e *node.CalendarEvent)
		field string
	}{
		{"end before start", func(e *node.CalendarEvent) { e.End = e.Start.Add(-time.Hour) }, "end"},
		{"unknown timezone", func(e *node.CalendarEvent) { e.Timezone = "Europe/Atlantis" }, "timezone"},
		{"abbreviation", func(e *node.CalendarEvent) { e.Timezone = "CET" }, "timezone"},
		{"no place", func(e *node.CalendarEvent) { e.OnlineURL = "" }, "address"},
		{"external without url", func(e *node.CalendarEvent) { e.JoinMode = node.JoinExternal }, "join_url"},
		{"category", func(e *node.CalendarEvent) { e.Category = "PICNIC" }, "category"},
		{"status", func(e *node.CalendarEvent) { e.Status = "maybe" }, "status"},
	} {
		e := base()
		tt.edit(e)
		_, err := s.CreateEvent(ctx, news.Actor{Admin: true}, e)
		if node.ErrorCode(err) != node.EINVALID || fieldOf(err) != tt.field {
			t.Errorf("%s: CreateEvent = %v, want invalid %s", tt.name, err, tt.field)
		}
	}
	e, err := s.CreateEvent(ctx, news.Actor{Admin: true}, base())
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != node.EventConfirmed || e.JoinMode != node.JoinFree || e.Author.Name != "Réseau FR" {
		t.Errorf("defaults = %+v", e)
	}
	st := node.EventCancelled
	if u, err := s.UpdateEvent(ctx, news.Actor{Admin: true}, e.ID, news.EventPatch{Status: &st}); err != nil || u.Status != st {
		t.Errorf("UpdateEvent = %+v, %v", u, err)
	}
}

func TestNewsImagesOnPatch(t *testing.T) {
	s, db, _ := MustService(t)
	ctx := context.Background()
	admin := news.Actor{Admin: true}
	n, err := s.CreateNews(ctx, admin, &node.NewsItem{Title: map[string]string{"fr": "Photos"}, Author: node.Author{Member: "scop-a"},
		Images: []node.Image{{Data: png, Alt: map[string]string{"fr": "Première"}}, {Data: png, Alt: map[string]string{"fr": "Seconde"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if n.Author.Member != "scop-a" || n.Author.Name != "Scop A" {
		t.Errorf("an admin writing for a co-op: author = %+v", n.Author)
	}
	first, second := n.Images[0], n.Images[1]
	// Keep the second image (by id, new alt text), drop the first.
	kept := []node.Image{{ID: second.ID, Alt: map[string]string{"fr": "Seconde, recadrée"}}}
	u, err := s.UpdateNews(ctx, admin, n.ID, news.NewsPatch{Images: &kept})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Images) != 1 || u.Images[0].ID != second.ID || u.Images[0].URL != second.URL || u.Images[0].Alt["fr"] != "Seconde, recadrée" {
		t.Errorf("images after patch = %+v", u.Images)
	}
	if _, _, err := db.Media(ctx, first.ID); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("the dropped image is still served: %v", err)
	}
	if _, _, err := db.Media(ctx, second.ID); err != nil {
		t.Errorf("the kept image: %v", err)
	}
	bogus := []node.Image{{ID: "nope", Alt: map[string]string{"fr": "x"}}}
	if _, err := s.UpdateNews(ctx, admin, n.ID, news.NewsPatch{Images: &bogus}); node.ErrorCode(err) != node.EINVALID || fieldOf(err) != "images[0].id" {
		t.Errorf("patch with an unknown image id = %v", err)
	}
	noAlt := []node.Image{{ID: second.ID}}
	if _, err := s.UpdateNews(ctx, admin, n.ID, news.NewsPatch{Images: &noAlt}); fieldOf(err) != "images[0].alt.fr" {
		t.Errorf("patch removing alt text = %v", err)
	}
}
