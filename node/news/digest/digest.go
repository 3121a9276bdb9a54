package digest

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/mail"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/opportunity"
)

// Store records the periods sent.
type Store interface {
	// ClaimDigest returns false when the period was claimed before.
	ClaimDigest(ctx context.Context, period string) (bool, error)
	// FinishDigest marks the period sent, or releases it on sendErr.
	FinishDigest(ctx context.Context, period string, sendErr error) error
}

// Sender sends one mail (node/mail.Sender).
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

// OpportunityLister lists opportunities (node/opportunity.Service).
type OpportunityLister interface {
	List(ctx context.Context, q opportunity.Query) ([]*node.Opportunity, int, error)
}

// Digest sends the digest of the last complete period.
type Digest struct {
	// Opportunities, when set, adds the cross-border opportunities
	// (from other countries' nodes, or open to partners abroad) that
	// arrived during the period.
	Opportunities OpportunityLister
	News          *news.Service
	Store         Store
	Sender        Sender
	To            string // the list address
	Period        string // weekly or monthly
	Info          news.FeedInfo
	// Lang is the language shown when an item has several; "" = each
	// item's default.
	Lang string
}

// Period is a digest period: its key, and its bounds [Start, End).
type Period struct {
	Key        string
	Start, End time.Time
}

// LastComplete returns the last complete period before now (in UTC):
// the previous ISO week (Monday to Monday) or the previous month.
func LastComplete(kind string, now time.Time) (Period, error) {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch kind {
	case "weekly":
		end := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // this Monday
		start := end.AddDate(0, 0, -7)
		y, w := start.ISOWeek()
		return Period{Key: fmt.Sprintf("weekly:%d-W%02d", y, w), Start: start, End: end}, nil
	case "monthly":
		end := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		start := end.AddDate(0, -1, 0)
		return Period{Key: "monthly:" + start.Format("2006-01"), Start: start, End: end}, nil
	}
	return Period{}, fmt.Errorf("digest period %q: want weekly or monthly", kind)
}

// RunDue sends the digest of the last complete period if it was not sent
// yet. It reports whether it sent one. A period with nothing to tell is
// not claimed: an item published later with an earlier date still gets
// its digest.
func (d *Digest) RunDue(ctx context.Context, now time.Time) (bool, error) {
	p, err := LastComplete(d.Period, now)
	if err != nil {
		return false, err
	}
	return d.Send(ctx, p, now)
}

// Send sends the digest of period p unless it was claimed before.
func (d *Digest) Send(ctx context.Context, p Period, now time.Time) (bool, error) {
	items, err := d.News.ListNews(ctx, news.Query{Since: p.Start, Until: p.End, Limit: 200})
	if err != nil {
		return false, err
	}
	events, err := d.News.ListEvents(ctx, news.Query{Since: now, Until: now.AddDate(0, 2, 0), Limit: 200})
	if err != nil {
		return false, err
	}
	var opps []*node.Opportunity
	if d.Opportunities != nil {
		list, _, err := d.Opportunities.List(ctx, opportunity.Query{Scope: opportunity.ScopeCrossBorder, Limit: opportunity.MaxLimit})
		if err != nil {
			return false, err
		}
		for _, o := range list {
			if !o.CreatedAt.Before(p.Start) && o.CreatedAt.Before(p.End) {
				opps = append(opps, o)
			}
		}
	}
	if len(items) == 0 && len(events) == 0 && len(opps) == 0 {
		return false, nil
	}
	claimed, err := d.Store.ClaimDigest(ctx, p.Key)
	if err != nil || !claimed {
		return false, err
	}
	msg, err := d.Render(p, items, events, opps)
	if err != nil {
		_ = d.Store.FinishDigest(ctx, p.Key, err)
		return false, err
	}
	sendErr := d.Sender.Send(ctx, msg)
	if err := d.Store.FinishDigest(ctx, p.Key, sendErr); err != nil {
		return false, err
	}
	if sendErr != nil {
		return false, fmt.Errorf("digest %s: %w", p.Key, sendErr)
	}
	return true, nil
}

type entry struct {
	Title, Summary, URL, When, Author, Where string
}

type view struct {
	Group, Period, Base   string
	News, Events, Tenders []entry
}

