package news_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
)

// TestEmptyAtomFeedIsDatedNow: an empty feed says it is up to date as of
// now, not as of 1970.
func TestEmptyAtomFeedIsDatedNow(t *testing.T) {
	var b strings.Builder
	before := time.Now().UTC().Truncate(time.Second)
	if err := news.WriteAtomEntries(&b, news.FeedInfo{Base: "https://fr.example", Title: "e-toiles FR"}, "https://fr.example/feeds/news.atom", nil); err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Updated string `xml:"updated"`
	}
	if err := xml.Unmarshal([]byte(b.String()), &feed); err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339, feed.Updated)
	if err != nil || at.Before(before) {
		t.Errorf("updated = %q (%v), want now", feed.Updated, err)
	}
}

// TestRemoteEntryNamesItsOrigin: a peer's item is never shown as written
// by this node.
func TestRemoteEntryNamesItsOrigin(t *testing.T) {
	fi := news.FeedInfo{Base: "https://fr.example", Title: "e-toiles FR"}
	for _, tt := range []struct {
		author, origin, want string
	}{
		{"", "https://it.example/actor", "it.example"},
		{"Rete IT", "https://it.example/actor", "Rete IT (it.example)"},
		{"Scop Écho", node.OriginLocal, "Scop Écho"},
	} {
		n := &node.NewsItem{ID: "n1", Title: map[string]string{"it": "Notizia"}, Author: node.Author{Name: tt.author}, Origin: tt.origin}
		if got := fi.NewsEntry(n).Author; got != tt.want {
			t.Errorf("NewsEntry(author %q, origin %q).Author = %q, want %q", tt.author, tt.origin, got, tt.want)
		}
	}
}
