package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/internal/sharedtest"
)

// importTender runs etoiles import tender and returns the exit code,
// stdout and stderr.
func importTender(tb testing.TB, dir string, args ...string) (int, string, string) {
	tb.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"import", "tender", "--data", dir}, args...),
		func(k string) string {
			return map[string]string{"ETOILES_COUNTRY": "FR", "ETOILES_PUBLIC_URL": "http://fr.test"}[k]
		}, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestImportTenderCommand imports the shared eForms examples from the
// command line, twice, then checks that a running node serves them as
// history and that a bad file among good ones imports nothing.
func TestImportTenderCommand(t *testing.T) {
	notices, _ := filepath.Glob(sharedtest.Path(t, "eforms", "notices", "*.xml"))
	lists := sharedtest.Path(t, "eforms", "codelists")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := importTender(t, dir, notices[0]); code != 1 || !strings.Contains(errOut, "data directory") {
		t.Errorf("import into a missing data directory: exit %d, %q", code, errOut)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"vocab", "import", "--data", dir, lists}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("vocab import: exit %d: %s", code, errOut.String())
	}

	code, stdout, stderr := importTender(t, dir, notices...)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != len(notices) {
		t.Fatalf("import tender: exit %d, stdout %q, stderr %q; want one line per notice", code, stdout, stderr)
	}
	ids := map[string]bool{}
	for i, l := range lines {
		f := strings.Fields(l)
		if !strings.HasPrefix(l, notices[i]+": new opportunity ") || f[4] != "complete," {
			t.Errorf("line %q, want %s: new opportunity ID, complete, ...", l, notices[i])
		}
		ids[strings.TrimSuffix(f[3], ",")] = true
	}
	code, stdout, _ = importTender(t, dir, notices...)
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if f := strings.Fields(l); code != 0 || len(f) < 4 || f[1] != "updated" || !ids[strings.TrimSuffix(f[3], ",")] {
			t.Errorf("second import: exit %d, line %q; want an update of an opportunity of the first", code, l)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte(`<?xml version="1.0"?>
<ContractNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2">
  <unclosed>
</ContractNotice>`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"bad file among good", []string{notices[0], bad}, bad + ":4: /ContractNotice/unclosed: malformed XML: element <unclosed> closed by </ContractNotice>"},
		{"award notice", []string{filepath.Join("..", "..", "node", "tender", "testdata", "award.xml")}, "award.xml:4: /ContractAwardNotice: not supported: contract award notices"},
		{"no files", nil, "name at least one eForms notice"},
		{"flag after files", []string{notices[0], "--country", "IT"}, "flag --country comes after the files"},
		{"bad country", []string{"--country", "France", notices[0]}, `--country "France"`},
		{"bad public url", []string{"--public-url", "fr.test", notices[0]}, `--public-url "fr.test" must be an http(s) origin`},
	} {
		code, stdout, stderr := importTender(t, dir, tt.args...)
		if code != 1 || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and one line containing %q", tt.name, code, stdout, stderr, tt.want)
		}
	}

	m := MustRun(t, dir)
	admin := client{t, "http://" + m.Addr(), mustToken(t, dir, "--role", "admin")}
	status, body, _ := admin.do("GET", "/api/v1/opportunities?status=complete", "")
	items, _ := body["items"].([]any)
	if status != 200 || body["total"] != float64(len(notices)) {
		t.Fatalf("GET opportunities = %d %v, want %d complete ones", status, body["total"], len(notices))
	}
	for _, it := range items {
		o := it.(map[string]any)
		if !ids[o["id"].(string)] || o["lead"] != nil || !strings.HasPrefix(o["source"].(string), "eforms:") || o["ap_id"] != "http://fr.test/opportunities/"+o["id"].(string) {
			t.Errorf("opportunity %v %v %v %v: want an imported one without lead, its id under --public-url", o["id"], o["lead"], o["source"], o["ap_id"])
		}
	}
}

