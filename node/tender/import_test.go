package tender_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/internal/sharedtest"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/e-toiles/etoiles/node/tender"
)

type links struct{}

func (links) Actor() string                { return "https://fr.example/actor" }
func (links) Member(id string) string      { return "https://fr.example/members/" + id }
func (links) Opportunity(id string) string { return "https://fr.example/opportunities/" + id }
func (links) Interest(id string) string    { return "https://fr.example/interests/" + id }

// MustImporter returns an importer over a fresh SQLite database whose
// clock reads now. The shared code lists named (cpv.csv, nuts.csv,
// country.csv) are loaded so that the service checks codes against them.
func MustImporter(tb testing.TB, now time.Time, codeLists ...string) (*tender.Importer, *sqlite.DB) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "node.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	for _, l := range codeLists {
		if _, err := (&codes.Service{Store: db}).ImportFiles(ctx, sharedtest.Path(tb, "eforms", "codelists", l)); err != nil {
			tb.Fatal(err)
		}
	}
	n := 0
	svc := &opportunity.Service{Store: db, Codes: db, Links: links{}, Country: "FR",
		Now: func() time.Time { return now }, NewID: func() string { n++; return fmt.Sprintf("opp%d", n) }}
	return &tender.Importer{Opportunities: svc}, db
}

func count(tb testing.TB, db *sqlite.DB) int {
	tb.Helper()
	_, total, err := db.ListOpportunities(context.Background(), opportunity.Query{Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	return total
}

// subjects lists the subjects of the events waiting in the outbox.
func subjects(tb testing.TB, db *sqlite.DB) []string {
	tb.Helper()
	evs, err := db.PendingEvents(context.Background(), 1000)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if strings.Contains(e.Subject, "opportunity") {
			out = append(out, strings.TrimPrefix(e.Subject, node.SubjectPrefix)+" "+e.AggregateID)
		}
	}
	return out
}

// TestImportSharedExamples imports every shared example twice: the first
// time creates one opportunity per notice, the second updates the same
// ones. The examples are all past, so they are kept as complete.
func TestImportSharedExamples(t *testing.T) {
	ctx := context.Background()
	files, _ := filepath.Glob(sharedtest.Path(t, "eforms", "notices", "*.xml"))
	if len(files) < 5 {
		t.Fatalf("found %d shared notices", len(files))
	}
	im, db := MustImporter(t, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), "cpv.csv", "nuts.csv", "country.csv")
	first, err := im.ImportFiles(ctx, files...)
	if err != nil {
		t.Fatalf("ImportFiles: %v", err)
	}
	ids := map[string]string{}
	for i, r := range first {
		o := r.Opportunity
		if !r.Created || r.File != files[i] {
			t.Errorf("%s: created %v, file %s", files[i], r.Created, r.File)
		}
		if o.Status != node.OpportunityComplete || o.Lead != "" || len(o.Consortium) != 0 {
			t.Errorf("%s: status %s, lead %q, consortium %v; want complete, no lead", r.File, o.Status, o.Lead, o.Consortium)
		}
		if !strings.HasPrefix(o.Source, tender.SourceRefPrefix) || o.NodeCountry != "FR" || o.Country == "" || len(o.Title) == 0 || len(o.Lots) == 0 {
			t.Errorf("%s: source %q, node country %s, country %s, %d titles, %d lots", r.File, o.Source, o.NodeCountry, o.Country, len(o.Title), len(o.Lots))
		}
		ids[o.Source] = o.ID
	}
	if len(ids) != len(files) || count(t, db) != len(files) {
		t.Fatalf("%d sources, %d opportunities, want %d", len(ids), count(t, db), len(files))
	}
	again, err := im.ImportFiles(ctx, files...)
	if err != nil {
		t.Fatalf("ImportFiles again: %v", err)
	}
	for _, r := range again {
		if r.Created || ids[r.Opportunity.Source] != r.Opportunity.ID {
			t.Errorf("%s again: created %v, id %s, want an update of %s", r.File, r.Created, r.Opportunity.ID, ids[r.Opportunity.Source])
		}
	}
	if n := count(t, db); n != len(files) {
		t.Errorf("after a second import %d opportunities, want %d", n, len(files))
	}
	var created, updated int
	for _, s := range subjects(t, db) {
		switch {
		case strings.HasPrefix(s, "opportunity.created "):
			created++
		case strings.HasPrefix(s, "opportunity.updated "):
			updated++
		}
	}
	if created != len(files) || updated != len(files) {
		t.Errorf("outbox has %d created and %d updated events, want %d each", created, updated, len(files))
	}
	got, err := db.GetOpportunity(ctx, ids[tender.SourceRefPrefix+"46c9ce89-5986-40d9-992f-e1a2469a48f8"])
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Title) != 24 || got.Value == nil || got.Value.Amount != "4500000" || got.Country != "LU" || got.Region != "LU000" {
		t.Errorf("multilingual notice stored as %d titles, value %+v, place %s %s", len(got.Title), got.Value, got.Country, got.Region)
	}
}

func readFixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "flags.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func importText(t *testing.T, im *tender.Importer, text, name string) (tender.Result, error) {
	t.Helper()
	p, err := tender.Prepare(strings.NewReader(text), name)
	if err != nil {
		return tender.Result{}, err
	}
	return im.Import(context.Background(), p)
}

