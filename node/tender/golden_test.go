package tender

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the parser")

// sharedNotices parses every shared example notice once, SDK 1.x (the
// folder) and SDK 2.x (sdk2/), keyed "sdk1/name.xml", "sdk2/name.xml".
func sharedNotices(t *testing.T) map[string]*Notice {
	t.Helper()
	dir := sharedtest.Path(t, "eforms", "notices")
	out := map[string]*Notice{}
	for sdk, glob := range map[string]string{"sdk1": "*.xml", "sdk2": "sdk2/*.xml"} {
		files, err := filepath.Glob(filepath.Join(dir, glob))
		if err != nil || len(files) < 4 {
			t.Fatalf("%s: found %d notices (%v), want at least 4", glob, len(files), err)
		}
		for _, f := range files {
			n, err := ParseFile(f)
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			out[sdk+"/"+filepath.Base(f)] = n
		}
	}
	return out
}

// TestGolden maps every shared notice to an opportunity and compares it,
// tender details included, with testdata/golden/<sdk>/<name>.json
// (refreshed with -update). The mapped opportunity must validate.
func TestGolden(t *testing.T) {
	for name, n := range sharedNotices(t) {
		t.Run(name, func(t *testing.T) {
			if want := name[:4] == "sdk2"; want != strings.HasPrefix(n.SDK, "eforms-sdk-2.") {
				t.Errorf("SDK = %q in %s", n.SDK, name)
			}
			o := n.Opportunity()
			got, err := json.MarshalIndent(o, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".xml")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Opportunity() of %s differs from %s:\n%s", name, path, firstDiff(string(got), string(want)))
			}
			o.Normalize()
			if err := o.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// firstDiff shows the first line where got and want part.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return "line " + itoa(i+1) + ":\n got  " + g[i] + "\n want " + w[i]
		}
	}
	return "lengths differ: got " + itoa(len(g)) + " lines, want " + itoa(len(w))
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestBidderDetails checks, for each SDK version, the facts a bidder
// needs, read by hand from the notices (not from the parser's output).
func TestBidderDetails(t *testing.T) {
	notices := sharedNotices(t)
	type want struct {
		buyer, town, email, profile, website string
		procedure                            string
		accelerated                          bool
		lot                                  int
		docs, restricted, submit, esub       string
		deadline, kind                       string // RFC 3339 with the notice's offset
		duration, start, end, framework      string
		awards                               string // type:weight(kind) …
		selections                           int
	}
	for _, tt := range []struct {
		file string
		want want
	}{
		{"sdk2/cn_24_open.xml", want{buyer: "Renfrewshire Council", town: "Paisley", email: "douglas.mcewan@renfrewshire.gov.uk",
			profile: "https://www.publiccontractsscotland.gov.uk/search/Search_AuthProfile.aspx?ID=AA00400", website: "http://www.renfrewshire.gov.uk",
			procedure: "open", docs: "https://www.publictendersscotland.publiccontractsscotland.gov.uk",
			submit: "https://www.publictendersscotland.publiccontractsscotland.gov.uk", esub: "allowed",
			deadline: "2020-04-03T12:00:00+01:00", kind: "tender", duration: "36 MONTH", start: "2020-09-01",
			awards: "quality:15(per-exa) quality:5(per-exa) quality:3(per-exa) quality:2(per-exa) price:75(per-exa)", selections: 3}},
		{"sdk2/cn_24_nego_accel.xml", want{buyer: "HM Land Registry", town: "Croydon", email: "helpdesk@landregistry.gov.uk",
			website:   "https://www.gov.uk/government/organisations/land-registry",
			procedure: "neg-w-call", accelerated: true, restricted: "https://hmlandregistry.force.com",
			submit: "https://hmlandregistry.force.com", esub: "required", deadline: "2020-04-29T12:00:00+01:00", kind: "participation",
			duration: "66 MONTH", start: "2020-09-01", awards: "cost:", selections: 3}},
		{"sdk2/cn_24_minimal.xml", want{buyer: "Publications Office of the European Union", town: "Luxembourg",
			email: "op-appels-offres@publications.europa.eu", procedure: "open",
			restricted: "https://etendering.ted.europa.eu/cft/cft-display.html?cftId=5629", submit: "https://etendering.ted.europa.eu/cft/cft-display.html?cftId=5629",
			esub: "required", deadline: "2020-02-04T10:00:00+02:00", kind: "tender", duration: "48 MONTH", framework: "fa-wo-rc"}},
		{"sdk2/pin-cfc_25.xml", want{buyer: "Flughafen Stuttgart GmbH", town: "Stuttgart", email: "klemm@stuttgart-airport.com",
			website: "http://www.stuttgart-airport.com/", procedure: "oth-mult", submit: "http://www.subreport.de/E49898235", esub: "required",
			deadline: "2020-05-18T23:59:59+01:00", kind: "interest", duration: "24 MONTH", start: "2020-09-01", awards: "price:100(per-exa)", selections: 3}},
		{"sdk1/cn_24_FRA_comments.xml", want{buyer: "Rouen Habitat", town: "Rouen Cedex 1", email: "contact@rouenhabitat.fr",
			profile: "http://www.marches-publics.info/accueil.htm", website: "https://www.marches-publics.info/accueil.htm", procedure: "open",
			docs: "https://www.marches-publics.info/accueil.htm", submit: "https://www.marches-publics.info/accueil.htm", esub: "allowed",
			deadline: "2019-06-24T16:00:00Z", kind: "tender", start: "2019-09-01", end: "2020-12-31", awards: "price:60(per-exa) quality:40(per-exa)"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			n := notices[tt.file]
			if n == nil {
				t.Fatalf("%s not parsed", tt.file)
			}
			td := n.Tender()
			l := td.Lots[tt.want.lot]
			var g want
			if b := td.Buyer; b != nil {
				g.buyer, g.town, g.email, g.profile, g.website = b.Name[n.Language], b.Town, b.Email, b.ProfileURL, b.Website
			}
			g.procedure, g.accelerated, g.lot = td.Procedure, td.Accelerated, tt.want.lot
			g.docs, g.restricted, g.submit, g.esub = l.DocumentsURL, l.RestrictedDocumentsURL, l.SubmissionURL, l.ElectronicSubmission
			if l.Deadline != nil {
				g.deadline, g.kind = l.Deadline.Format("2006-01-02T15:04:05Z07:00"), l.DeadlineKind
			}
			if l.Duration != nil {
				g.duration = l.Duration.Value + " " + l.Duration.Unit
			}
			g.start, g.end, g.framework = l.Start, l.End, l.FrameworkAgreement
			var aw []string
			for _, a := range l.AwardCriteria {
				s := a.Type + ":" + a.Weight
				if a.WeightKind != "" {
					s += "(" + a.WeightKind + ")"
				}
				aw = append(aw, s)
			}
			g.awards, g.selections = strings.Join(aw, " "), len(l.SelectionCriteria)
			if g != tt.want {
				t.Errorf("bidder details of %s:\n got  %+v\n want %+v", tt.file, g, tt.want)
			}
			if td.NoticeID != n.ID || td.ProcedureID != n.ProcedureID || td.NoticeType != n.Type || td.SDK != n.SDK {
				t.Errorf("identifiers %+v", td)
			}
		})
	}
}

func TestTEDURL(t *testing.T) {
	for in, want := range map[string]string{
		"00123456-2024": "https://ted.europa.eu/en/notice/-/detail/123456-2024",
		"654321-2026":   "https://ted.europa.eu/en/notice/-/detail/654321-2026",
		"":              "", "00000000-2024": "", "12-24": "", "abc-2024": "", "1-2024-3": "",
	} {
		if got := TEDURL(in); got != want {
			t.Errorf("TEDURL(%q) = %q, want %q", in, got, want)
		}
	}
}