var textTmpl = texttemplate.Must(texttemplate.New("t").Parse(`{{.Group}} — {{.Period}}
{{if .News}}
NEWS
{{range .News}}
* {{.Title}}{{if .Author}} ({{.Author}}){{end}}
  {{.When}}
{{- if .Summary}}
  {{.Summary}}{{end}}
  {{.URL}}
{{end}}{{end}}{{if .Events}}
COMING EVENTS
{{range .Events}}
* {{.Title}}
  {{.When}}{{if .Where}}
  {{.Where}}{{end}}
  {{.URL}}
{{end}}{{end}}{{if .Tenders}}
NEW CROSS-BORDER OPPORTUNITIES
{{range .Tenders}}
* {{.Title}}{{if .Author}} ({{.Author}}){{end}}{{if .When}}
  {{.When}}{{end}}{{if .Where}}
  {{.Where}}{{end}}
{{end}}{{end}}
--
{{.Base}}/feeds/news.atom
{{.Base}}/feeds/events.ics
`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("h").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Group}} — {{.Period}}</title></head><body>
<h1>{{.Group}} — {{.Period}}</h1>
{{if .News}}<h2>News</h2><ul>{{range .News}}
<li><a href="{{.URL}}">{{.Title}}</a>{{if .Author}} ({{.Author}}){{end}}<br><small>{{.When}}</small>{{if .Summary}}<p>{{.Summary}}</p>{{end}}</li>{{end}}
</ul>{{end}}
{{if .Events}}<h2>Coming events</h2><ul>{{range .Events}}
<li><a href="{{.URL}}">{{.Title}}</a><br><small>{{.When}}</small>{{if .Where}}<br>{{.Where}}{{end}}</li>{{end}}
</ul>{{end}}
{{if .Tenders}}<h2>New cross-border opportunities</h2><ul>{{range .Tenders}}
<li>{{.Title}}{{if .Author}} ({{.Author}}){{end}}{{if .When}}<br><small>{{.When}}</small>{{end}}{{if .Where}}<br>{{.Where}}{{end}}</li>{{end}}
</ul>{{end}}
<p><a href="{{.Base}}/feeds/news.atom">Atom</a> · <a href="{{.Base}}/feeds/events.ics">iCalendar</a></p>
</body></html>`))

// Render builds the digest mail.
func (d *Digest) Render(p Period, items []*node.NewsItem, events []*node.CalendarEvent, opps []*node.Opportunity) (mail.Message, error) {
	label := p.Start.Format("2006-01-02") + " – " + p.End.AddDate(0, 0, -1).Format("2006-01-02")
	v := view{Group: d.Info.Title, Period: label, Base: d.Info.Base}
	for _, n := range items {
		v.News = append(v.News, entry{Title: news.Pick(n.Title, d.Lang), Summary: news.Pick(n.Summary, d.Lang), URL: d.Info.NewsURL(n),
			When: n.PublishAt.UTC().Format("2006-01-02"), Author: n.Author.Name})
	}
	for _, e := range events {
		loc := e.Location()
		where := e.OnlineURL
		if a := e.Address; a != nil {
			where = strings.Trim(strings.Join([]string{a.Name, a.Locality, a.Country}, ", "), ", ")
		}
		v.Events = append(v.Events, entry{Title: news.Pick(e.Name, d.Lang), URL: d.Info.EventURL(e), Where: where,
			When: e.Start.In(loc).Format("Mon 2006-01-02 15:04") + " (" + e.Timezone + ")" + statusNote(e.Status)})
	}
	for _, o := range opps {
		e := entry{Title: news.Pick(o.Title, d.Lang), Author: o.LeadName, Where: o.Country}
		if o.Region != "" {
			e.Where += " " + o.Region
		}
		if o.Deadline != nil {
			e.When = "deadline " + o.Deadline.UTC().Format("2006-01-02 15:04 UTC")
		}
		v.Tenders = append(v.Tenders, e)
	}
	var t, h bytes.Buffer
	if err := textTmpl.Execute(&t, v); err != nil {
		return mail.Message{}, err
	}
	if err := htmlTmpl.Execute(&h, v); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{
		To: []string{d.To}, Subject: d.Info.Title + " — " + label, Text: t.String(), HTML: h.String(),
		Headers: map[string]string{"X-Etoiles-Digest": p.Key, "Auto-Submitted": "auto-generated"},
	}, nil
}

func statusNote(s node.EventStatus) string {
	if s == node.EventConfirmed {
		return ""
	}
	return " — " + strings.ToUpper(string(s))
}
