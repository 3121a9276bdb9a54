package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/internal/sharedtest"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/google/go-cmp/cmp"
)

// MustOpen opens a database in a temporary folder and closes it after the test.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "etoiles.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustCreate(t *testing.T, svc *membership.Service, m node.Member) *node.Member {
	t.Helper()
	got, err := svc.Create(context.Background(), &m)
	if err != nil {
		t.Fatalf("Create(%s) = %v", m.ID, err)
	}
	return got
}

func ids(items []*node.Member) []string {
	out := []string{}
	for _, m := range items {
		out = append(out, m.ID)
	}
	return out
}

func TestMemberLifecycle(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	svc := &membership.Service{Store: db, Codes: db}
	m := mustCreate(t, svc, node.Member{Name: "Scop Écho", Country: "FR", Region: "FR101",
		Summary: map[string]string{"fr": "Agence web coopérative"}, Competences: []string{"72413000-8"},
		Contact: &node.Contact{Email: "contact@echo.example"}})
	if m.ID != "scop-echo" || m.Status != node.StatusMember {
		t.Fatalf("created %q in %q, want scop-echo in member", m.ID, m.Status)
	}
	if _, err := svc.Create(ctx, &node.Member{ID: "scop-echo", Name: "Again", Country: "FR"}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("Create(duplicate) code = %q, want %q", node.ErrorCode(err), node.ECONFLICT)
	}
	got, err := svc.Get(ctx, "scop-echo")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("Get mismatch (-created +got):\n%s", diff)
	}
	name := "Scop Écho & Son"
	if _, err := svc.Update(ctx, "scop-echo", membership.Patch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []node.MemberStatus{node.StatusLapsed, node.StatusMember, node.StatusAlumni} {
		if _, err := svc.SetStatus(ctx, "scop-echo", to, ""); err != nil {
			t.Fatalf("SetStatus(%s) = %v", to, err)
		}
	}
	if _, err := svc.SetStatus(ctx, "scop-echo", node.StatusLapsed, ""); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("SetStatus(alumni→lapsed) code = %q, want conflict", node.ErrorCode(err))
	}
	hist, err := svc.History(ctx, "scop-echo")
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, h := range hist {
		steps = append(steps, string(h.From)+">"+string(h.To))
	}
	if diff := cmp.Diff([]string{">member", "member>lapsed", "lapsed>member", "member>alumni"}, steps); diff != "" {
		t.Errorf("history mismatch (-want +got):\n%s", diff)
	}
	active, err := db.MemberActive(ctx, "scop-echo")
	if err != nil || active {
		t.Errorf("MemberActive(alumni) = %v, %v, want false", active, err)
	}
	// Every change wrote one event, in order, without the private contact.
	evs, err := db.PendingEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, e := range evs {
		subjects = append(subjects, e.Subject)
		if string(e.Data) == "" || contains(string(e.Data), "contact@echo.example") {
			t.Errorf("event %d data = %s: empty or leaks the contact", e.ID, e.Data)
		}
	}
	want := []string{node.SubjectMemberJoined, node.SubjectMemberUpdated, node.SubjectMemberLapsed, node.SubjectMemberJoined, node.SubjectMemberLeft}
	if diff := cmp.Diff(want, subjects); diff != "" {
		t.Errorf("outbox subjects mismatch (-want +got):\n%s", diff)
	}
	if err := db.MarkPublished(ctx, []int64{evs[0].ID, evs[1].ID}); err != nil {
		t.Fatal(err)
	}
	n, oldest, err := db.OutboxLag(ctx)
	if err != nil || n != 3 || !oldest.Equal(evs[2].Time) {
		t.Errorf("OutboxLag = %d, %v, %v, want 3, %v", n, oldest, err, evs[2].Time)
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestInvalidWriteStoresNothing(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	svc := &membership.Service{Store: db}
	_, err := svc.Create(ctx, &node.Member{Name: "Bad", Country: "FR", Competences: []string{"99999999"}})
	if node.ErrorCode(err) != node.EINVALID {
		t.Fatalf("Create(bad cpv) = %v, want invalid", err)
	}
	res, err := (&catalogue.Service{Store: db}).Search(ctx, catalogue.Query{})
	if err != nil || res.Total != 0 {
		t.Errorf("after a refused create: total = %d, %v, want 0", res.Total, err)
	}
	if evs, _ := db.PendingEvents(ctx, 10); len(evs) != 0 {
		t.Errorf("after a refused create: %d outbox events, want 0", len(evs))
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	svc := &membership.Service{Store: db}
	mustCreate(t, svc, node.Member{ID: "echo", Name: "Écho Vidéo", Country: "FR", Region: "FR101",
		Summary:   map[string]string{"fr": "Réalisation de vidéos et sous-titrage", "en": "Video production and captioning"},
		Languages: []string{"fr", "en"}, Competences: []string{"92111000"}})
	mustCreate(t, svc, node.Member{ID: "bologna-web", Name: "Bologna Web", Country: "IT", Region: "ITH55",
		Summary: map[string]string{"it": "Sviluppo di siti web accessibili"}, Languages: []string{"it", "en-GB"},
		Competences: []string{"72413000", "72212000"}, Tags: []string{"accessibilità"}})
	mustCreate(t, svc, node.Member{ID: "lyon-host", Name: "Lyon Hébergement", Country: "FR", Region: "FRK26",
		Summary: map[string]string{"fr": "Hébergement web"}, Languages: []string{"fr"}, Competences: []string{"72415000"}})
	mustCreate(t, svc, node.Member{ID: "gone", Name: "Gone Web", Country: "FR", Competences: []string{"72413000"}, Status: node.StatusProspect})
	cat := &catalogue.Service{Store: db}
	tests := []struct {
		name string
		q    catalogue.Query
		want []string
	}{
		{"all active", catalogue.Query{}, []string{"bologna-web", "echo", "lyon-host"}},
		{"accent-insensitive", catalogue.Query{Text: "hebergement"}, []string{"lyon-host"}},
		{"accented query", catalogue.Query{Text: "vidéo"}, []string{"echo"}},
		{"other summary language", catalogue.Query{Text: "captioning"}, []string{"echo"}},
		{"prefix", catalogue.Query{Text: "accessib"}, []string{"bologna-web"}},
		{"tag", catalogue.Query{Text: "accessibilita"}, []string{"bologna-web"}},
		{"parent competence", catalogue.Query{Competence: "72000000"}, []string{"bologna-web", "lyon-host"}},
		{"group competence", catalogue.Query{Competence: "72410000"}, []string{"bologna-web", "lyon-host"}},
		{"exact competence", catalogue.Query{Competence: "72415000"}, []string{"lyon-host"}},
		{"country", catalogue.Query{Country: "fr"}, []string{"echo", "lyon-host"}},
		{"region parent", catalogue.Query{Region: "FRK"}, []string{"lyon-host"}},
		{"language with region", catalogue.Query{Language: "en"}, []string{"bologna-web", "echo"}},
		{"text and filters", catalogue.Query{Text: "web", Country: "IT", Competence: "72000000"}, []string{"bologna-web"}},
		{"prospects", catalogue.Query{Status: node.StatusProspect}, []string{"gone"}},
		{"fts syntax is inert", catalogue.Query{Text: `"web" (*`}, []string{"bologna-web", "lyon-host"}},
		{"no match", catalogue.Query{Text: "plumbing"}, []string{}},
	}
	for _, tt := range tests {
		res, err := cat.Search(ctx, tt.q)
		if err != nil {
			t.Errorf("%s: Search = %v", tt.name, err)
			continue
		}
		got := ids(res.Items)
		if tt.q.Text == "" || len(got) > 1 {
			sortStrings(got)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" || res.Total != len(tt.want) {
			t.Errorf("%s: total %d, ids mismatch (-want +got):\n%s", tt.name, res.Total, diff)
		}
		for _, m := range res.Items {
			if m.Contact != nil {
				t.Errorf("%s: search result %s carries private contact details", tt.name, m.ID)
			}
		}
	}
	for _, bad := range []catalogue.Query{{Competence: "123"}, {Country: "XX"}, {Language: "xx"}, {Limit: 1000}, {Region: "fr-1"}} {
		if _, err := cat.Search(ctx, bad); node.ErrorCode(err) != node.EINVALID {
			t.Errorf("Search(%+v) code = %q, want invalid", bad, node.ErrorCode(err))
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestCodeListsFromSharedTestdata(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	dir := sharedtest.Path(t, "eforms", "codelists")
	svc := &codes.Service{Store: db}
	infos, err := svc.ImportFiles(ctx, filepath.Join(dir, "cpv.csv"), filepath.Join(dir, "nuts.csv"), filepath.Join(dir, "country.gc"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, i := range infos {
		counts[i.Kind] = i.Count
	}
	if counts["cpv"] != 9454 || counts["nuts"] != 2087 || counts["country"] < 240 {
		t.Errorf("imported %v, want 9454 cpv, 2087 nuts, ≥240 countries", counts)
	}
	res, err := svc.Lookup(ctx, codes.CPV, "conception de sites", "fr", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !res.LabelsLoaded || len(res.Items) == 0 || res.Items[0].Code != "72413000" {
		t.Errorf("Lookup(fr text) = %+v, want 72413000 first", res)
	}
	res, err = svc.Lookup(ctx, codes.CPV, "7241", "it", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) == 0 || res.Items[0].Code != "72410000" || res.Items[0].Label == "" || res.Items[0].Lang != "it" {
		t.Errorf("Lookup(prefix, it) first = %+v, want 72410000 with an Italian label", res.Items)
	}
	res, err = svc.Lookup(ctx, codes.Country, "deutsch", "de", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range res.Items {
		found = found || e.Code == "DE" && e.Label == "Deutschland"
	}
	if !found {
		t.Errorf("country DE in German not found among %d entries", len(res.Items))
	}
	// A loaded list makes the membership service refuse codes it lacks.
	msvc := &membership.Service{Store: db, Codes: db}
	_, err = msvc.Create(ctx, &node.Member{Name: "Xeno", Country: "FR", Competences: []string{"72413001"}})
	if f := node.ErrorFields(err); len(f) != 1 || f[0].Field != "competences[0]" {
		t.Errorf("Create(code not in list) = %v, want a field error on competences[0]", err)
	}
}

func TestCodeListBadFiles(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	svc := &codes.Service{Store: db}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"cpv.csv":   "code,label_en\n123,Bad\n",
		"nuts.gc":   "<not xml",
		"other.csv": "code\nX\n",
	} {
		p := filepath.Join(dir, name)
		if err := writeFile(p, body); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportFiles(ctx, p); err == nil {
			t.Errorf("ImportFiles(%s) = nil, want an error", name)
		}
	}
	if lists, _ := db.CodeLists(ctx); len(lists) != 0 {
		t.Errorf("after failed imports %d lists are loaded, want 0", len(lists))
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "etoiles.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	svc := &membership.Service{Store: db, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	if _, err := svc.Create(ctx, &node.Member{Name: "Keep Me", Country: "ES"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := db.GetMember(ctx, "keep-me")
	if err != nil || !m.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("after reopen: %v, %v", m, err)
	}
}

// TestRemoteMembersWithCollidingIDs shows that two remote objects whose
// ids reduce to the same local id are both kept.
func TestRemoteMembersWithCollidingIDs(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	for i, apID := range []string{"https://it.example/m/1", "https://it.example/m/-1"} {
		m := &node.Member{ID: "1@it.example", APID: apID, Origin: "https://it.example/actor", Name: "Coop", Country: "IT",
			Status: node.StatusMember, Revision: 1}
		m.Normalize()
		if err := db.UpsertRemoteMember(ctx, fmt.Sprintf("https://it.example/a/%d", i), "Create", m); err != nil {
			t.Fatalf("UpsertRemoteMember(%s) = %v", apID, err)
		}
	}
	res, err := (&catalogue.Service{Store: db}).Search(ctx, catalogue.Query{Origin: "remote"})
	if err != nil || res.Total != 2 {
		t.Errorf("remote members = %d, %v, want 2", res.Total, err)
	}
}
