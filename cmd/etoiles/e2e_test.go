package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/internal/sharedtest"
	"github.com/e-toiles/etoiles/node/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// MustRun starts a node in-process on 127.0.0.1:0 with its data in dir
// and stops it after the test.
func MustRun(tb testing.TB, dir string) *Main {
	tb.Helper()
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.Country = "FR"
	cfg.Name = "e-toiles France"
	m := &Main{Config: cfg}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("Run: %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// mustToken prints a token with the token command, as an admin would.
func mustToken(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"token", "--data", dir}, args...), func(string) string { return "" }, &out, &errOut)
	if code != 0 {
		tb.Fatalf("etoiles token %v: exit %d: %s", args, code, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

type client struct {
	tb    testing.TB
	base  string
	token string
}

func (c client) do(method, path, body string, contentType ...string) (int, map[string]any, http.Header) {
	c.tb.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		if len(contentType) > 0 {
			req.Header.Set("Content-Type", contentType[0])
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	if v == nil {
		v = map[string]any{"_raw": string(b)}
	}
	return resp.StatusCode, v, resp.Header
}

const echoJSON = `{"name":"Scop Écho","legal_form":"SCOP","country":"FR","region":"FR101","website":"https://echo.example",
 "summary":{"fr":"Vidéo, sous-titrage et audiodescription","en":"Video, captions and audio description"},
 "languages":["fr","en"],"competences":["92111000","72413000"],"tags":["accessibilité"],
 "contact":{"email":"bonjour@echo.example"}}`

func TestEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m := MustRun(t, dir)
	base := "http://" + m.Addr()
	admin := client{t, base, mustToken(t, dir, "--role", "admin")}

	status, body, hdr := admin.do("POST", "/api/v1/members", echoJSON)
	if status != http.StatusCreated || body["id"] != "scop-echo" || hdr.Get("Location") != "/api/v1/members/scop-echo" {
		t.Fatalf("POST member = %d %v (Location %q), want 201 scop-echo", status, body, hdr.Get("Location"))
	}
	status, body, _ = admin.do("GET", "/api/v1/catalogue?q=sous-titrage&competence=92000000&country=FR&language=en", "")
	items, _ := body["items"].([]any)
	if status != 200 || body["total"] != float64(1) || len(items) != 1 {
		t.Fatalf("catalogue search = %d %v, want the member", status, body)
	}
	if item := items[0].(map[string]any); item["id"] != "scop-echo" || item["contact"] != nil {
		t.Errorf("catalogue item = %v, want scop-echo without contact", item)
	}

	t.Run("bad input stores nothing", func(t *testing.T) {
		huge := `{"name":"` + strings.Repeat("x", 2<<20) + `","country":"FR"}`
		tests := []struct {
			name, body string
			status     int
			field      string
		}{
			{"invalid JSON", `{"name":`, 400, "body"},
			{"not an object", `[1,2]`, 400, "body"},
			{"unknown field", `{"name":"A co-op","country":"FR","colour":"red"}`, 400, "colour"},
			{"wrong type", `{"name":"A co-op","country":"FR","competences":"72413000"}`, 400, "competences"},
			{"bad CPV", `{"name":"A co-op","country":"FR","competences":["12345678"]}`, 400, "competences[0]"},
			{"bad country", `{"name":"A co-op","country":"XX"}`, 400, "country"},
			{"unknown language", `{"name":"A co-op","country":"FR","summary":{"xx":"?"}}`, 400, "summary.xx"},
			{"trailing data", `{"name":"A co-op","country":"FR"} {}`, 400, "body"},
			{"control character in a name", `{"name":"A\u0000co-op","country":"FR"}`, 400, "name"},
			{"bidi override in a name", `{"name":"A \u202eco-op","country":"FR"}`, 400, "name"},
			{"zero width space in a name", `{"name":"A\u200bco-op","country":"FR"}`, 400, "name"},
			{"duplicate key", `{"name":"A co-op","country":"FR","name":"Another"}`, 400, "body"},
			{"duplicate key in a map", `{"name":"A co-op","country":"FR","summary":{"fr":"a","fr":"b"}}`, 400, "summary"},
			{"empty body", ``, 400, "body"},
			{"oversize body", huge, 413, ""},
			{"duplicate id", `{"id":"scop-echo","name":"Again","country":"FR"}`, 409, ""},
		}
		for _, tt := range tests {
			status, body, hdr := admin.do("POST", "/api/v1/members", tt.body)
			if status != tt.status || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: status %d (%s), want %d problem+json: %v", tt.name, status, hdr.Get("Content-Type"), tt.status, body)
				continue
			}
			if body["detail"] == "" || body["status"] != float64(tt.status) {
				t.Errorf("%s: problem %v lacks detail or status", tt.name, body)
			}
			if tt.field != "" {
				errs, _ := body["errors"].([]any)
				if len(errs) == 0 || errs[0].(map[string]any)["field"] != tt.field {
					t.Errorf("%s: errors = %v, want field %q", tt.name, body["errors"], tt.field)
				}
			}
		}
		status, _, _ := admin.do("POST", "/api/v1/members", `name=x`, "application/x-www-form-urlencoded")
		if status != http.StatusUnsupportedMediaType {
			t.Errorf("form body: status %d, want 415", status)
		}
		_, body, _ := admin.do("GET", "/api/v1/members?status=member", "")
		if body["total"] != float64(1) {
			t.Errorf("after bad input the node has %v members, want 1", body["total"])
		}
	})

	t.Run("tokens and roles", func(t *testing.T) {
		anon := client{t, base, ""}
		if s, b, h := anon.do("GET", "/api/v1/catalogue", ""); s != 401 || !strings.Contains(b["detail"].(string), "missing") || h.Get("WWW-Authenticate") == "" {
			t.Errorf("no token: %d %v, want 401 missing with WWW-Authenticate", s, b)
		}
		garbage := client{t, base, "abc.def.ghi"}
		if s, _, _ := garbage.do("GET", "/api/v1/catalogue", ""); s != 401 {
			t.Errorf("garbage token: %d, want 401", s)
		}
		echo := client{t, base, mustToken(t, dir, "--role", "member", "--member", "scop-echo")}
		if s, b, _ := echo.do("GET", "/api/v1/members/scop-echo", ""); s != 200 || b["contact"] == nil {
			t.Errorf("member reads itself: %d %v, want 200 with its contact", s, b)
		}
		if s, b, _ := echo.do("PATCH", "/api/v1/members/scop-echo", `{"tags":["vidéo","accessibilité"]}`); s != 200 || len(b["tags"].([]any)) != 2 {
			t.Errorf("member patches itself: %d %v", s, b)
		}
		if s, _, _ := echo.do("POST", "/api/v1/members", echoJSON); s != 403 {
			t.Errorf("member creates a member: %d, want 403", s)
		}
		if s, _, _ := echo.do("GET", "/api/v1/members/someone-else", ""); s != 403 {
			t.Errorf("member reads another: %d, want 403", s)
		}
		if s, _, _ := echo.do("GET", "/api/v1/catalogue", ""); s != 200 {
			t.Errorf("member searches: %d, want 200", s)
		}
		if s, b, _ := admin.do("POST", "/api/v1/members/scop-echo/status", `{"status":"alumni","note":"left the network"}`); s != 200 || b["status"] != "alumni" {
			t.Fatalf("admin sets alumni: %d %v", s, b)
		}
		s, b, _ := echo.do("GET", "/api/v1/members/scop-echo", "")
		if s != 401 || !strings.Contains(b["detail"].(string), "revoked") {
			t.Errorf("token of a member who left: %d %v, want 401 revoked", s, b)
		}
		// The command refuses a token that would not work, while serve runs.
		for member, want := range map[string]string{"scop-echo": `member "scop-echo" is alumni, not an active member`, "nobody": `member "nobody" not found`} {
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"token", "--data", dir, "--role", "member", "--member", member}, func(string) string { return "" }, &out, &errOut)
			if code != 1 || out.Len() != 0 || !strings.Contains(errOut.String(), want) {
				t.Errorf("etoiles token --member %s: exit %d, %q %q, want 1 and %q", member, code, out.String(), errOut.String(), want)
			}
		}
		if s, b, _ := admin.do("POST", "/api/v1/members/scop-echo/status", `{"status":"member"}`); s != 200 {
			t.Fatalf("rejoin: %d %v", s, b)
		}
		// A departure ends the tokens issued before it for good.
		if s, b, _ := echo.do("GET", "/api/v1/members/scop-echo", ""); s != 401 || !strings.Contains(b["detail"].(string), "issued before") {
			t.Errorf("old token after rejoining: %d %v, want 401 issued before", s, b)
		}
		// (A token issued after the rejoin works: node/auth's TestVerify, on a fake clock.)
		if s, b, _ := admin.do("GET", "/api/v1/members/scop-echo/history", ""); s != 200 || len(b["items"].([]any)) != 3 {
			t.Errorf("history: %d %v, want 3 entries", s, b)
		}
	})

	t.Run("operations endpoints", func(t *testing.T) {
		anon := client{t, base, ""}
		if s, _, _ := anon.do("GET", "/healthz", ""); s != 200 {
			t.Errorf("/healthz = %d", s)
		}
		s, b, _ := anon.do("GET", "/readyz", "")
		if s != 200 || b["status"] != "ready" {
			t.Errorf("/readyz = %d %v", s, b)
		}
		// A fresh node has the embedded code lists: nothing is missing.
		if cl, _ := b["code_lists"].(map[string]any); cl == nil || len(cl) != 3 {
			t.Errorf("/readyz code_lists = %v, want cpv, nuts and country", b["code_lists"])
		} else {
			for k, v := range cl {
				if !strings.HasPrefix(v.(string), "loaded: ") {
					t.Errorf("/readyz code_lists[%s] = %q, want loaded", k, v)
				}
			}
		}
		s, b, _ = anon.do("GET", "/metrics", "")
		raw, _ := b["_raw"].(string)
		for _, want := range []string{`etoiles_http_requests_total{code="201",method="POST",route="POST /api/v1/members"} 1`, "etoiles_outbox_", "go_goroutines"} {
			if s != 200 || !strings.Contains(raw, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if s, b, _ := anon.do("GET", "/api/v1/nothing", ""); s != 404 || b["code"] != "not_found" {
			t.Errorf("unknown API path = %d %v, want 404 problem", s, b)
		}
	})

	t.Run("events reach JetStream once each", func(t *testing.T) {
		js := m.bus.JetStream()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		want := []string{"member.joined", "member.updated", "member.left", "member.joined"}
		var got []string
		for ctx.Err() == nil {
			info, err := js.Stream(ctx, bus.StreamEvents)
			if err != nil {
				t.Fatal(err)
			}
			if info.CachedInfo().State.Msgs >= uint64(len(want)) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cons, err := js.OrderedConsumer(ctx, bus.StreamEvents, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		batch, err := cons.FetchNoWait(100)
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			got = append(got, strings.TrimPrefix(msg.Subject(), "etoiles.event."))
			if strings.Contains(string(msg.Data()), "bonjour@echo.example") {
				t.Errorf("event %s leaks the private contact", msg.Subject())
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("events on the stream = %v, want %v", got, want)
		}
	})

	t.Run("second instance fails fast", func(t *testing.T) {
		cfg := m.Config
		cfg.Listen = "127.0.0.1:0"
		err := (&Main{Config: cfg}).Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "in use by another etoiles serve") {
			t.Errorf("second Run on the same data = %v, want in-use error", err)
		}
	})

	// The member survives a restart.
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	m2 := MustRun(t, dir)
	admin.base = "http://" + m2.Addr()
	if s, b, _ := admin.do("GET", "/api/v1/catalogue?q=echo", ""); s != 200 || b["total"] != float64(1) {
		t.Errorf("after restart: catalogue = %d %v, want the member", s, b)
	}
}

func TestCommandLine(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"no command", nil, nil, 2, "Usage"},
		{"unknown command", []string{"fly"}, nil, 1, `unknown command "fly"`},
		{"bad flag", []string{"serve", "--bogus"}, nil, 1, "flag provided but not defined: -bogus"},
		{"bad role", []string{"serve", "--role", "king"}, nil, 1, `--role "king"`},
		{"bad env", []string{"serve"}, map[string]string{"ETOILES_COUNTRY": "France"}, 1, `--country "FRANCE"`},
		{"bad public url", []string{"serve", "--public-url", "fr.example"}, nil, 1, "--public-url"},
		{"token without role", []string{"token", "--data", t.TempDir()}, nil, 1, "--role is required"},
		{"token bad role", []string{"token", "--data", t.TempDir(), "--role", "root"}, nil, 1, "role"},
		{"token no data dir", []string{"token", "--data", "/nonexistent/etoiles", "--role", "admin"}, nil, 1, "data directory"},
		{"token unknown member", []string{"token", "--data", t.TempDir(), "--role", "member", "--member", "nope"}, nil, 1, `member "nope": no database`},
		{"token member without id", []string{"token", "--data", t.TempDir(), "--role", "member"}, nil, 1, "token: invalid member: a member token needs the member's id\n"},
		{"vocab without files", []string{"vocab", "import", "--data", t.TempDir()}, nil, 1, "name at least one"},
		{"vocab missing file", []string{"vocab", "import", "--data", t.TempDir(), "/nonexistent/cpv.csv"}, nil, 1, "no such file"},
		{"version", []string{"version"}, nil, 0, "etoiles"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, env(tt.env), &out, &errOut)
		text := out.String() + errOut.String()
		if code != tt.code || !strings.Contains(text, tt.want) {
			t.Errorf("%s: exit %d, output %q; want exit %d containing %q", tt.name, code, text, tt.code, tt.want)
		}
		if code == 1 && strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 {
			t.Errorf("%s: error is not one line: %q", tt.name, errOut.String())
		}
	}
}

