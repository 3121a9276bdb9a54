package main

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWebNewsAndEvents(t *testing.T) {
	base, dir := mustWebNode(t)
	mustUser(t, dir, autreEmail, "member", "coop-autre", password)
	echo := newBrowserAs(t, base, "fr", echoEmail)
	autre := newBrowserAs(t, base, "en", autreEmail)
	admin := newBrowserAs(t, base, "en", adminEmail)

	var newsID string
	t.Run("news", func(t *testing.T) {
		if s, body, _ := echo.get("/news/write"); s != 200 || !strings.Contains(body, `<option value="fr" selected>`) {
			t.Fatalf("GET /news/write: %d", s)
		}
		s, body, _ := echo.post("/news/write", "lang", "fr", "title", " ", "summary", "Résumé", "publish_at", "demain")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#publish_at"`) || !strings.Contains(body, `aria-describedby="publish_at-hint publish_at-error"`) {
			t.Errorf("a bad date: %d, want 400 with the error tied to the field\n%s", s, body)
		}
		s, body, _ = echo.post("/news/write", "lang", "fr", "title", "", "summary", "Résumé")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#title"`) || !strings.Contains(body, `aria-describedby="title-error"`) {
			t.Errorf("no title: %d, want 400 with the error on the title\n%s", s, body)
		}
		s, _, h := echo.post("/news/write", "lang", "fr", "title", "Nos films en LSF", "summary", "Un catalogue <b>accessible</b>",
			"content", "Premier paragraphe.\n\nSecond <script>alert(1)</script>", "tags", "accessibilité, vidéo")
		if s != http.StatusSeeOther || h.Get("Location") != "/news?done=written" {
			t.Fatalf("write news: %d", s)
		}
		_, body, _ = echo.get("/news?done=written")
		m := regexp.MustCompile(`href="/news/([0-9a-f]+)/edit"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `lang="fr">Nos films en LSF</a>`) || !strings.Contains(body, "Un catalogue &lt;b&gt;accessible&lt;/b&gt;") ||
			!strings.Contains(body, "#accessibilité") || !strings.Contains(body, "Scop Écho") {
			t.Fatalf("the news list lacks the item, its author or an edit link:\n%s", body)
		}
		newsID = m[1]
		_, body, _ = echo.get("/news/" + newsID + "/edit")
		if !strings.Contains(body, "Premier paragraphe.\n\nSecond &lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("the edit form does not give back the text as written:\n%s", body)
		}
		if s, _, _ := echo.post("/news/"+newsID+"/edit", "lang", "en", "title", "Our films in sign language", "summary", "", "content", "In English."); s != http.StatusSeeOther {
			t.Errorf("add an English version: %d", s)
		}
		if _, body, _ := autre.get("/news"); !strings.Contains(body, `lang="en">Our films in sign language</a>`) || strings.Contains(body, "/news/"+newsID+"/edit") {
			t.Errorf("another co-op should read the English version and get no edit link")
		}
	})

	t.Run("events", func(t *testing.T) {
		echo.get("/events/write")
		s, body, _ := echo.post("/events/write", "lang", "fr", "name", "Atelier sous-titrage", "start", "2027-03-02T14:00",
			"end", "2027-03-02T12:00", "timezone", "Mars/Olympus", "locality", "Lyon", "join_mode", "free", "category", "LEARNING")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#timezone"`) {
			t.Errorf("a bad time zone: %d, want 400\n%s", s, body)
		}
		s, body, _ = echo.post("/events/write", "lang", "fr", "name", "Atelier sous-titrage", "start", "2027-03-02T14:00",
			"end", "2027-03-02T12:00", "timezone", "Europe/Paris", "join_mode", "free", "category", "LEARNING")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#end"`) || !strings.Contains(body, `href="#locality"`) {
			t.Errorf("an end before the start and no place: %d, want 400 with both errors\n%s", s, body)
		}
		s, _, _ = echo.post("/events/write", "lang", "fr", "name", "Atelier sous-titrage", "start", "2027-03-02T14:00",
			"end", "2027-03-02T17:30", "timezone", "Europe/Paris", "venue", "Maison des Scop", "locality", "Lyon", "country", "FR",
			"captions", "on", "sign_language", "fsl", "notes", "Boucle magnétique", "join_mode", "free", "category", "LEARNING")
		if s != http.StatusSeeOther {
			t.Fatalf("write event: %d", s)
		}
		_, body, _ = echo.get("/events?done=written")
		for _, want := range []string{`lang="fr">Atelier sous-titrage</a>`, "2 mars 2027 à 14:00 (Europe/Paris)", "Maison des Scop, Lyon (France)",
			"Sous-titrage en direct", "(fsl)", `<li lang="fr">Boucle magnétique</li>`, "L&#39;événement est publié."} {
			if !strings.Contains(body, want) {
				t.Errorf("the events page lacks %q", want)
			}
		}
	})

	t.Run("edit an event", func(t *testing.T) {
		_, body, _ := echo.get("/events")
		m := regexp.MustCompile(`href="(/events/[0-9a-f]+/edit)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no edit link on the author's event:\n%s", body)
		}
		_, body, _ = echo.get(m[1])
		for _, want := range []string{`value="2027-03-02T14:00"`, `value="Europe/Paris"`, `value="Maison des Scop"`, `id="captions" name="captions" checked`} {
			if !strings.Contains(body, want) {
				t.Errorf("the edit form lacks %q", want)
			}
		}
		if s, _, _ := autre.get(m[1]); s != http.StatusForbidden {
			t.Errorf("another co-op opens the event's edit form: %d, want 403", s)
		}
		if s, _, _ := autre.post(m[1], "lang", "en", "name", "Hijacked"); s != http.StatusForbidden {
			t.Errorf("another co-op edits the event: %d, want 403", s)
		}
		echo.get(m[1])
		s, _, h := echo.post(m[1], "lang", "en", "name", "Captioning workshop", "start", "2027-03-02T15:00", "end", "2027-03-02T17:30",
			"timezone", "Europe/Paris", "venue", "Maison des Scop", "locality", "Lyon", "country", "FR", "captions", "on",
			"join_mode", "free", "category", "LEARNING", "status", "cancelled")
		if s != http.StatusSeeOther || h.Get("Location") != "/events?done=saved" {
			t.Fatalf("edit the event: %d", s)
		}
		if _, body, _ := autre.get("/events"); !strings.Contains(body, `lang="en">Captioning workshop</a>`) || !strings.Contains(body, "<strong>cancelled</strong>") ||
			!strings.Contains(body, "15:00 (Europe/Paris)") {
			t.Errorf("the English reader does not see the new name, time and status:\n%s", body)
		}
		if _, body, _ := echo.get("/events"); !strings.Contains(body, `lang="fr">Atelier sous-titrage</a>`) || !strings.Contains(body, `<li lang="fr">Boucle magnétique</li>`) {
			t.Errorf("editing in English must keep the French name and note:\n%s", body)
		}
	})

	t.Run("permissions", func(t *testing.T) {
		autre.get("/news")
		if s, _, _ := autre.get("/news/" + newsID + "/edit"); s != http.StatusForbidden {
			t.Errorf("another co-op opens the edit form: %d, want 403", s)
		}
		if s, _, _ := autre.post("/news/"+newsID+"/edit", "lang", "fr", "title", "Piraté"); s != http.StatusForbidden {
			t.Errorf("another co-op edits the news: %d, want 403", s)
		}
		if s, _, _ := autre.post("/news/" + newsID + "/delete"); s != http.StatusForbidden {
			t.Errorf("another co-op deletes the news: %d, want 403", s)
		}
		_, body, _ := echo.get("/events")
		del := regexp.MustCompile(`action="(/events/[0-9a-f]+/delete)"`).FindStringSubmatch(body)
		if del == nil {
			t.Fatal("no delete button on the author's event")
		}
		autre.get("/events")
		if s, _, _ := autre.post(del[1]); s != http.StatusForbidden {
			t.Errorf("another co-op deletes the event: %d, want 403", s)
		}
		if s, _, _ := autre.post("/news/write", "lang", "en", "title", "As Echo", "author", "scop-echo"); s != http.StatusSeeOther {
			t.Errorf("a member writes: %d", s)
		} else if _, body, _ := autre.get("/news"); !strings.Contains(body, ">As Echo</a></h3>\n<p class=\"meta\">Coop Autre ·") {
			t.Errorf("a member's item must be its own co-op's, whatever the form says:\n%s", body)
		}
		if s, _, _ := echo.do("POST", "/news/"+newsID+"/delete", url.Values{}); s != http.StatusForbidden {
			t.Errorf("delete without a CSRF token: %d, want 403", s)
		}
		admin.get("/news")
		if s, _, _ := admin.post("/news/" + newsID + "/delete"); s != http.StatusSeeOther {
			t.Errorf("the admin deletes a member's news: %d", s)
		}
	})
}

// smtpSink is an SMTP server on loopback that keeps the messages sent to
// it: the mail server is outside the node.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { c.Write([]byte(l + "\r\n")) }
	say("220 sink.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-sink.test")
			say("250 8BITMIME")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 OK")
		}
	}
}

func (s *smtpSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// TestWebPasswordResetBySMTP asks for a reset on a node with --smtp-url
// and follows the link the mail server received.
func TestWebPasswordResetBySMTP(t *testing.T) {
	sink := newSMTPSink(t)
	n := newTestNode(t, "fr", func(c *Config) { c.SMTPURL = "smtp://" + sink.ln.Addr().String() + "?from=noreply@fr.example" })
	n.run("FR")
	mustUser(t, n.dir, adminEmail, "admin", "", password)
	base := "http://" + n.addr
	b := newBrowser(t, base)
	b.get("/password/forgot")
	if s, body, _ := b.post("/password/forgot", "email", adminEmail); s != 200 || !strings.Contains(body, "If an account uses the address") {
		t.Fatalf("forgot: %d\n%s", s, body)
	}
	var link string
	waitFor(t, 10*time.Second, "the reset mail", func() (bool, string) {
		for _, m := range sink.messages() {
			unfolded := strings.ReplaceAll(strings.ReplaceAll(m, "=\r\n", ""), "=3D", "=")
			if l := regexp.MustCompile(`/password/reset/[\w.-]+`).FindString(unfolded); l != "" {
				link = l
			}
		}
		return link != "", strings.Join(sink.messages(), "\n---\n")
	})
	if s, _, _ := b.get(link); s != 200 {
		t.Fatalf("GET %s: %d", link, s)
	}
	if s, body, _ := b.post(link, "password", "a new passphrase here", "password2", "a new passphrase here"); s != 200 || !strings.Contains(body, "Your password has been changed") {
		t.Fatalf("reset: %d", s)
	}
	b.login(adminEmail, "a new passphrase here")
}
