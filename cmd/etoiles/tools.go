package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation"
	"github.com/e-toiles/etoiles/federation/trust"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

// cmdToken prints a token signed with the data directory's key. It reads
// the key file and, for a member token, the member in the database (SQLite
// in WAL mode), so it works while serve runs.
func cmdToken(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	dir := fs.String("data", "./etoiles-data", "data directory of the node")
	role := fs.String("role", "", "admin, member or confederation")
	member := fs.String("member", "", "member id, for a member token")
	ttl := fs.Duration("ttl", 24*time.Hour, "lifetime of the token")
	publicURL := fs.String("public-url", "", "issuer name written in the token (optional)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOnRequest(fs, err, stdout)
	}
	if *role == "" {
		return fmt.Errorf("token: --role is required (admin, member or confederation)")
	}
	if _, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("token: data directory %s: %w", *dir, err)
	}
	if _, err := applyIdentity("token", *dir, fs, publicURL, nil, nil, nil); err != nil {
		return err
	}
	key, err := auth.LoadOrCreateKey(filepath.Join(*dir, tokenKeyFile))
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	if *role == auth.RoleMember && *member != "" {
		if err := activeMember(*dir, *member); err != nil {
			return fmt.Errorf("token: %w", err)
		}
	}
	tok, _, err := (&auth.Issuer{Key: key, Name: *publicURL}).Issue(*role, *member, *ttl)
	if err != nil {
		if node.ErrorCode(err) != "" {
			return fmt.Errorf("token: %s", node.ErrorMessage(err)) // one line, without the code
		}
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// activeMember checks that a member token would work: the member exists
// in the data directory's database and is active (a lapsed or former
// member's tokens are refused at once). The database may be in use by
// serve.
func activeMember(dir, id string) error {
	path := filepath.Join(dir, dbFile)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("member %q: no database in %s (create the member first)", id, dir)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := db.GetMember(context.Background(), id)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return fmt.Errorf("member %q not found in %s", id, dir)
	} else if err != nil {
		return err
	}
	if !m.Status.Active() {
		return fmt.Errorf("member %q is %s, not an active member: its tokens would be refused", id, m.Status)
	}
	return nil
}

// cmdVocab imports code lists into the data directory's database. SQLite
// lets it write while serve runs.
func cmdVocab(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("vocab: usage: etoiles vocab import [--data DIR] FILE_OR_DIR (one or more)")
	}
	fs := flag.NewFlagSet("vocab import", flag.ContinueOnError)
	dir := fs.String("data", "./etoiles-data", "data directory of the node")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args[1:]); err != nil {
		return helpOnRequest(fs, err, stdout)
	}
	if v := getenv("ETOILES_DATA"); v != "" && !flagGiven(fs, "data") {
		*dir = v
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("vocab import: name at least one .gc or .csv file or folder")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("vocab import: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(*dir, dbFile))
	if err != nil {
		return fmt.Errorf("vocab import: %w", err)
	}
	defer db.Close()
	infos, err := (&codes.Service{Store: db}).ImportFiles(ctx, fs.Args()...)
	for _, i := range infos {
		fmt.Fprintf(stdout, "%s: %d codes, labels in %s\n", i.Kind, i.Count, strings.Join(i.Languages, ", "))
	}
	if err != nil {
		return fmt.Errorf("vocab import: %w", err)
	}
	return nil
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// cmdHealthcheck asks a node's /healthz; the container image uses it.
func cmdHealthcheck(ctx context.Context, args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080/healthz", "URL to check")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	return nil
}

// cmdAdmit signs an admission credential on the confederation's data
// directory and records it; the running node announces it to the network
// through the outbox.
func cmdAdmit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admit", flag.ContinueOnError)
	dir := fs.String("data", "./etoiles-data", "data directory of the confederation node")
	publicURL := fs.String("public-url", "http://localhost:8080", "the confederation's public URL (the credential's issuer is its actor)")
	actor := fs.String("actor", "", "the national node's actor URL, such as https://it.example/actor")
	country := fs.String("country", "", "the national node's country, ISO 3166-1 alpha-2")
	name := fs.String("name", "", "the national group's name")
	ttl := fs.Duration("ttl", 365*24*time.Hour, "how long the credential is valid")
	out := fs.String("out", "", "write the credential to this file instead of stdout; a file that already holds a credential for the actor is kept (compose init steps)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOnRequest(fs, err, stdout)
	}
	if *out != "" {
		if b, err := os.ReadFile(*out); err == nil {
			if c, err := trust.Parse(strings.TrimSpace(string(b))); err == nil && c.Subject == *actor && time.Now().Before(c.ExpiresAt()) {
				fmt.Fprintf(stdout, "%s already holds a credential for %s (jti %s)\n", *out, *actor, c.ID)
				return nil
			}
		}
	}
	if _, err := os.Stat(filepath.Join(*dir, federation.AdmissionKeyFile)); err != nil {
		return fmt.Errorf("admit: %s has no admission key; run etoiles serve --role confederation on it first", *dir)
	}
	recorded, err := applyIdentity("admit", *dir, fs, publicURL, nil, nil, nil)
	if err != nil {
		return err
	}
	if id, _, _ := readIdentity(*dir); recorded && id.Role != "confederation" {
		return fmt.Errorf("admit: %s is the data directory of a %s node (%s), not a confederation's", *dir, id.Role, id.PublicURL)
	}
	if !recorded && !flagGiven(fs, "public-url") {
		return fmt.Errorf("admit: %s records no public URL (serve has not run on it since it records one): give --public-url, the confederation's public URL, or the credential's issuer would be %s/actor", *dir, *publicURL)
	}
	key, err := federation.LoadOrCreateAdmissionKey(*dir)
	if err != nil {
		return fmt.Errorf("admit: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(*dir, dbFile))
	if err != nil {
		return fmt.Errorf("admit: %w", err)
	}
	defer db.Close()
	issuer := strings.TrimSuffix(*publicURL, "/") + "/actor"
	a, err := federation.IssueAdmission(ctx, db, key, issuer, *actor, *country, *name, *ttl, time.Now())
	if err != nil {
		return fmt.Errorf("admit: %s", strings.ReplaceAll(node.ErrorMessage(err), "\n", " "))
	}
	if *out == "" {
		fmt.Fprintln(stdout, a.Credential)
		return nil
	}
	if err := os.WriteFile(*out, []byte(a.Credential+"\n"), 0o600); err != nil {
		return fmt.Errorf("admit: %w", err)
	}
	fmt.Fprintf(stdout, "credential for %s written to %s (jti %s)\n", *actor, *out, a.JTI)
	return nil
}

// cmdImport runs etoiles import tender|rss.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "tender":
			return cmdImportTender(ctx, args, getenv, stdout)
		case "rss":
			return cmdImportRSS(ctx, args, getenv, stdout)
		}
	}
	return errors.New("import: usage: etoiles import tender [flags] FILE.xml... | etoiles import rss [flags] URL|FILE")
}