// TestImportActiveAndFlags imports the fixture before its deadline: it is
// active, its procedure identifier is the source and it keeps its flags.
func TestImportActiveAndFlags(t *testing.T) {
	im, _ := MustImporter(t, time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC))
	r, err := importText(t, im, readFixture(t), "flags.xml")
	if err != nil {
		t.Fatal(err)
	}
	o := r.Opportunity
	want := node.Flags{Reserved: true, SocialObjective: true, AccessibilityCriteria: true, SMESuitable: true}
	if o.Status != node.OpportunityActive || o.Source != "eforms:0b5e1c7a-0000-4000-8000-0000000000ff" || o.Flags != want {
		t.Errorf("status %s, source %q, flags %+v; want active, the procedure, all flags", o.Status, o.Source, o.Flags)
	}
	if o.Deadline == nil || !o.Deadline.Equal(time.Date(2026, 9, 1, 15, 30, 0, 0, time.UTC)) {
		t.Errorf("deadline %v, want the participation deadline 2026-09-01T15:30Z", o.Deadline)
	}
}

// TestImportRecognisesEarlierCopies imports an unpublished copy of the
// original notice, then the published change notice that changes it: the
// change updates the same opportunity. A notice of another procedure makes
// a second one.
func TestImportRecognisesEarlierCopies(t *testing.T) {
	im, db := MustImporter(t, time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC))
	text := readFixture(t)
	start, end := strings.Index(text, "<efac:Publication>"), strings.Index(text, "</efac:Publication>")+len("</efac:Publication>")
	original := strings.Replace(text[:start]+text[end:], "000000000002</cbc:ID>", "000000000001</cbc:ID>", 1)
	original = strings.Replace(original, "Accessible website", "Old title", 1)
	first, err := importText(t, im, original, "original.xml")
	if err != nil {
		t.Fatal(err)
	}
	if first.Opportunity.Source != "eforms:0b5e1c7a-0000-4000-8000-0000000000ff" || !first.Created {
		t.Fatalf("original imported as %q (created %v)", first.Opportunity.Source, first.Created)
	}
	second, err := importText(t, im, text, "change.xml")
	if err != nil {
		t.Fatal(err)
	}
	if second.Created || second.Opportunity.ID != first.Opportunity.ID || second.Opportunity.Title["en"] != "Accessible website and videos for the town" {
		t.Errorf("change notice: created %v, id %s (want %s), title %q", second.Created, second.Opportunity.ID, first.Opportunity.ID, second.Opportunity.Title["en"])
	}
	if n := count(t, db); n != 1 {
		t.Errorf("%d opportunities, want 1", n)
	}
	third, err := importText(t, im, strings.Replace(text, "0000000000ff</cbc:ContractFolderID>", "0000000000ee</cbc:ContractFolderID>", 1), "other.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !third.Created || third.Opportunity.ID == first.Opportunity.ID || count(t, db) != 2 {
		t.Errorf("another procedure: created %v, id %s, %d opportunities; want a second one", third.Created, third.Opportunity.ID, count(t, db))
	}
}

// TestImportBadFileAmongGood: one bad file stops the whole command before
// anything is written, and the error names the file and the element.
func TestImportBadFileAmongGood(t *testing.T) {
	dir := t.TempDir()
	text := readFixture(t)
	good := filepath.Join(dir, "good.xml")
	bad := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(good, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(text, ">ITC12<", ">ITC1Z9<", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	im, db := MustImporter(t, time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC))
	_, err := im.ImportFiles(context.Background(), good, bad, filepath.Join(dir, "missing.xml"))
	if node.ErrorCode(err) != node.EINVALID {
		t.Fatalf("ImportFiles = %v, want EINVALID", err)
	}
	msg := node.ErrorMessage(err)
	for _, want := range []string{"2 of 3 files are bad, nothing imported", bad + ":", "cbc:CountrySubentityCode", `"ITC1Z9" is not a NUTS code`, "missing.xml: cannot open: no such file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q spans lines", msg)
	}
	if n := count(t, db); n != 0 || len(subjects(t, db)) != 0 {
		t.Errorf("%d opportunities and events %v after a failed import, want none", n, subjects(t, db))
	}
}

// TestImportUnknownCode: a code that is well formed but not in the loaded
// CPV list is refused with the domain's field.
func TestImportUnknownCode(t *testing.T) {
	im, db := MustImporter(t, time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC), "cpv.csv")
	_, err := importText(t, im, strings.Replace(readFixture(t), ">92111000<", ">92999000<", -1), "unknown.xml")
	if node.ErrorCode(err) != node.EINVALID || !strings.HasPrefix(node.ErrorMessage(err), "unknown.xml: the notice does not make a valid opportunity") {
		t.Fatalf("import = %v", err)
	}
	var fields []string
	for _, f := range node.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	sort.Strings(fields)
	if strings.Join(fields, " ") != "competences[2].cpv lots[1].cpv[0]" {
		t.Errorf("fields = %v", fields)
	}
	if n := count(t, db); n != 0 {
		t.Errorf("%d opportunities, want 0", n)
	}
}