func TestVocabImportThenServe(t *testing.T) {
	lists := sharedtest.Path(t, "eforms", "codelists")
	dir := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	args := []string{"vocab", "import", "--data", dir, filepath.Join(lists, "cpv.csv"), filepath.Join(lists, "nuts.csv"), filepath.Join(lists, "country.gc")}
	if code := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("vocab import: exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"cpv: 9454 codes", "nuts: 2087 codes", "country: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("vocab import output %q lacks %q", out.String(), want)
		}
	}
	m := MustRun(t, dir)
	admin := client{t, "http://" + m.Addr(), mustToken(t, dir, "--role", "admin")}
	s, b, _ := admin.do("GET", "/api/v1/vocab/cpv?q=conception+de+sites&lang=fr", "")
	items, _ := b["items"].([]any)
	if s != 200 || b["labels_loaded"] != true || len(items) == 0 || items[0].(map[string]any)["code"] != "72413000" {
		t.Errorf("CPV look-up in French: %d %v", s, b)
	}
	s, b, _ = admin.do("GET", "/readyz", "")
	if cl, _ := b["code_lists"].(map[string]any); s != 200 || !strings.HasPrefix(fmt.Sprint(cl["cpv"]), "loaded: 9454 codes") {
		t.Errorf("/readyz code lists: %v", b["code_lists"])
	}
	s, b, _ = admin.do("POST", "/api/v1/members", `{"name":"Coop Inconnue","country":"FR","competences":["72413001"]}`)
	if s != 400 || !strings.Contains(fmt.Sprint(b["errors"]), "not in the CPV code list") {
		t.Errorf("member with a code absent from the list: %d %v", s, b)
	}
}
