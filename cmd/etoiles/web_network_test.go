package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// mustConfederationWeb starts a confederation node holding the reports of
// two national nodes (fr with two months of history, it), with an admin
// account and a member account (for a co-op registered on it).
func mustConfederationWeb(t *testing.T) *testNode {
	t.Helper()
	conf := newTestNode(t, "confederation", func(c *Config) { c.Role = "confederation"; c.Name = "e-toiles Europe" })
	conf.run("")
	now := time.Now().UTC()
	lastMonth := now.AddDate(0, -1, 0)
	reports := []*node.StatsReport{
		{Node: "http://fr.example/actor", Country: "FR", GeneratedAt: lastMonth, Threshold: 3,
			Members: map[string]int{"member": 1200, "prospect": 10}},
		{Node: "http://fr.example/actor", Country: "FR", GeneratedAt: now.Add(-time.Hour), Threshold: 3,
			Members: map[string]int{"member": 1234, "prospect": 12, "lapsed": 5, "alumni": 40}, Churn: 0.125,
			ByDivision: map[string]int{"72": 400, "92": 30}, Consortia: 7, CrossBorder: 3, BidsWon: 2, BidsWonValue: 1234.5,
			Opportunities: map[string]int{"active": 9, "won": 2}, Suppressed: []string{"by_region"}},
		{Node: "http://it.example/actor", Country: "IT", GeneratedAt: now.Add(-2 * time.Hour), Threshold: 3,
			Members: map[string]int{"member": 321}, Churn: 0.05, EventsHeld: 4},
	}
	for _, r := range reports {
		if err := conf.main.db.SaveReport(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if s, b, _ := conf.admin.do("POST", "/api/v1/members", `{"name":"Scop Conf","country":"BE"}`); s != 201 {
		t.Fatalf("create member: %d %v", s, b)
	}
	mustUser(t, conf.dir, adminEmail, "admin", "", password)
	mustUser(t, conf.dir, echoEmail, "member", "scop-conf", password)
	return conf
}

func TestWebNetwork(t *testing.T) {
	conf := mustConfederationWeb(t)
	base := "http://" + conf.addr
	admin := newBrowser(t, base)
	admin.login(adminEmail, password)

	t.Run("dashboard", func(t *testing.T) {
		if s, _, h := admin.get("/"); s != http.StatusSeeOther || h.Get("Location") != "/network" {
			t.Errorf("home of a confederation admin: %d %s, want /network", s, h.Get("Location"))
		}
		s, body, _ := admin.get("/network")
		if s != 200 {
			t.Fatalf("GET /network: %d\n%s", s, body)
		}
		for _, want := range []string{
			`<svg role="img" aria-labelledby="chart-countries-title chart-countries-desc"`,
			`<title id="chart-countries-title">Member co-ops by country</title>`,
			`<desc id="chart-countries-desc">France: 1,234; Italy: 321.</desc>`,
			`<a href="/network?country=FR">France</a></th><td class="num">1,234</td><td class="num">12.5%</td>`,
			`<caption>Member co-ops of the network, by month</caption>`,
			`<th scope="row">` + time.Now().UTC().AddDate(0, -1, 0).Format("January 2006") + `</th><td class="num">1,200</td>`,
			`€1,234.50`, `href="/network/stats.csv"`, `lang="`, "never sends a count below 3",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if n := strings.Count(body, `<rect class="bar"`); n != 2 {
			t.Errorf("bar chart has %d bars, want 2", n)
		}
		if n := strings.Count(body, `<circle class="dot"`); n != 2 {
			t.Errorf("line chart has %d points, want 2 months", n)
		}
		fr := newBrowser(t, base)
		fr.lang = "fr"
		fr.login(adminEmail, password)
		_, body, _ = fr.get("/network")
		for _, want := range []string{"1\u00a0234", "12,5\u00a0%", "1\u00a0234,50\u00a0€", ">Italie</a>", `<html lang="fr">`} {
			if !strings.Contains(body, want) {
				t.Errorf("French dashboard lacks %q", want)
			}
		}
		fr.lang = "de"
		fr.get("/lang/de?next=/network")
		if _, body, _ = fr.get("/network"); !strings.Contains(body, "1.234") || !strings.Contains(body, "Frankreich") {
			t.Errorf("German dashboard lacks 1.234 or Frankreich")
		}
	})

	t.Run("drill-down", func(t *testing.T) {
		s, body, _ := admin.get("/network?country=fr")
		if s != 200 {
			t.Fatalf("drill-down: %d", s)
		}
		for _, want := range []string{"<h1>Network: France</h1>", `<th scope="row">fr.example</th>`, "Co-ops of France by status",
			`<th scope="row">lapsed</th><td class="num">5</td>`} {
			if !strings.Contains(body, want) {
				t.Errorf("drill-down lacks %q", want)
			}
		}
		if strings.Contains(body, "it.example") {
			t.Error("the drill-down to France shows the Italian node")
		}
		s, body, _ = admin.get("/network?country=France")
		if s != http.StatusBadRequest || !strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, `aria-describedby="country-error"`) ||
			!strings.Contains(body, `href="#country"`) {
			t.Errorf("an invalid country: %d, want 400 with the error tied to the field and summarised\n%s", s, body)
		}
		if s, body, _ := admin.get("/network?country=PT"); s != 200 || !strings.Contains(body, "No node in Portugal") {
			t.Errorf("a country without nodes: %d", s)
		}
	})

	t.Run("csv", func(t *testing.T) {
		s, body, h := admin.get("/network/stats.csv")
		if s != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || strings.Count(body, "\n") != 3 ||
			!strings.Contains(body, "FR,http://fr.example/actor") {
			t.Errorf("CSV: %d %s\n%s", s, h.Get("Content-Type"), body)
		}
	})

	t.Run("admissions", func(t *testing.T) {
		admin.get("/network/admissions")
		s, body, _ := admin.post("/network/admissions", "actor", "not a url", "country", "Italia", "name", " ", "ttl", "365")
		if s != http.StatusBadRequest {
			t.Fatalf("bad admission: %d", s)
		}
		for _, id := range []string{"actor", "country", "name"} {
			if !strings.Contains(body, `href="#`+id+`"`) || !strings.Contains(body, `aria-describedby="`+id+`-error"`) &&
				!strings.Contains(body, id+`-hint `+id+`-error"`) {
				t.Errorf("the error on %s is not summarised and tied to its field", id)
			}
		}
		if s, _, _ := admin.post("/network/admissions", "actor", "http://it.example/actor", "country", "IT", "name", "e-toiles Italia", "ttl", "3"); s != http.StatusBadRequest {
			t.Errorf("a validity not offered: %d, want 400", s)
		}
		s, body, _ = admin.post("/network/admissions", "actor", "http://it.example/actor", "country", "it", "name", "e-toiles Italia", "ttl", "90")
		if s != http.StatusCreated || !regexp.MustCompile(`<textarea id="credential"[^>]*>[\w-]+\.[\w-]+\.[\w-]+</textarea>`).MatchString(body) {
			t.Fatalf("admit: %d, want 201 with the credential\n%s", s, body)
		}
		_, body, _ = admin.get("/network/admissions")
		if strings.Contains(body, `id="credential"`) {
			t.Error("the credential is shown again")
		}
		m := regexp.MustCompile(`action="(/network/admissions/[^"/]+/revoke)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "in force") || !strings.Contains(body, "Italy") {
			t.Fatalf("the admission is not listed as in force with a revoke button:\n%s", body)
		}
		admin.csrf = ""
		if s, _, _ := admin.post(m[1]); s != http.StatusForbidden {
			t.Errorf("revoke without a CSRF token: %d, want 403", s)
		}
		admin.get("/network/admissions")
		if s, _, h := admin.post(m[1]); s != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "done=revoked") {
			t.Fatalf("revoke: %d", s)
		}
		if _, body, _ := admin.get("/network/admissions?done=revoked"); !strings.Contains(body, ">revoked</span>") || strings.Contains(body, m[1]) {
			t.Errorf("after revoking, the admission is not shown revoked without a button")
		}
		_, list, _ := client{t, base, mustToken(t, conf.dir, "--role", "confederation")}.do("GET", "/api/v1/admissions", "")
		if items, _ := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["revoked_at"] == nil {
			t.Errorf("the API does not see the revocation: %v", list)
		}
	})

	t.Run("permissions", func(t *testing.T) {
		member := newBrowser(t, base)
		member.login(echoEmail, password)
		for _, path := range []string{"/network", "/network?country=FR", "/network/stats.csv", "/network/admissions"} {
			if s, _, _ := member.get(path); s != http.StatusForbidden {
				t.Errorf("member GET %s: %d, want 403", path, s)
			}
		}
		member.get("/catalogue")
		if s, _, _ := member.post("/network/admissions", "actor", "http://x.example/actor", "country", "FR", "name", "x", "ttl", "90"); s != http.StatusForbidden {
			t.Errorf("member admits a node: %d, want 403", s)
		}
		if s, _, _ := member.post("/network/admissions/some-jti/revoke"); s != http.StatusForbidden {
			t.Errorf("member revokes: %d, want 403", s)
		}
		if _, body, _ := member.get("/catalogue"); strings.Contains(body, `href="/network"`) {
			t.Error("a member's menu links to the network pages")
		}
		anon := newBrowser(t, base)
		if s, _, h := anon.get("/network"); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("anonymous GET /network: %d, want a redirect to login", s)
		}
		national, _ := mustWebNode(t)
		nadmin := newBrowser(t, national)
		nadmin.login(adminEmail, password)
		for _, path := range []string{"/network", "/network/admissions", "/network/stats.csv"} {
			if s, _, _ := nadmin.get(path); s != http.StatusNotFound {
				t.Errorf("a national admin GET %s: %d, want 404", path, s)
			}
		}
	})
}

// TestWebNetworkSuppressedCells: with five co-ops in the network every
// count is under the threshold of 3; the dashboard, the CSV and the API
// say "fewer than 3" (and "at least" for a total that lacks some), never 0.
func TestWebNetworkSuppressedCells(t *testing.T) {
	conf := newTestNode(t, "confederation", func(c *Config) { c.Role = "confederation"; c.Name = "e-toiles Europe" })
	conf.run("")
	now := time.Now().UTC()
	for _, r := range []*node.StatsReport{
		{Node: "http://fr.example/actor", Country: "FR", GeneratedAt: now.Add(-time.Hour), Threshold: 3,
			Members: map[string]int{}, Suppressed: []string{"churn", "members.alumni", "members.member"}},
		{Node: "http://it.example/actor", Country: "IT", GeneratedAt: now.Add(-time.Hour), Threshold: 3,
			Members: map[string]int{}, Suppressed: []string{"churn", "consortia", "members.member"}},
		{Node: "http://es.example/actor", Country: "ES", GeneratedAt: now.Add(-time.Hour), Threshold: 3,
			Members: map[string]int{"member": 4}, Churn: 0.25, Consortia: 3},
	} {
		if err := conf.main.db.SaveReport(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	mustUser(t, conf.dir, adminEmail, "admin", "", password)
	admin := newBrowser(t, "http://"+conf.addr)
	admin.login(adminEmail, password)
	s, body, _ := admin.get("/network")
	if s != 200 {
		t.Fatalf("GET /network: %d\n%s", s, body)
	}
	for _, want := range []string{
		`<dt>Member co-ops</dt><dd><a href="#suppressed-why" class="suppressed">at least 4</a></dd>`,
		`<a href="/network?country=FR">France</a></th><td class="num"><a href="#suppressed-why" class="suppressed">fewer than 3</a></td><td class="num"><a href="#suppressed-why" class="suppressed">not shown</a></td>`,
		`<a href="/network?country=ES">Spain</a></th><td class="num">4</td><td class="num">25%</td>`,
		`id="suppressed-why"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, `France</a></th><td class="num">0</td>`) {
		t.Error("a suppressed count of France reads 0")
	}
	s, body, _ = admin.get("/network?country=IT")
	if s != 200 || !strings.Contains(body, "fewer than 3") || strings.Contains(body, `<td class="num">0</td><td class="num">0%</td>`) {
		t.Errorf("drill-down to Italy: %d, want fewer than 3 and no 0:\n%s", s, body)
	}

	s, csvBody, _ := admin.get("/network/stats.csv")
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if s != 200 || err != nil || len(rows) != 4 {
		t.Fatalf("CSV: %d %v %d rows", s, err, len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, row := range rows[1:] {
		switch row[col["country"]] {
		case "FR":
			if row[col["members"]] != "" || row[col["churn"]] != "" || row[col["alumni"]] != "" || !strings.Contains(row[col["suppressed"]], "members.member") {
				t.Errorf("FR row %v: want empty members, churn and alumni, flagged in suppressed", row)
			}
		case "ES":
			if row[col["members"]] != "4" || row[col["suppressed"]] != "" {
				t.Errorf("ES row %v: want 4 members and nothing suppressed", row)
			}
		}
	}

	tok := mustToken(t, conf.dir, "--role", "confederation")
	api := client{t, "http://" + conf.addr, tok}
	s, b, _ := api.do("GET", "/api/v1/network/stats", "")
	cells, _ := b["suppressed_cells"].(map[string]any)
	if s != 200 || cells["members.total"] != float64(2) || cells["members.by_country.FR"] != float64(1) || cells["churn.average"] != float64(2) || b["threshold"] != float64(3) {
		t.Errorf("API network view: %d %v, want suppressed_cells with members.total 2, churn.average 2, threshold 3", s, b)
	}
}
