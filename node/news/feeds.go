package news

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// FeedInfo describes the node for its feeds.
type FeedInfo struct {
	Base  string // public origin, e.g. https://fr.example
	Title string // the group's name
	Lang  string // preferred language of the reader, "" = each item's default
}

// NewsURL returns the public page of a news item: its own page for a
// local item, the page on its node for a remote one.
func (fi FeedInfo) NewsURL(n *node.NewsItem) string {
	if !n.Local() && n.Link != "" {
		return n.Link
	}
	return fi.Base + "/news/" + n.ID
}

// EventURL returns the public page of a calendar event.
func (fi FeedInfo) EventURL(e *node.CalendarEvent) string {
	if !e.Local() && e.Link != "" {
		return e.Link
	}
	return fi.Base + "/events/" + e.ID
}

// Pick returns the text of m in lang, else in its default language.
func Pick(m map[string]string, lang string) string {
	if v, ok := m[lang]; ok && lang != "" {
		return v
	}
	return m[node.DefaultLanguage(m)]
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	Title     atomText   `xml:"title"`
	ID        string     `xml:"id"`
	Links     []atomLink `xml:"link"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Author    struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Summary  *atomText `xml:"summary,omitempty"`
	Content  *atomText `xml:"content,omitempty"`
	Category []struct {
		Term string `xml:"term,attr"`
	} `xml:"category"`
	Rights string `xml:"rights,omitempty"`
	Lang   string `xml:"xml:lang,attr,omitempty"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

// Entry is one entry of an Atom feed.
type Entry struct {
	ID, Title, Link, Via, Author, Summary, ContentHTML, Rights, Lang string
	Published, Updated                                               time.Time
	Tags                                                             []string
}

// NewsEntry turns a news item into a feed entry in the reader's language
// (fi.Lang) when the item has it.
func (fi FeedInfo) NewsEntry(n *node.NewsItem) Entry {
	lang := fi.Lang
	if _, ok := n.Title[lang]; !ok || lang == "" {
		lang = node.DefaultLanguage(n.Title)
	}
	e := Entry{ID: n.APID, Title: Pick(n.Title, lang), Link: fi.NewsURL(n), Author: n.Author.Name, Summary: Pick(n.Summary, lang),
		ContentHTML: Pick(n.Content, lang), Rights: n.License, Lang: lang, Published: n.PublishAt, Updated: n.UpdatedAt, Tags: n.Tags}
	if e.ID == "" {
		e.ID = fi.Base + "/news/" + n.ID
	}
	if n.Link != "" && n.Local() {
		e.Via = n.Link
	}
	if !n.Local() {
		// A peer's item is signed by its author and node, never by this
		// node (the feed's title is the author of local items only).
		e.Author = remoteAuthor(n.Author.Name, n.Origin)
	}
	return e
}

// remoteAuthor names the author of a peer's item: its name and the host
// of its node, or the host alone.
func remoteAuthor(name, origin string) string {
	host := origin
	if u, err := url.Parse(origin); err == nil && u.Host != "" {
		host = u.Host
	}
	switch {
	case name == "":
		return host
	case host == "" || strings.Contains(name, host):
		return name
	}
	return name + " (" + host + ")"
}

// WriteAtom writes an Atom 1.0 feed (RFC 4287) of news items: one entry
// per item with its page link, HTML content, tags and licence.
func WriteAtom(w io.Writer, fi FeedInfo, self string, items []*node.NewsItem) error {
	entries := make([]Entry, len(items))
	for i, n := range items {
		entries[i] = fi.NewsEntry(n)
	}
	return WriteAtomEntries(w, fi, self, entries)
}

// WriteAtomEntries writes an Atom 1.0 feed of entries. HTML content is
// sanitised again on the way out.
func WriteAtomEntries(w io.Writer, fi FeedInfo, self string, entries []Entry) error {
	f := atomFeed{Title: fi.Title, ID: self, Links: []atomLink{{Href: self, Rel: "self", Type: "application/atom+xml"}, {Href: fi.Base + "/", Rel: "alternate", Type: "text/html"}}}
	updated := time.Unix(0, 0).UTC()
	for _, n := range entries {
		if n.Updated.After(updated) {
			updated = n.Updated
		}
		e := atomEntry{Title: atomText{Body: n.Title}, ID: n.ID, Published: n.Published.UTC().Format(time.RFC3339), Updated: n.Updated.UTC().Format(time.RFC3339), Rights: n.Rights, Lang: n.Lang}
		e.Links = []atomLink{{Href: n.Link, Rel: "alternate", Type: "text/html"}}
		if n.Via != "" {
			e.Links = append(e.Links, atomLink{Href: n.Via, Rel: "via"})
		}
		e.Author.Name = n.Author
		if e.Author.Name == "" {
			e.Author.Name = fi.Title
		}
		if n.Summary != "" {
			e.Summary = &atomText{Type: "text", Body: n.Summary}
		}
		if n.ContentHTML != "" {
			e.Content = &atomText{Type: "html", Body: SanitizeHTML(n.ContentHTML)}
		}
		for _, t := range n.Tags {
			e.Category = append(e.Category, struct {
				Term string `xml:"term,attr"`
			}{t})
		}
		f.Entries = append(f.Entries, e)
	}
	if len(entries) == 0 {
		updated = time.Now().UTC() // an empty feed: as of now, not 1970
	}
	f.Updated = updated.Format(time.RFC3339)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("atom: %w", err)
	}
	return enc.Close()
}

