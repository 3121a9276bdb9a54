package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestConfederationTakesNoCountry: the README's confederation step with a
// --country, as a newcomer types it, fails with one line saying why.
func TestConfederationTakesNoCountry(t *testing.T) {
	c := DefaultConfig()
	c.Role, c.Country = "confederation", "EU"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "has no country") {
		t.Errorf("confederation with --country EU: %v, want an error saying it has no country", err)
	}
	c.Country = ""
	if err := c.Validate(); err != nil {
		t.Errorf("confederation without a country: %v", err)
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--role", "confederation", "--country", "eu"}, func(string) string { return "" }, &bytes.Buffer{}, &stderr)
	if code == 0 || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 || !strings.Contains(stderr.String(), "leave --country out") {
		t.Errorf("serve exit %d, stderr %q: want non-zero and one line", code, stderr.String())
	}
}
