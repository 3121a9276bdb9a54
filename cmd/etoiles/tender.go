package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/e-toiles/etoiles/federation"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/e-toiles/etoiles/node/tender"
)

const importUsage = "import: usage: etoiles import tender [--data DIR] [--public-url URL] [--country CC] FILE.xml (one or more)"

// cmdImportTender imports eForms notices into the tender radar of the data
// directory's node. SQLite lets it write while serve runs; the running
// node's outbox relay then publishes the new opportunities to its peers.
// Every file is read first: when one is bad nothing is imported. Then
// each notice is stored in its own transaction.
func cmdImportTender(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "tender" {
		return errors.New(importUsage)
	}
	fs := flag.NewFlagSet("import tender", flag.ContinueOnError)
	dir := fs.String("data", "./etoiles-data", "data directory of the node")
	publicURL := fs.String("public-url", "", "the node's public URL (default: the one serve recorded in the data directory; the opportunities' ActivityPub ids derive from it)")
	country := fs.String("country", "", "the node's country, ISO 3166-1 alpha-2 (default: the one serve recorded in the data directory)")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args[1:]); err != nil {
		return helpOnRequest(fs, err, stdout)
	}
	if err := flagsFromEnv(fs, getenv); err != nil {
		return fmt.Errorf("import tender: %w", err)
	}
	files := fs.Args()
	if len(files) == 0 {
		return errors.New("import tender: name at least one eForms notice (.xml)")
	}
	for _, f := range files {
		if strings.HasPrefix(f, "-") {
			return fmt.Errorf("import tender: flag %s comes after the files; put flags first", f)
		}
	}
	if _, err := applyIdentity("import tender", *dir, fs, publicURL, country, nil, nil); err != nil {
		return err
	}
	if *publicURL == "" || *country == "" {
		return errors.New("import tender: --public-url and --country are required (or ETOILES_PUBLIC_URL and ETOILES_COUNTRY): give the values serve runs with")
	}
	base := strings.TrimSuffix(*publicURL, "/")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("import tender: --public-url %q must be an http(s) origin such as https://fr.example", *publicURL)
	}
	cc := strings.ToUpper(*country)
	if !node.ValidCountry(cc) {
		return fmt.Errorf("import tender: --country %q is not an ISO 3166-1 alpha-2 code", *country)
	}
	if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
		return fmt.Errorf("import tender: data directory %s does not exist; pass the node's --data", *dir)
	}
	db, err := sqlite.Open(ctx, filepath.Join(*dir, dbFile))
	if err != nil {
		return fmt.Errorf("import tender: %w", err)
	}
	defer db.Close()
	opps := &opportunity.Service{Store: db, Codes: db, Links: federation.URIs{Base: base}, Country: cc}
	results, err := (&tender.Importer{Opportunities: opps}).ImportFiles(ctx, files...)
	for _, r := range results {
		what := "updated"
		if r.Created {
			what = "new"
		}
		fmt.Fprintf(stdout, "%s: %s opportunity %s, %s, source %s\n", r.File, what, r.Opportunity.ID, r.Opportunity.Status, r.Opportunity.Source)
	}
	if err != nil {
		if node.ErrorCode(err) == node.EINVALID {
			return fmt.Errorf("import tender: %s", node.ErrorMessage(err))
		}
		return fmt.Errorf("import tender: %w", err)
	}
	return nil
}

// flagsFromEnv fills every flag not given on the command line from its
// ETOILES_* variable, as parseFlags does for commands without arguments.
func flagsFromEnv(fs *flag.FlagSet, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && !set[f.Name] {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", envName(f.Name), v, err))
			}
		}
	})
	return errors.Join(errs...)
}
