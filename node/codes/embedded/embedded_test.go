package embedded_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/codes/embedded"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

func mustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "etoiles.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestLoadOnceThenSkip(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	got, err := embedded.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{codes.CPV: 9000, codes.NUTS: 1000, codes.Country: 200} // lower bounds
	if len(got) != len(want) {
		t.Fatalf("Load loaded %d lists, want %d: %+v", len(got), len(want), got)
	}
	for _, i := range got {
		if i.Count < want[i.Kind] || !strings.HasPrefix(i.Version, embedded.VersionPrefix) {
			t.Errorf("loaded %s: %d codes version %q, want ≥ %d codes and an embedded version", i.Kind, i.Count, i.Version, want[i.Kind])
		}
		if i.Kind != codes.NUTS && len(i.Languages) != 24 {
			t.Errorf("loaded %s in %d languages, want 24", i.Kind, len(i.Languages))
		}
	}
	svc := &codes.Service{Store: db}
	res, err := svc.Lookup(ctx, codes.CPV, "72413000", "it", 5)
	if err != nil || !res.LabelsLoaded || len(res.Items) == 0 || res.Items[0].Label == "" || res.Items[0].Lang != "it" {
		t.Fatalf("Lookup after Load = %+v, %v; want an Italian label", res, err)
	}
	again, err := embedded.Load(ctx, db)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Load = %+v, %v; want nothing loaded", again, err)
	}
}

func TestLoadKeepsImportedList(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	imported := &codes.List{Kind: codes.NUTS, Version: "2024-official", Codes: []codes.Code{{Code: "FR", Labels: map[string]string{"fr": "France"}}}}
	if err := db.ReplaceCodeList(ctx, imported); err != nil {
		t.Fatal(err)
	}
	got, err := embedded.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range got {
		if i.Kind == codes.NUTS {
			t.Errorf("Load replaced the imported NUTS list: %+v", i)
		}
	}
	lists, _ := db.CodeLists(ctx)
	for _, i := range lists {
		if i.Kind == codes.NUTS && (i.Version != "2024-official" || i.Count != 1) {
			t.Errorf("NUTS after Load = %+v, want the imported list kept", i)
		}
	}
}

func TestNoticeNamesLicence(t *testing.T) {
	n := embedded.Notice()
	for _, s := range []string{"CC BY 4.0", "Publications Office", "CPV", "NUTS 2024"} {
		if !strings.Contains(n, s) {
			t.Errorf("NOTICE lacks %q", s)
		}
	}
}
