package api_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node/api"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// TestOpenAPICoversRoutes checks that spec/openapi.yaml documents every
// route the server registers, and nothing else.
func TestOpenAPICoversRoutes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "spec", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                          `yaml:"openapi"`
		Paths   map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("spec/openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var spec, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			spec = append(spec, strings.ToUpper(method)+" "+path)
		}
	}
	for _, rt := range api.Routes {
		served = append(served, rt.Pattern())
	}
	sort.Strings(spec)
	sort.Strings(served)
	if diff := cmp.Diff(served, spec); diff != "" {
		t.Errorf("routes and spec/openapi.yaml differ (-served +spec):\n%s", diff)
	}
}
