package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIdentityRecordedThenEnforced(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = dir
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.bindServe(fs)
	if err := parseFlags(fs, []string{"--public-url", "https://conf.example", "--role", "confederation"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if _, err := serveIdentity(&cfg, fs, false); err != nil {
		t.Fatal(err)
	}
	// admit reads the recorded URL, and refuses another.
	afs := flag.NewFlagSet("admit", flag.ContinueOnError)
	pu := afs.String("public-url", "http://localhost:8080", "")
	if err := afs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if ok, err := applyIdentity("admit", dir, afs, pu, nil, nil, nil); !ok || err != nil || *pu != "https://conf.example" {
		t.Fatalf("applyIdentity = %v, %v, url %q; want the recorded URL", ok, err, *pu)
	}
	_ = afs.Parse([]string{"--public-url", "https://other.example"})
	_, err := applyIdentity("admit", dir, afs, pu, nil, nil, nil)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "contradicts") {
		t.Fatalf("applyIdentity with another URL = %v, want a one-line refusal", err)
	}
	// serve with another URL is refused, unless --change-identity.
	cfg2 := DefaultConfig()
	cfg2.DataDir = dir
	fs2 := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg2.bindServe(fs2)
	_ = parseFlags(fs2, []string{"--public-url", "https://new.example"}, func(string) string { return "" })
	if _, err := serveIdentity(&cfg2, fs2, false); err == nil {
		t.Fatal("serve with another public URL was accepted")
	}
	warn, err := serveIdentity(&cfg2, fs2, true)
	if err != nil || len(warn) == 0 || cfg2.Role != "confederation" {
		t.Fatalf("serve --change-identity = %v, %v, role %q; want a warning and the stored role kept", warn, err, cfg2.Role)
	}
	b, _ := os.ReadFile(filepath.Join(dir, identityFile))
	if !strings.Contains(string(b), "https://new.example") {
		t.Errorf("%s = %s, want the new URL", identityFile, b)
	}
}

func TestAdmitRefusesNationalAndUnrecordedURL(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "admission-ed25519.pem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--data", dir, "--actor", "https://it.example/actor", "--country", "IT", "--name", "x"}
	env := func(string) string { return "" }
	var out strings.Builder
	if err := cmdAdmit(t.Context(), args, env, &out); err == nil || !strings.Contains(err.Error(), "records no public URL") {
		t.Errorf("admit without a recorded URL = %v, want a refusal", err)
	}
	if err := writeIdentity(dir, identity{PublicURL: "https://fr.example", Country: "FR", Role: "national"}); err != nil {
		t.Fatal(err)
	}
	if err := cmdAdmit(t.Context(), args, env, &out); err == nil || !strings.Contains(err.Error(), "not a confederation's") {
		t.Errorf("admit on a national node = %v, want a refusal", err)
	}
}
