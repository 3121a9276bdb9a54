package spec_test

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/spec"
)

func TestContext(t *testing.T) {
	var doc struct {
		Context map[string]any `json:"@context"`
	}
	if err := json.Unmarshal(spec.Context, &doc); err != nil {
		t.Fatalf("ns.jsonld: %v", err)
	}
	if got := doc.Context["etoiles"]; got != "https://w3id.org/etoiles#" {
		t.Errorf("etoiles prefix = %v", got)
	}
	// Every IRI in a definition is absolute or uses a prefix defined here.
	check := func(term, iri string) {
		if strings.HasPrefix(iri, "@") || strings.Contains(iri, "://") {
			return
		}
		prefix, _, ok := strings.Cut(iri, ":")
		if _, defined := doc.Context[prefix]; !ok || !defined {
			t.Errorf("term %q: %q uses no defined prefix", term, iri)
		}
	}
	for term, def := range doc.Context {
		switch def := def.(type) {
		case string:
			check(term, def)
		case map[string]any:
			for _, k := range []string{"@id", "@type"} {
				if s, ok := def[k].(string); ok {
					check(term, s)
				}
			}
			if _, ok := def["@id"]; !ok {
				t.Errorf("term %q has no @id", term)
			}
		default:
			t.Errorf("term %q: definition %v is neither a string nor an object", term, def)
		}
	}
}

func TestExamplesAreJSONLD(t *testing.T) {
	files, err := fs.Glob(spec.Examples, "examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no examples embedded")
	}
	for _, f := range files {
		data, err := spec.Examples.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, k := range []string{"@context", "id", "type"} {
			if _, ok := doc[k]; !ok {
				t.Errorf("%s: no %s", f, k)
			}
		}
	}
}
