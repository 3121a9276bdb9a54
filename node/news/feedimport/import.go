package feedimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/mmcdole/gofeed"
)

// MaxFeedBytes caps a feed document.
const MaxFeedBytes = 10 << 20

// Result counts what an import did.
type Result struct {
	Added   int // new items
	Skipped int // entries already imported (same GUID)
}

// Options tune an import. Lang is the language of entries when the feed
// names none; empty means such a feed is refused.
type Options struct {
	Lang string
	Now  func() time.Time
}

// Import reads a feed document and creates a news item, written as the
// group, for each entry not imported before.
func Import(ctx context.Context, svc *news.Service, r io.Reader, opt Options) (Result, error) {
	var res Result
	feed, err := gofeed.NewParser().Parse(io.LimitReader(r, MaxFeedBytes))
	if err != nil {
		return res, fmt.Errorf("the feed could not be parsed as RSS or Atom: %w", err)
	}
	lang := node.CanonicalLanguageTag(strings.TrimSpace(feed.Language))
	if base, _, ok := strings.Cut(lang, "-"); ok && !node.ValidLanguageTag(lang) {
		lang = base
	}
	if lang == "" || !node.ValidLanguageTag(lang) {
		if opt.Lang == "" {
			return res, fmt.Errorf("the feed names no known language (%q); give one with --lang", feed.Language)
		}
		lang = opt.Lang
	}
	if len(feed.Items) == 0 {
		return res, errors.New("the feed has no entries")
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	for i, it := range feed.Items {
		guid := strings.TrimSpace(it.GUID)
		if guid == "" {
			guid = strings.TrimSpace(it.Link)
		}
		if guid == "" {
			return res, fmt.Errorf("entry %d (%q) has neither a guid nor a link", i+1, it.Title)
		}
		if _, err := svc.Store.NewsByGUID(ctx, guid); err == nil {
			res.Skipped++
			continue
		} else if node.ErrorCode(err) != node.ENOTFOUND {
			return res, err
		}
		n := &node.NewsItem{GUID: guid, Link: strings.TrimSpace(it.Link), Title: map[string]string{lang: news.StripHTML(it.Title)}}
		if d := strings.TrimSpace(it.Description); d != "" {
			n.Summary = map[string]string{lang: truncate(news.StripHTML(d), node.MaxNewsSummary)}
		}
		content := it.Content
		if content == "" {
			content = it.Description
		}
		if content != "" {
			n.Content = map[string]string{lang: content}
		}
		for _, c := range it.Categories {
			if t := strings.Join(strings.Fields(c), "-"); t != "" {
				n.Tags = append(n.Tags, t)
			}
		}
		switch {
		case it.PublishedParsed != nil:
			n.PublishAt = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			n.PublishAt = *it.UpdatedParsed
		}
		if n.PublishAt.After(now()) {
			n.PublishAt = time.Time{} // a date in the future is not a schedule here
		}
		if feed.Copyright != "" {
			n.License = truncate(feed.Copyright, node.MaxLicenseLen)
		}
		if _, err := svc.CreateNews(ctx, news.Actor{Admin: true}, n); err != nil {
			if node.ErrorCode(err) == node.ECONFLICT {
				res.Skipped++
				continue
			}
			return res, fmt.Errorf("entry %d (%q): %w", i+1, it.Title, err)
		}
		res.Added++
	}
	return res, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Open opens a feed: an http(s) URL is fetched with client, anything
// else is read as a file. The client must be the node's outbound-guarded
// one (federation's SSRF-safe client), so a feed URL cannot reach the
// node's own network; nil refuses every URL.
func Open(ctx context.Context, client *http.Client, src string) (io.ReadCloser, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	if client == nil {
		return nil, fmt.Errorf("fetch %s: no outbound HTTP client is configured", src)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	req, err := http.NewRequestWithContext(ctx, "GET", src, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1")
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("fetch %s: %w", src, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("fetch %s: %s", src, resp.Status)
	}
	return struct {
		io.Reader
		io.Closer
	}{resp.Body, closer(func() error { defer cancel(); return resp.Body.Close() })}, nil
}

type closer func() error

func (c closer) Close() error { return c() }
