package digest_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/internal/smtptest"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/mail"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/news/digest"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

var oppTime = time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)

type links struct{}

func (links) Actor() string                { return "https://fr.example/actor" }
func (links) Member(id string) string      { return "https://fr.example/members/" + id }
func (links) Opportunity(id string) string { return "https://fr.example/opportunities/" + id }
func (links) Interest(id string) string    { return "https://fr.example/interests/" + id }

func TestLastComplete(t *testing.T) {
	now := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC) // a Friday
	for _, tt := range []struct{ kind, key, start, end string }{
		{"weekly", "weekly:2026-W47", "2026-11-16", "2026-11-23"},
		{"monthly", "monthly:2026-10", "2026-10-01", "2026-11-01"},
	} {
		p, err := digest.LastComplete(tt.kind, now)
		if err != nil || p.Key != tt.key || p.Start.Format("2006-01-02") != tt.start || p.End.Format("2006-01-02") != tt.end {
			t.Errorf("LastComplete(%s) = %+v, %v; want %s [%s, %s)", tt.kind, p, err, tt.key, tt.start, tt.end)
		}
	}
	if _, err := digest.LastComplete("daily", now); err == nil {
		t.Error("LastComplete(daily) = nil error")
	}
}

func TestDigestSentOnceAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.MustServer(t)
	path := filepath.Join(t.TempDir(), "n.db")
	open := func() (*sqlite.DB, *digest.Digest) {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cfg, _ := mail.ParseURL(srv.URL("news@fr.example"))
		sender, _ := mail.New(cfg)
		svc := &news.Service{Store: db, GroupName: "Réseau FR"}
		opps := &opportunity.Service{Store: db, Links: links{}, Country: "FR", Now: func() time.Time { return oppTime }}
		return db, &digest.Digest{News: svc, Store: db, Sender: sender, To: "liste@lists.example", Period: "weekly",
			Info: news.FeedInfo{Base: "https://fr.example", Title: "Réseau FR"}, Opportunities: opps}
	}
	db, d := open()
	if sent, err := d.RunDue(ctx, time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)); sent || err != nil {
		t.Fatalf("RunDue with nothing to tell = %v, %v", sent, err)
	}
	if st, _ := db.DigestState(ctx, "weekly:2026-W47"); st != "" {
		t.Fatalf("an empty period was claimed: %q", st)
	}
	inWeek := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)
	for _, title := range []string{"Assemblée générale", "Formation <SPIP>"} {
		if _, err := d.News.CreateNews(ctx, news.Actor{Admin: true}, &node.NewsItem{Title: map[string]string{"fr": title}, Summary: map[string]string{"fr": "Résumé de " + title}, PublishAt: inWeek}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	deadline := now.AddDate(0, 1, 0)
	for _, o := range []*node.Opportunity{
		{Title: map[string]string{"fr": "Portail accessible transfrontalier"}, Country: "FR", OpenAbroad: true, Source: "111-2026", Deadline: &deadline,
			Competences: []node.RequiredCompetence{{CPV: "72413000"}}},
		{Title: map[string]string{"fr": "Marché local seulement"}, Country: "FR", Source: "222-2026", Deadline: &deadline,
			Competences: []node.RequiredCompetence{{CPV: "72413000"}}},
	} {
		if _, _, err := d.Opportunities.(*opportunity.Service).Import(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.News.CreateEvent(ctx, news.Actor{Admin: true}, &node.CalendarEvent{Name: map[string]string{"fr": "Journée SPIP"}, Start: now.Add(72 * time.Hour), End: now.Add(80 * time.Hour),
		Timezone: "Europe/Paris", Address: &node.Address{Name: "Maison des Scop", Locality: "Lyon", Country: "FR"}, Category: "LEARNING"}); err != nil {
		t.Fatal(err)
	}
	// A refused send releases the period.
	srv.SetRefuse(errors.New("list closed"))
	if sent, err := d.RunDue(ctx, now); sent || err == nil {
		t.Fatalf("RunDue with a refusing server = %v, %v; want an error", sent, err)
	}
	srv.SetRefuse(nil)
	if sent, err := d.RunDue(ctx, now); !sent || err != nil {
		t.Fatalf("RunDue = %v, %v; want sent", sent, err)
	}
	if sent, err := d.RunDue(ctx, now.Add(time.Hour)); sent || err != nil {
		t.Errorf("second RunDue = %v, %v; want nothing sent", sent, err)
	}
	db.Close()
	db, d = open() // a restart
	if sent, err := d.RunDue(ctx, now.Add(2*time.Hour)); sent || err != nil {
		t.Errorf("RunDue after a restart = %v, %v; want nothing sent", sent, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the list received %d digests, want 1", len(msgs))
	}
	if msgs[0].To[0] != "liste@lists.example" {
		t.Errorf("rcpt = %v", msgs[0].To)
	}
	m := smtptest.Parse(t, msgs[0].Data)
	if m.Subject != "Réseau FR — 2026-11-16 – 2026-11-22" || m.Header.Get("X-Etoiles-Digest") != "weekly:2026-W47" {
		t.Errorf("subject %q, digest header %q", m.Subject, m.Header.Get("X-Etoiles-Digest"))
	}
	text, html := m.Bodies["text/plain"], m.Bodies["text/html"]
	if strings.Contains(text, "Marché local seulement") {
		t.Errorf("the digest lists an opportunity that is not cross-border:\n%s", text)
	}
	for _, want := range []string{"Assemblée générale", "Formation <SPIP>", "Journée SPIP", "Maison des Scop, Lyon, FR", "https://fr.example/news/",
		"NEW CROSS-BORDER OPPORTUNITIES", "Portail accessible transfrontalier", "deadline 2026-12-27"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, "Formation &lt;SPIP&gt;") || strings.Contains(html, "<SPIP>") || !strings.Contains(html, `href="https://fr.example/events/`) {
		t.Errorf("html part:\n%s", html)
	}
	if st, _ := db.DigestState(ctx, "weekly:2026-W47"); st != "sent" {
		t.Errorf("state = %q, want sent", st)
	}
	// A crash after the claim leaves the period "sending": never resent,
	// and listed for the operator.
	if ok, err := db.ClaimDigest(ctx, "weekly:2026-W48"); !ok || err != nil {
		t.Fatalf("ClaimDigest = %v, %v", ok, err)
	}
	db.Close()
	db, d = open()
	if stuck, err := db.DigestsSending(ctx); err != nil || len(stuck) != 1 || stuck[0] != "weekly:2026-W48" {
		t.Errorf("DigestsSending = %v, %v", stuck, err)
	}
	if sent, err := d.RunDue(ctx, time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)); sent || err != nil {
		t.Errorf("RunDue of a stuck period = %v, %v; want nothing sent", sent, err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the list received %d digests, want 1", n)
	}
}
