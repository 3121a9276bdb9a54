package news_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

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
