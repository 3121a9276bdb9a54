package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfederationAdmitsAndRevokes(t *testing.T) {
	conf := newTestNode(t, "confederation", func(c *Config) { c.Role = "confederation"; c.Name = "e-toiles Europe" })
	conf.run("")
	confToken := mustToken(t, conf.dir, "--role", "confederation")
	cc := client{t, "http://" + conf.addr, confToken}

	national := map[string]*testNode{}
	credentials := map[string]string{}
	for _, c := range []string{"FR", "IT", "ES"} {
		n := newTestNode(t, strings.ToLower(c), nil)
		national[c] = n
		s, b, _ := cc.do("POST", "/api/v1/admissions", fmt.Sprintf(`{"actor":%q,"country":%q,"name":"e-toiles %s","ttl":"720h"}`, n.actor(), c, c))
		if s != 201 || b["credential"] == nil {
			t.Fatalf("admit %s: %d %v", c, s, b)
		}
		credentials[c] = b["credential"].(string)
	}
	// The confederation refuses what it should not sign, and who may not ask.
	if s, b, _ := cc.do("POST", "/api/v1/admissions", `{"actor":"not a url","country":"XX","name":""}`); s != 400 || len(b["errors"].([]any)) != 3 {
		t.Errorf("bad admission: %d %v, want 400 with three field errors", s, b)
	}
	if s, b, _ := conf.admin.do("POST", "/api/v1/admissions", `{"actor":"http://x.example/actor","country":"FR","name":"x"}`); s != 403 ||
		b["detail"] != "an admin token may not POST /api/v1/admissions; it needs role confederation" {
		t.Errorf("an admin token admits: %d %v, want 403 saying an admin token may not", s, b["detail"])
	}

	// fr and it get their credential by file, es through the API.
	for _, c := range []string{"FR", "IT"} {
		file := filepath.Join(t.TempDir(), "credential.jwt")
		if err := os.WriteFile(file, []byte(credentials[c]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		national[c].config = func(cfg *Config) {
			cfg.Confederation, cfg.CredentialFile, cfg.StatsDebounce = conf.actor(), file, 100*time.Millisecond
			cfg.StatsThreshold = 1 // a single consortium shows in the network view
		}
		national[c].run(c)
	}
	es := national["ES"]
	es.config = func(cfg *Config) {
		cfg.Confederation, cfg.StatsDebounce, cfg.StatsThreshold = conf.actor(), 100*time.Millisecond, 1
	}
	es.run("ES")
	if s, b, _ := es.admin.do("POST", "/api/v1/credential", `{"credential":"`+credentials["FR"]+`"}`); s != 400 {
		t.Errorf("es installs fr's credential: %d %v, want 400", s, b)
	}
	if s, b, _ := es.admin.do("POST", "/api/v1/credential", `{"credential":"`+credentials["ES"]+`"}`); s != 200 || b["country"] != "ES" {
		t.Fatalf("es installs its credential: %d %v", s, b)
	}

	fr, it := national["FR"], national["IT"]
	for _, n := range []*testNode{fr, it, es} {
		waitFor(t, 15*time.Second, n.name+" peered with the network on its own", func() (bool, string) {
			st := n.peerStates()
			return strings.Count(st, "=accepted") == 3, st
		})
	}
	// The actor document shows the credential.
	_, actor, _ := client{t, "http://" + fr.addr, ""}.do("GET", "/actor", "")
	if actor["admissionCredential"] != credentials["FR"] {
		t.Errorf("fr's actor shows credential %v", actor["admissionCredential"])
	}

	if s, b, _ := es.admin.do("POST", "/api/v1/members", `{"name":"Cooperativa Sonido","country":"ES","competences":["92370000"]}`); s != 201 {
		t.Fatalf("create on es: %d %v", s, b)
	}
	for _, n := range []*testNode{fr, it} {
		waitFor(t, 5*time.Second, "es's member on "+n.name, func() (bool, string) {
			c := n.catalogue("country=ES")
			return len(c) == 1, fmt.Sprint(c)
		})
	}

	t.Run("network statistics", func(t *testing.T) {
		for c, names := range map[string][]string{"FR": {"Scop Un", "Scop Deux", "Scop Trois", "Scop Quatre"}, "IT": {"Coop Uno", "Coop Due", "Coop Tre"}, "ES": {"Coop Dos", "Coop Tres"}} {
			for _, name := range names {
				if s, b, _ := national[c].admin.do("POST", "/api/v1/members", fmt.Sprintf(`{"name":%q,"country":%q,"competences":["72413000"]}`, name, c)); s != 201 {
					t.Fatalf("create %s: %d %v", name, s, b)
				}
			}
		}
		want := map[string]float64{"FR": 4, "IT": 3, "ES": 3}
		check := func(what string, want map[string]float64) map[string]any {
			var got map[string]any
			waitFor(t, 10*time.Second, what, func() (bool, string) {
				_, got, _ = cc.do("GET", "/api/v1/network/stats", "")
				members, _ := got["members"].(map[string]any)
				byCountry, _ := members["by_country"].(map[string]any)
				ok := got["nodes"] == float64(3) && fmt.Sprint(got["countries"]) == "[ES FR IT]"
				for c, n := range want {
					ok = ok && byCountry[c] == n
				}
				return ok, fmt.Sprint(got)
			})
			return got
		}
		got := check("the network view", want)
		if total := got["members"].(map[string]any)["total"]; total != float64(10) {
			t.Errorf("network total = %v, want 10", total)
		}
		// An opportunity led from fr is won by a consortium with an
		// Italian co-op: the network view counts a cross-border
		// consortium and a won bid.
		lead := client{t, "http://" + fr.addr, mustToken(t, fr.dir, "--role", "member", "--member", "scop-deux")}
		uno := client{t, "http://" + it.addr, mustToken(t, it.dir, "--role", "member", "--member", "coop-uno")}
		deadline := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
		s, opp, _ := lead.do("POST", "/api/v1/opportunities", `{"title":{"fr":"Portail régional"},"competences":[{"cpv":"72413000"}],
			"country":"FR","deadline":"`+deadline+`","open_abroad":true}`)
		if s != 201 {
			t.Fatalf("post an opportunity: %d %v", s, opp)
		}
		var itOpp map[string]any
		waitFor(t, 5*time.Second, "fr's opportunity on it", func() (bool, string) {
			itOpp = findOpportunity(it.admin, "scope=cross-border", "Portail régional")
			return itOpp != nil, ""
		})
		if s, b, _ := uno.do("POST", "/api/v1/opportunities/"+itOpp["id"].(string)+"/interest", `{"role":"group-member"}`); s != 201 {
			t.Fatalf("interest from it: %d %v", s, b)
		}
		var iid string
		waitFor(t, 5*time.Second, "the interest on fr", func() (bool, string) {
			_, o, _ := lead.do("GET", "/api/v1/opportunities/"+opp["id"].(string), "")
			ins, _ := o["interests"].([]any)
			if len(ins) == 1 {
				iid = ins[0].(map[string]any)["id"].(string)
			}
			return iid != "", fmt.Sprint(o["interests"])
		})
		for _, step := range []struct{ path, body string }{{"/interests/" + iid + "/accept", ""}, {"/status", `{"status":"forming"}`},
			{"/status", `{"status":"submitted"}`}, {"/status", `{"status":"won","outcome":{"amount":"42000","currency":"EUR"}}`}} {
			if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+opp["id"].(string)+step.path, step.body); s != 200 {
				t.Fatalf("%s %s: %d %v", step.path, step.body, s, b)
			}
		}
		waitFor(t, 10*time.Second, "the consortium and the won bid in the network view", func() (bool, string) {
			_, got, _ := cc.do("GET", "/api/v1/network/stats", "")
			cons, _ := got["consortia"].(map[string]any)
			bids, _ := got["bids_won"].(map[string]any)
			opps, _ := got["opportunities"].(map[string]any)
			return cons["total"] == float64(1) && cons["cross_border"] == float64(1) && bids["count"] == float64(1) &&
				bids["value"] == float64(42000) && opps["won"] == float64(1), fmt.Sprint(cons, bids, opps)
		})

		// A member leaves: totals and churn follow the next report.
		if s, b, _ := fr.admin.do("POST", "/api/v1/members/scop-un/status", `{"status":"alumni"}`); s != 200 {
			t.Fatalf("leave: %d %v", s, b)
		}
		got = check("the departure in the network view", map[string]float64{"FR": 3, "IT": 3, "ES": 3})
		if churn := got["churn"].(map[string]any)["by_country"].(map[string]any)["FR"]; churn.(float64) <= 0 {
			t.Errorf("fr churn after a departure = %v, want > 0", churn)
		}
		s, b, _ := cc.do("GET", "/api/v1/network/stats?country=IT", "")
		if s != 200 || b["nodes"] != float64(1) || len(b["reports"].([]any)) != 1 {
			t.Errorf("drill-down to IT: %d %v", s, b)
		}
		s, b, _ = cc.do("GET", "/api/v1/network/stats/history?metric=members&by=country", "")
		month := time.Now().UTC().Format("2006-01")
		if s != 200 || fmt.Sprint(b["months"].(map[string]any)[month]) != "map[ES:3 FR:3 IT:3]" {
			t.Errorf("history: %d %v", s, b)
		}
		req, _ := http.NewRequest("GET", "http://"+conf.addr+"/api/v1/network/stats.csv", nil)
		req.Header.Set("Authorization", "Bearer "+confToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		csvBody, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if lines := strings.Count(string(csvBody), "\n"); resp.StatusCode != 200 || lines != 4 || !strings.Contains(string(csvBody), fr.actor()) {
			t.Errorf("CSV export: %d, %d lines:\n%s", resp.StatusCode, lines, csvBody)
		}
		if strings.Contains(string(csvBody), "Scop") {
			t.Error("the CSV export names a co-op")
		}
		if s, _, _ := fr.admin.do("GET", "/api/v1/network/stats", ""); s != 403 {
			t.Errorf("an admin reads the network view: %d, want 403", s)
		}
		if s, b, _ := fr.admin.do("GET", "/api/v1/stats", ""); s != 200 || b["members"].(map[string]any)["member"] != float64(3) ||
			b["members"].(map[string]any)["alumni"] != float64(1) || b["threshold"] != float64(1) {
			t.Errorf("fr's own stats: %d %v, want 3 members, 1 alumni, nothing suppressed", s, b)
		}
		if s, b, _ := fr.admin.do("GET", "/api/v1/stats?report=maybe", ""); s != 400 {
			t.Errorf("own stats with report=maybe: %d %v, want 400", s, b)
		}
	})

	// No report was refused: none was sent before the confederation
	// accepted the node's Follow.
	for _, n := range []*testNode{fr, it, es} {
		_, peers, _ := n.admin.do("GET", "/api/v1/peers", "")
		for _, p := range peers["items"].([]any) {
			if pm := p.(map[string]any); pm["url"] == conf.actor() {
				if d := pm["delivery"].(map[string]any); d["dead"] != 0.0 || d["pending"] != 0.0 {
					t.Errorf("%s's deliveries to the confederation: %v, want none dead or pending", n.name, d)
				}
			}
		}
	}

	// A fourth national node joins the running network with only the
	// confederation's address and its credential.
	be := newTestNode(t, "be", nil)
	s, b, _ := cc.do("POST", "/api/v1/admissions", fmt.Sprintf(`{"actor":%q,"country":"BE","name":"e-toiles Belgique"}`, be.actor()))
	if s != 201 {
		t.Fatalf("admit be: %d %v", s, b)
	}
	beFile := filepath.Join(t.TempDir(), "credential.jwt")
	if err := os.WriteFile(beFile, []byte(b["credential"].(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	be.config = func(cfg *Config) { cfg.Confederation, cfg.CredentialFile = conf.actor(), beFile }
	be.run("BE")
	waitFor(t, time.Minute, "be peered with the confederation, fr, it and es", func() (bool, string) {
		st := be.peerStates()
		return strings.Count(st, "=accepted") == 4, st
	})
	if s, b, _ := be.admin.do("POST", "/api/v1/members", `{"name":"Coop Bruxelles","country":"BE","competences":["72413000"]}`); s != 201 {
		t.Fatalf("create on be: %d %v", s, b)
	}
	for _, n := range []*testNode{fr, it, es} {
		waitFor(t, 10*time.Second, "be's member on "+n.name, func() (bool, string) {
			c := n.catalogue("country=BE")
			return len(c) == 1, fmt.Sprint(c)
		})
	}

	// Revoking es: the others unpeer it and purge its data.
	_, list, _ := cc.do("GET", "/api/v1/admissions", "")
	var esJTI string
	for _, a := range list["items"].([]any) {
		if am := a.(map[string]any); am["country"] == "ES" {
			esJTI = am["jti"].(string)
		}
	}
	if s, b, _ := cc.do("POST", "/api/v1/admissions/"+esJTI+"/revoke", ""); s != 204 {
		t.Fatalf("revoke es: %d %v", s, b)
	}
	if s, _, _ := cc.do("POST", "/api/v1/admissions/"+esJTI+"/revoke", ""); s != 409 {
		t.Errorf("revoking twice: %d, want 409", s)
	}
	for _, n := range []*testNode{fr, it} {
		waitFor(t, 5*time.Second, n.name+" to purge es", func() (bool, string) {
			c := n.catalogue("country=ES")
			return len(c) == 0, fmt.Sprint(c)
		})
	}
	if s, b, _ := es.admin.do("POST", "/api/v1/members", `{"name":"Cooperativa Tarde","country":"ES"}`); s != 201 {
		t.Fatalf("create on es after revocation: %d %v", s, b)
	}
	time.Sleep(500 * time.Millisecond) // nothing should arrive; give it the chance to
	if c := fr.catalogue("country=ES"); len(c) != 0 {
		t.Errorf("fr accepted data from a revoked node: %v", c)
	}
}

func TestAdmitCommand(t *testing.T) {
	conf := newTestNode(t, "confederation", func(c *Config) { c.Role = "confederation" })
	conf.run("")
	env := func(string) string { return "" }
	admit := func(args ...string) (int, string, string) {
		var out, errOut strings.Builder
		code := run(t.Context(), append([]string{"admit", "--data", conf.dir, "--public-url", "http://" + conf.addr}, args...), env, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := admit("--actor", "http://it.example/actor", "--country", "it", "--name", "e-toiles Italia", "--ttl", "48h")
	if code != 0 || strings.Count(out, ".") != 2 {
		t.Fatalf("admit: exit %d, out %q, err %q", code, out, errOut)
	}
	// The running confederation lists it at once (the CLI wrote through the same database).
	cc := client{t, "http://" + conf.addr, mustToken(t, conf.dir, "--role", "confederation")}
	_, b, _ := cc.do("GET", "/api/v1/admissions", "")
	if items, _ := b["items"].([]any); len(items) != 1 || items[0].(map[string]any)["country"] != "IT" {
		t.Errorf("admissions after etoiles admit: %v", b)
	}
	_, coll, _ := client{t, "http://" + conf.addr, ""}.do("GET", "/admitted", "")
	if coll["totalItems"] != float64(1) {
		t.Errorf("public collection of admitted nodes: %v", coll)
	}
	for _, bad := range [][]string{
		{"--actor", "it.example", "--country", "IT", "--name", "x"},
		{"--actor", "http://it.example/actor", "--country", "Italy", "--name", "x"},
		{"--actor", "http://it.example/actor", "--country", "IT", "--name", "x", "--ttl", "-1h"},
	} {
		code, _, errOut := admit(bad...)
		if code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.HasPrefix(errOut, "etoiles: admit:") {
			t.Errorf("admit %v: exit %d, %q; want one error line", bad, code, errOut)
		}
	}
	// --out writes the file once; a second run keeps it (compose init steps).
	file := filepath.Join(t.TempDir(), "es.jwt")
	for i, want := range []string{"written to", "already holds"} {
		code, out, errOut := admit("--actor", "http://es.example/actor", "--country", "ES", "--name", "e-toiles España", "--out", file)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("admit --out, run %d: exit %d, %q %q; want %q", i+1, code, out, errOut, want)
		}
	}
	if b, err := os.ReadFile(file); err != nil || strings.Count(string(b), ".") != 2 {
		t.Errorf("credential file: %q, %v", b, err)
	}
	national := t.TempDir()
	var nationalErr strings.Builder
	if code := run(t.Context(), []string{"admit", "--data", national, "--actor", "http://it.example/actor", "--country", "IT", "--name", "x"}, env, &strings.Builder{}, &nationalErr); code != 1 || !strings.Contains(nationalErr.String(), "no admission key") {
		t.Errorf("admit on a national node's data: exit %d, %q", code, nationalErr.String())
	}
}
