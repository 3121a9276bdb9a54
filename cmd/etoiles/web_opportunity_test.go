package main

import (
	"bufio"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

const autreEmail = "autre@autre.example"

// mustOpportunity posts an opportunity through the API and returns its id.
func mustOpportunity(t *testing.T, admin client, body string) string {
	t.Helper()
	s, b, _ := admin.do("POST", "/api/v1/opportunities", body)
	if s != http.StatusCreated {
		t.Fatalf("post opportunity: %d %v", s, b)
	}
	return b["id"].(string)
}

// mustOpportunityNode starts a node with scop-echo (video, web design) and
// coop-autre (joinery), a person for each and an admin, and three
// opportunities led by coop-autre: one that fits scop-echo, one that does
// not, and one that fits but is no longer open.
func mustOpportunityNode(t *testing.T) (base, fits, other, shut string) {
	t.Helper()
	base, dir := mustWebNode(t)
	mustUser(t, dir, autreEmail, "member", "coop-autre", password)
	admin := client{t, base, mustToken(t, dir, "--role", "admin")}
	deadline := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	fits = mustOpportunity(t, admin, `{"member":"coop-autre","title":{"fr":"Vidéo accessible d'un musée","en":"Accessible video for a museum"},
		"summary":{"fr":"Films sous-titrés et mobilier adapté"},"country":"FR","status":"active","open_abroad":true,
		"deadline":"`+deadline+`","value":{"amount":"125000","currency":"EUR"},
		"lots":[{"id":"LOT-1","title":{"fr":"Films"},"cpv":["92111000"]},{"id":"LOT-2","title":{"fr":"Mobilier"},"cpv":["45421000"]}],
		"competences":[{"cpv":"92111000","lot":"LOT-1"},{"cpv":"45421000","lot":"LOT-2"}],"flags":{"accessibility_criteria":true}}`)
	other = mustOpportunity(t, admin, `{"member":"coop-autre","title":{"fr":"Charpente d'une école"},"country":"FR","status":"active",
		"competences":[{"cpv":"45422000"}]}`)
	shut = mustOpportunity(t, admin, `{"member":"coop-autre","title":{"fr":"Clip déjà déposé"},"country":"FR","status":"active",
		"competences":[{"cpv":"92111000"}]}`)
	if s, b, _ := admin.do("POST", "/api/v1/opportunities/"+shut+"/status", `{"status":"submitted"}`); s != 200 {
		t.Fatalf("submit: %d %v", s, b)
	}
	return base, fits, other, shut
}

func TestWebOpportunities(t *testing.T) {
	base, fits, other, shut := mustOpportunityNode(t)
	echo := newBrowser(t, base)
	echo.lang = "fr"
	echo.login(echoEmail, password)
	page := "/opportunities/" + fits

	t.Run("for you", func(t *testing.T) {
		if s, _, h := echo.get("/"); s != http.StatusSeeOther || h.Get("Location") != "/foryou" {
			t.Errorf("a member's home: %d %s, want /foryou", s, h.Get("Location"))
		}
		s, body, _ := echo.get("/foryou")
		if s != 200 || !strings.Contains(body, "<h1>Pour vous</h1>") {
			t.Fatalf("GET /foryou: %d\n%s", s, body)
		}
		for _, want := range []string{`href="/opportunities/` + fits + `" lang="fr">Vidéo accessible d&#39;un musée</a>`,
			"1 opportunité dans votre pays", `<span class="code">92111000</span>`, "Échéance", "125\u00a0000,00\u00a0€"} {
			if !strings.Contains(body, want) {
				t.Errorf("For you lacks %q", want)
			}
		}
		for _, unwanted := range []string{other, shut} {
			if strings.Contains(body, "/opportunities/"+unwanted+`"`) {
				t.Errorf("For you shows %s, which does not fit or is not open", unwanted)
			}
		}
		if _, body, _ := newBrowserAs(t, base, "en", autreEmail).get("/foryou"); strings.Contains(body, fits) {
			t.Error("For you shows the lead its own opportunity")
		}
	})

	t.Run("list and filters", func(t *testing.T) {
		s, body, _ := echo.get("/opportunities?scope=local")
		if s != 200 || !strings.Contains(body, "opportunités trouvées") || strings.Contains(body, shut) {
			t.Errorf("open local opportunities: %d\n%s", s, body)
		}
		if _, body, _ := echo.get("/opportunities?status=all"); !strings.Contains(body, "3 opportunités trouvées") {
			t.Errorf("all opportunities: want 3")
		}
		if _, body, _ := echo.get("/opportunities?competence=92000000"); !strings.Contains(body, "1 opportunité trouvée") {
			t.Errorf("opportunities needing 92000000: want 1")
		}
		s, body, _ = echo.get("/opportunities?country=France&competence=abc")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#country"`) || !strings.Contains(body, `aria-describedby="country-hint country-error"`) ||
			!strings.Contains(body, `href="#competence"`) {
			t.Errorf("bad filters: %d, want 400 with errors tied to the fields\n%s", s, body)
		}
	})

	t.Run("post", func(t *testing.T) {
		if s, body, _ := echo.get("/opportunities/new"); s != 200 || strings.Contains(body, `id="member"`) {
			t.Fatalf("a member's post form: %d (it must not offer to choose the lead)", s)
		}
		past := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04")
		s, body, _ := echo.post("/opportunities/new", "lang", "fr", "title", "", "competences", "abc", "country", "FR", "deadline", past, "status", "active")
		if s != http.StatusBadRequest {
			t.Fatalf("a bad opportunity: %d", s)
		}
		for _, id := range []string{"title", "competences"} {
			if !strings.Contains(body, `href="#`+id+`"`) || !regexp.MustCompile(`aria-describedby="[^"]*`+id+`-error"`).MatchString(body) {
				t.Errorf("the error on %s is not summarised and tied to its field", id)
			}
		}
		s, body, _ = echo.post("/opportunities/new", "lang", "fr", "title", "Trop tard", "competences", "92111000", "country", "FR", "deadline", past, "status", "active")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#deadline"`) || !strings.Contains(body, `aria-describedby="deadline-hint deadline-error"`) {
			t.Errorf("a past deadline: %d, want 400 with the error on the deadline", s)
		}
		s, _, h := echo.post("/opportunities/new", "member", "coop-autre", "lang", "fr", "title", "Sous-titrage d'un festival", "competences", "92111000",
			"country", "FR", "value_amount", "8000", "value_currency", "EUR", "status", "active", "open_abroad", "on")
		if s != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?done=posted") {
			t.Fatalf("post: %d", s)
		}
		_, body, _ = echo.get(h.Get("Location"))
		if !strings.Contains(body, "<h1>Sous-titrage d&#39;un festival</h1>") || !strings.Contains(body, "<dt>Chef de file</dt><dd>Scop Écho</dd>") {
			t.Errorf("a member posts for its own co-op, whatever the form says:\n%s", body)
		}
		admin := newBrowserAs(t, base, "en", adminEmail)
		admin.get("/opportunities/new")
		if s, body, _ := admin.post("/opportunities/new", "lang", "en", "title", "No lead", "competences", "92111000", "country", "FR", "status", "active"); s != http.StatusBadRequest || !strings.Contains(body, `href="#member"`) {
			t.Errorf("an admin posts without a lead: %d, want 400 on the lead", s)
		}
		if s, _, _ := newBrowser(t, base).do("POST", "/opportunities/new", nil); s != http.StatusForbidden {
			t.Errorf("post without a session or CSRF token: %d, want 403", s)
		}
	})

	t.Run("live for you", func(t *testing.T) {
		live := openLive(t, echo, "/live/foryou")
		lead := newBrowserAs(t, base, "en", autreEmail)
		lead.get("/opportunities/new")
		for _, cpv := range []string{"45421000", "92111000"} { // joinery does not fit scop-echo; video does
			if s, _, _ := lead.post("/opportunities/new", "lang", "en", "title", "Live "+cpv, "competences", cpv, "country", "FR", "status", "active"); s != http.StatusSeeOther {
				t.Fatalf("post: %d", s)
			}
		}
		got := 0
		timeout := time.After(3 * time.Second)
	wait:
		for {
			select {
			case <-live:
				got++
			case <-timeout:
				break wait
			}
		}
		if got != 1 {
			t.Errorf("For you's live stream told of %d changes, want 1 (the opportunity that fits)", got)
		}
		if _, body, _ := echo.get("/foryou"); !strings.Contains(body, `data-live="/live/foryou"`) || !strings.Contains(body, `<script src="/static/live.js" defer></script>`) {
			t.Error("For you does not follow its live stream")
		}
	})

	var interest string
	autre := newBrowserAs(t, base, "it", autreEmail)
	t.Run("express interest", func(t *testing.T) {
		live := openLive(t, autre, "/live/opportunities/"+fits)
		s, body, _ := echo.get(page)
		if s != 200 || !strings.Contains(body, `<h1>Vidéo accessible d&#39;un musée</h1>`) {
			t.Fatalf("detail: %d\n%s", s, body)
		}
		if !regexp.MustCompile(`id="offer-92111000" name="competences" value="92111000" checked`).MatchString(body) ||
			regexp.MustCompile(`id="offer-72413000" name="competences" value="72413000" checked`).MatchString(body) {
			t.Errorf("the form should tick 92111000, which fits, and not 72413000")
		}
		if strings.Contains(body, "/accept") || strings.Contains(body, `action="/opportunities/`+fits+`/status"`) {
			t.Error("a member who is not the lead sees the lead's forms")
		}
		s, body, _ = echo.post(page+"/interest", "role", "boss", "lots", "LOT-9", "competences", "92111000")
		if s != http.StatusBadRequest || !strings.Contains(body, `aria-describedby="role-error"`) || !strings.Contains(body, `href="#lots"`) ||
			!strings.Contains(body, `class="error-summary"`) {
			t.Errorf("a bad interest: %d, want 400 with the errors tied and summarised\n%s", s, body)
		}
		echo.get(page)
		s, _, h := echo.post(page+"/interest", "role", "group-member", "lots", "LOT-1", "competences", "92111000", "message", "Nous filmons en LSF.")
		if s != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?done=interest") {
			t.Fatalf("express interest: %d", s)
		}
		select {
		case line := <-live:
			if line != "event: change" {
				t.Errorf("live stream: %q, want a change", line)
			}
		case <-time.After(10 * time.Second):
			t.Error("the lead's live stream did not tell of the new interest")
		}
		_, body, _ = echo.get(page + "?done=interest")
		if !strings.Contains(body, "Votre candidature est envoyée") || !strings.Contains(body, "en attente de réponse") || strings.Contains(body, `id="express"`) {
			t.Errorf("after expressing interest the page should say so and hide the form\n%s", body)
		}
	})

	t.Run("permissions", func(t *testing.T) {
		_, body, _ := autre.get(page)
		m := regexp.MustCompile(`action="(/opportunities/` + fits + `/interests/([^/"]+)/accept)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the lead sees no accept button:\n%s", body)
		}
		interest = m[2]
		echo.get(page)
		if s, _, _ := echo.post(m[1]); s != http.StatusForbidden {
			t.Errorf("a member accepts its own interest in another co-op's opportunity: %d, want 403", s)
		}
		if s, _, _ := echo.post(page+"/status", "status", "withdrawn"); s != http.StatusForbidden {
			t.Errorf("a member moves another co-op's opportunity: %d, want 403", s)
		}
		autre.csrf = ""
		if s, _, _ := autre.post(m[1]); s != http.StatusForbidden {
			t.Errorf("accept without a CSRF token: %d, want 403", s)
		}
		admin := newBrowserAs(t, base, "en", adminEmail)
		admin.get(page)
		if s, _, _ := admin.post("/opportunities/"+other+"/interest", "role", "group-member"); s != http.StatusForbidden {
			t.Errorf("an admin expresses interest: %d, want 403", s)
		}
		for _, path := range []string{page, "/live/opportunities/" + fits} {
			if s, _, _ := newBrowser(t, base).get(path); s != http.StatusSeeOther {
				t.Errorf("anonymous GET %s: %d, want a redirect to login", path, s)
			}
		}
		if s, _, _ := echo.get("/live/opportunities/nosuchthing"); s != http.StatusNotFound {
			t.Errorf("live stream of an unknown opportunity: %d, want 404", s)
		}
	})

	t.Run("the lead answers and moves the status", func(t *testing.T) {
		_, body, _ := autre.get(page)
		if !strings.Contains(body, `lang="fr">Nous filmons en LSF.</p>`) || !strings.Contains(body, `<h1 lang="en">Accessible video for a museum</h1>`) {
			t.Errorf("the Italian lead should see the French message marked French and the English title (the fallback) marked English")
		}
		// Suggested consortia: the lead (already in) with a co-op that
		// brings the video the lead lacks, explained in Italian.
		if !strings.Contains(body, "Raggruppamenti suggeriti") || !strings.Contains(body, "già nel raggruppamento") ||
			!regexp.MustCompile(`Copre 2 delle 2 competenze richieste, con 2 cooperative`).MatchString(body) ||
			!regexp.MustCompile(`Scop Écho \(Francia\) – apporta <span class="code">92111000</span>`).MatchString(body) {
			t.Errorf("the lead's page lacks the explained suggestions\n%s", body)
		}
		if _, body, _ := echo.get(page); strings.Contains(body, "Suggested consortia") || strings.Contains(body, "Groupements suggérés") {
			t.Error("a member who is not the lead sees the suggestions")
		}
		if s, _, h := autre.post(page + "/interests/" + interest + "/accept"); s != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "done=accepted") {
			t.Fatalf("accept: %d", s)
		}
		_, body, _ = autre.get(page + "?done=accepted")
		if !strings.Contains(body, "la cooperativa entra nel raggruppamento") || !strings.Contains(body, "<th scope=\"row\">Scop Écho") {
			t.Errorf("after accepting, the consortium should list Scop Écho\n%s", body)
		}
		if s, _, _ := autre.post(page + "/interests/" + interest + "/accept"); s != http.StatusConflict {
			t.Errorf("accepting twice: %d, want 409", s)
		}
		autre.get(page)
		if s, _, _ := autre.post(page+"/status", "status", "submitted"); s != http.StatusSeeOther {
			t.Fatalf("submit: %d", s)
		}
		autre.get(page)
		s, body, _ := autre.post(page+"/status", "status", "won")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#outcome_amount"`) || !strings.Contains(body, `aria-describedby="outcome_amount-hint outcome_amount-error"`) {
			t.Errorf("won without the amount: %d, want 400 with the error on the amount\n%s", s, body)
		}
		if s, _, _ := autre.post(page+"/status", "status", "won", "outcome_amount", "118000,5", "outcome_currency", "EUR"); s != http.StatusSeeOther {
			t.Fatalf("won: %d", s)
		}
		_, body, _ = autre.get(page)
		if !strings.Contains(body, "118.000,50\u00a0€") || !strings.Contains(body, "vinta") {
			t.Errorf("the won bid's value in Italian is missing\n%s", body)
		}
		s, body, _ = autre.post(page+"/status", "status", "active")
		if s != http.StatusBadRequest || !strings.Contains(body, `aria-describedby="status-error"`) {
			t.Errorf("an illegal move: %d, want 400 with the error on the status", s)
		}
		_, body, _ = echo.get(page)
		if !strings.Contains(body, "acceptée") {
			t.Errorf("the member does not see its interest accepted")
		}
	})
}

// newBrowserAs logs a person in with a browser in a language.
func newBrowserAs(t *testing.T, base, lang, email string) *browser {
	t.Helper()
	b := newBrowser(t, base)
	b.lang = lang
	b.login(email, password)
	return b
}

// openLive follows a page's event stream with b's session and returns its
// event lines (comments and data left out).
func openLive(t *testing.T, b *browser, path string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", b.base+path, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "event:") {
				lines <- l
			}
		}
	}()
	return lines
}
