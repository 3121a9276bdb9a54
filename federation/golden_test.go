package federation

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite spec/examples/emitted")

// emittedMember is the member the golden files describe.
func emittedMember() *node.Member {
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	m := &node.Member{ID: "atelier-numerique", Name: "Atelier Numérique SCOP", LegalForm: "SCOP", Country: "FR", Region: "FR101",
		Website: "https://atelier-numerique.example/", Status: node.StatusMember, CreatedAt: at, UpdatedAt: at.Add(48 * time.Hour),
		Summary:     map[string]string{"fr": "Conception de sites web accessibles, à Paris.", "en": "Accessible website design, in Paris."},
		Languages:   []string{"fr", "en", "it"},
		Competences: []string{"72413000", "79822500"},
		Tags:        []string{"accessibilité", "web"},
	}
	m.Normalize()
	return m
}

// TestEmittedShapes checks what federation sends for a member co-op
// against the golden files in spec/examples/emitted, and that reading
// them back gives the member again. Refresh with -update.
func TestEmittedShapes(t *testing.T) {
	f := &Federation{uris: URIs{Base: "https://fr.example"}}
	m := emittedMember()
	create := vocab.NewActivity("Create", f.uris.EventActivity(42), f.uris.Actor(), f.memberObject(m)).
		SetPublished(m.UpdatedAt).SetTo("https://it.example/actor", "https://es.example/actor")
	tomb := vocab.NewTombstone(f.uris.Member(m.ID), "Organization", m.UpdatedAt).Set(revisionTerm, "1772528400123456789")
	del := vocab.NewActivity("Delete", f.uris.EventActivity(43), f.uris.Actor(), tomb).SetPublished(m.UpdatedAt).SetTo("https://it.example/actor")
	shapes := map[string]*vocab.Builder{"organization": f.memberObject(m), "create-organization": create, "delete-organization": del}
	for name, b := range shapes {
		checkGolden(t, name, b)
	}
	// What a peer reads back from the Create is the member, without its
	// private details, under the peer's local id.
	data, _ := os.ReadFile(filepath.Join("..", "spec", "examples", "emitted", "create-organization.json"))
	act, err := vocab.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := remoteMember(act.Object(), f.uris.Actor(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := m.Public()
	want.ID, want.Origin, want.APID = "atelier-numerique@fr.example", f.uris.Actor(), f.uris.Member(m.ID)
	want.CreatedAt, want.UpdatedAt = m.CreatedAt.Truncate(time.Second), m.UpdatedAt.Truncate(time.Second)
	want.Revision = m.UpdatedAt.UnixNano()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("member read back from the Create (-want +got):\n%s", diff)
	}
}

// checkGolden compares what b marshals to, indented, with the golden
// file spec/examples/emitted/NAME.json (written anew with -update), and
// returns the golden file's bytes.
func checkGolden(t *testing.T, name string, b *vocab.Builder) []byte {
	t.Helper()
	got, err := b.Marshal()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("..", "spec", "examples", "emitted", name+".json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run with -update to create it)", name, err)
	}
	if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
		t.Errorf("%s differs from %s (-want +got):\n%s", name, path, diff)
	}
	return want
}