// WriteICS writes an iCalendar (RFC 5545) calendar of events. Times are
// written in UTC (the "Z" form), which every client converts correctly
// without a VTIMEZONE; a single event's IANA zone is named in
// X-WR-TIMEZONE so that clients show it in the organiser's zone.
func WriteICS(w io.Writer, fi FeedInfo, name string, events []*node.CalendarEvent, now time.Time) error {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//etoiles//news and events//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + icsText(name))
	if len(events) == 1 {
		line("X-WR-TIMEZONE:" + icsText(events[0].Timezone))
	}
	for _, e := range events {
		lang := fi.Lang
		if _, ok := e.Name[lang]; !ok || lang == "" {
			lang = node.DefaultLanguage(e.Name)
		}
		uid := e.APID
		if uid == "" {
			uid = fi.Base + "/events/" + e.ID
		}
		line("BEGIN:VEVENT")
		line("UID:" + icsText(uid))
		line("DTSTAMP:" + icsTime(now))
		line("DTSTART:" + icsTime(e.Start))
		line("DTEND:" + icsTime(e.End))
		line("CREATED:" + icsTime(e.CreatedAt))
		line("LAST-MODIFIED:" + icsTime(e.UpdatedAt))
		line("SEQUENCE:" + fmt.Sprint(max(e.UpdatedAt.Unix()-e.CreatedAt.Unix(), 0)))
		line("SUMMARY:" + icsText(Pick(e.Name, lang)))
		if d := Pick(e.Description, lang); d != "" {
			line("DESCRIPTION:" + icsText(StripHTML(strings.ReplaceAll(d, "</p>", "</p>\n"))))
		}
		line("STATUS:" + strings.ToUpper(string(e.Status)))
		line("URL:" + icsText(fi.EventURL(e)))
		if loc := location(e); loc != "" {
			line("LOCATION:" + icsText(loc))
		}
		line("CATEGORIES:" + icsText(e.Category))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

func location(e *node.CalendarEvent) string {
	var parts []string
	if a := e.Address; a != nil {
		for _, s := range []string{a.Name, a.Street, strings.TrimSpace(a.Postcode + " " + a.Locality), a.Country} {
			if s != "" {
				parts = append(parts, s)
			}
		}
	}
	if e.OnlineURL != "" {
		parts = append(parts, e.OnlineURL)
	}
	return strings.Join(parts, ", ")
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func icsText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", "")
	return r.Replace(s)
}

// fold folds a content line at 75 octets (RFC 5545 3.1) without splitting
// a UTF-8 sequence, and ends it with CRLF.
func fold(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		l := len(string(r))
		if n+l > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += l
	}
	b.WriteString("\r\n")
	return b.String()
}