// TestImportTenderAPI posts notices to POST /api/v1/opportunities/import.
func TestImportTenderAPI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m := MustRun(t, dir)
	base := "http://" + m.Addr()
	admin := client{t, base, mustToken(t, dir, "--role", "admin")}
	fixture, err := os.ReadFile(filepath.Join("..", "..", "node", "tender", "testdata", "flags.xml"))
	if err != nil {
		t.Fatal(err)
	}
	future := strings.ReplaceAll(string(fixture), "2026-09-", "2099-09-")

	status, body, hdr := admin.do("POST", "/api/v1/opportunities/import", future, "application/xml")
	id, _ := body["id"].(string)
	if status != http.StatusCreated || hdr.Get("Location") != "/api/v1/opportunities/"+id || body["status"] != "active" ||
		body["source"] != "eforms:0b5e1c7a-0000-4000-8000-0000000000ff" || body["lead"] != nil || body["deadline"] != "2099-09-01T15:30:00Z" {
		t.Fatalf("POST import = %d %v (Location %q), want 201 active from procedure ...ff", status, body, hdr.Get("Location"))
	}
	if flags := fmt.Sprint(body["flags"]); flags != "map[accessibility_criteria:true reserved:true sme_suitable:true social_objective:true]" {
		t.Errorf("flags = %s", flags)
	}
	status, body, _ = admin.do("POST", "/api/v1/opportunities/import", future, "text/xml; charset=utf-8")
	if status != http.StatusOK || body["id"] != id {
		t.Errorf("second POST import = %d %v, want 200 and the same id %s", status, body["id"], id)
	}
	status, body, _ = admin.do("POST", "/api/v1/opportunities/import", string(fixture), "application/xml")
	if status != http.StatusOK || body["id"] != id || body["status"] != "complete" {
		t.Errorf("POST the notice with a past deadline = %d %v %v, want 200, same id, complete", status, body["id"], body["status"])
	}
	status, body, _ = admin.do("GET", "/api/v1/opportunities", "")
	if status != 200 || body["total"] != float64(1) {
		t.Errorf("GET opportunities = %d total %v, want 1", status, body["total"])
	}

	if status, body, _ := admin.do("POST", "/api/v1/members", echoJSON); status != http.StatusCreated {
		t.Fatalf("POST member = %d %v", status, body)
	}
	member := client{t, base, mustToken(t, dir, "--role", "member", "--member", "scop-echo")}
	award, err := os.ReadFile(filepath.Join("..", "..", "node", "tender", "testdata", "award.xml"))
	if err != nil {
		t.Fatal(err)
	}
	malformed := strings.Replace(future, "</cbc:Name>", "</cbc:Nom>", 1)
	for _, tt := range []struct {
		name, body, ctype string
		c                 client
		status            int
		field, detail     string
	}{
		{"JSON body", `{"title":{"fr":"x"}}`, "application/json", admin, 415, "", `content type "application/json" is not XML`},
		{"no content type", future, "", admin, 415, "", "is not XML"},
		{"member token", future, "application/xml", member, 403, "", "needs role admin"},
		{"no token", future, "application/xml", client{t, base, ""}, 401, "", ""},
		{"malformed", malformed, "application/xml", admin, 400, "/ContractNotice/cac:ProcurementProject/cbc:Name", "body:60: /ContractNotice/cac:ProcurementProject/cbc:Name: malformed XML: element <Name> closed by </Nom>"},
		{"award notice", string(award), "application/xml", admin, 400, "/ContractAwardNotice", "body:4: /ContractAwardNotice: not supported: contract award notices"},
		{"bad CPV", strings.Replace(future, "72415000-2", "12345678", 1), "application/xml", admin, 400,
			"/ContractNotice/cac:ProcurementProject/cac:AdditionalCommodityClassification[1]/cbc:ItemClassificationCode", `"12345678" is not a CPV code`},
		{"too large", "<a>" + strings.Repeat(" ", 16<<20) + "</a>", "application/xml", admin, 413, "", "larger than 16 MiB"},
	} {
		req, err := http.NewRequest("POST", base+"/api/v1/opportunities/import", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		if tt.c.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.c.token)
		}
		status, body, hdr := doRequest(t, req)
		if status != tt.status || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") || !strings.Contains(fmt.Sprint(body["detail"]), tt.detail) {
			t.Errorf("%s: %d %s %v; want %d problem+json with detail containing %q", tt.name, status, hdr.Get("Content-Type"), body, tt.status, tt.detail)
			continue
		}
		if tt.field != "" {
			errs, _ := body["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["field"] != tt.field || !strings.HasPrefix(fmt.Sprint(errs[0].(map[string]any)["reason"]), "line ") {
				t.Errorf("%s: errors = %v, want field %q with a line", tt.name, body["errors"], tt.field)
			}
		}
	}
	if status, body, _ := admin.do("GET", "/api/v1/opportunities", ""); body["total"] != float64(1) {
		t.Errorf("after bad imports: GET opportunities = %d total %v, want still 1", status, body["total"])
	}
}

// doRequest sends req and decodes a JSON answer.
func doRequest(tb testing.TB, req *http.Request) (int, map[string]any, http.Header) {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		v = map[string]any{"_err": err.Error()}
	}
	return resp.StatusCode, v, resp.Header
}

func TestImportTenderNeedsTheNodeIdentity(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"import", "tender", "--data", dir, "--country", "FR", "x.xml"}, func(string) string { return "" }, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "--public-url and --country are required") {
		t.Errorf("import without --public-url: exit %d, %q", code, errOut.String())
	}
}
