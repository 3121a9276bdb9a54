package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Env names the environment variable that overrides the test data folder.
const Env = "ETOILES_TESTDATA"

// Find returns the shared test data folder, or "" when it cannot be found.
func Find() string {
	if d := os.Getenv(Env); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "testdata")
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the shared test data folder. When it is absent the test is
// skipped, except under CI (CI=true), where its absence is a failure.
func Dir(tb testing.TB) string {
	tb.Helper()
	d := Find()
	if d == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared test data not found; set %s", Env)
		}
		tb.Skipf("shared test data not found; set %s to run this test", Env)
	}
	return d
}

// Path returns the path of a file under the shared test data folder.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}
