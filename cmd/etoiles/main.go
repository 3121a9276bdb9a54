package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `etoiles: a node of the e-toiles network of co-operatives

Usage:
  etoiles serve [flags]          run the node (see etoiles serve -h)
  etoiles token [flags]          print an API token (works while serve runs)
  etoiles vocab import FILE...   import CPV, NUTS and country code lists
  etoiles import tender FILE...  import eForms notices into the tender radar
  etoiles import rss URL|FILE    import a SPIP site's RSS/Atom feed as news (dedupes by GUID)
  etoiles admit [flags]          sign an admission credential (confederation)
  etoiles user add [flags]       invite a person to the web UI (prints a one-time link)
  etoiles healthcheck [flags]    exit 0 when the node on --url answers /healthz
  etoiles version                print the version

Every flag has an ETOILES_* environment variable: --public-url is ETOILES_PUBLIC_URL.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code. Errors are
// printed as one line on stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], getenv, stderr)
	case "token":
		err = cmdToken(args[1:], getenv, stdout)
	case "vocab":
		err = cmdVocab(ctx, args[1:], getenv, stdout)
	case "import":
		err = cmdImport(ctx, args[1:], getenv, stdout)
	case "admit":
		err = cmdAdmit(ctx, args[1:], getenv, stdout)
	case "user":
		err = cmdUser(ctx, args[1:], getenv, os.Stdin, stdout)
	case "healthcheck":
		err = cmdHealthcheck(ctx, args[1:], getenv)
	case "version":
		fmt.Fprintln(stdout, "etoiles", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = fmt.Errorf("unknown command %q; run etoiles help", args[0])
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "etoiles: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	return 0
}

// helpOnRequest prints the flag defaults when -h was asked.
func helpOnRequest(fs *flag.FlagSet, err error, w io.Writer) error {
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(w)
		fmt.Fprintf(w, "Usage of etoiles %s:\n", fs.Name())
		fs.PrintDefaults()
	}
	return err
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.bindServe(fs)
	change := fs.Bool("change-identity", false, "replace the public URL, country, name or role recorded in the data directory by the values given (a migration: peers and the credential know the old ones)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOnRequest(fs, err, stderr)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	warnings, err := serveIdentity(&cfg, fs, *change)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Logger: newLogger(cfg, stderr)}
	for _, w := range warnings {
		m.Logger.Warn("node identity changed", "change", w)
	}
	if err := m.Run(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	m.Logger.Info("stopping", "reason", "signal")
	return m.Close()
}
