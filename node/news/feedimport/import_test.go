package feedimport_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/news/feedimport"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

func MustService(t testing.TB) *news.Service {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &news.Service{Store: db, GroupName: "Réseau FR"}
}

func importFile(t *testing.T, svc *news.Service, name string) (feedimport.Result, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return feedimport.Import(context.Background(), svc, f, feedimport.Options{})
}

func TestImportSPIP(t *testing.T) {
	svc := MustService(t)
	res, err := importFile(t, svc, "spip-backend.rss")
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 || res.Skipped != 0 {
		t.Errorf("first import = %+v, want 2 added", res)
	}
	res, err = importFile(t, svc, "spip-backend.rss")
	if err != nil || res.Added != 0 || res.Skipped != 2 {
		t.Errorf("second import = %+v, %v; want 2 skipped", res, err)
	}
	items, _ := svc.ListNews(context.Background(), news.Query{})
	if len(items) != 2 {
		t.Fatalf("%d items stored, want 2", len(items))
	}
	n := items[0] // newest first
	if n.Title["fr"] != "Journée de formation SPIP à Lyon" || n.Link != "https://scop-num.example/spip.php?article42" || n.GUID != n.Link {
		t.Errorf("item = %q link %q guid %q", n.Title, n.Link, n.GUID)
	}
	if !n.PublishAt.Equal(time.Date(2026, 10, 5, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("publish_at = %s, want the dc:date", n.PublishAt)
	}
	c := n.Content["fr"]
	if !strings.Contains(c, "<strong>SPIP 4</strong>") || strings.Contains(c, "<script") || strings.Contains(c, "alert") || strings.Contains(c, "onmouseover") {
		t.Errorf("content = %q", c)
	}
	if n.Summary["fr"] != "Une journée pour prendre en main SPIP 4 avec les coopératives du réseau." {
		t.Errorf("summary = %q", n.Summary["fr"])
	}
	if strings.Join(n.Tags, ",") != "Formation,Logiciel-libre" || len(n.Images) != 0 || n.Author.Name != "Réseau FR" {
		t.Errorf("tags %v images %d author %q", n.Tags, len(n.Images), n.Author.Name)
	}
}

func TestImportMalformed(t *testing.T) {
	svc := MustService(t)
	_, err := importFile(t, svc, "malformed.rss")
	if err == nil || !strings.Contains(err.Error(), "could not be parsed") {
		t.Errorf("Import(malformed) = %v, want a parse error", err)
	}
	_, err = feedimport.Import(context.Background(), svc, strings.NewReader(`<rss version="2.0"><channel><title>x</title><item><title>a</title><link>https://a.example/1</link></item></channel></rss>`), feedimport.Options{})
	if err == nil || !strings.Contains(err.Error(), "--lang") {
		t.Errorf("Import(no language) = %v, want a --lang error", err)
	}
	if items, _ := svc.ListNews(context.Background(), news.Query{Unpublished: true}); len(items) != 0 {
		t.Errorf("%d items stored from bad feeds", len(items))
	}
}
