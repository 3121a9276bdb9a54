package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/e-toiles/etoiles/node/web"
)

// cmdUser adds a web UI account: it prints a one-time invite link, or with
// --password-stdin creates the account at once with the password read
// from standard input. SQLite lets it write while serve runs.
func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("user: usage: etoiles user add --data DIR --email E --role admin|member [--member ID] [--password-stdin]")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	dir := fs.String("data", "./etoiles-data", "data directory of the node")
	email := fs.String("email", "", "the person's email address")
	role := fs.String("role", auth.RoleAdmin, "admin or member")
	member := fs.String("member", "", "the member co-op's id, for the member role")
	name := fs.String("name", "", "the person's name (with --password-stdin; default: the email's local part)")
	publicURL := fs.String("public-url", "http://localhost:8080", "the node's public URL, to print the link")
	pwStdin := fs.Bool("password-stdin", false, "read a password from standard input and create the account now")
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return helpOnRequest(fs, err, stdout)
	}
	if *email == "" {
		return errors.New("user add: --email is required")
	}
	if _, err := os.Stat(*dir); err != nil {
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return fmt.Errorf("user add: %w", err)
		}
	}
	if _, err := applyIdentity("user add", *dir, fs, publicURL, nil, nil, nil); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, filepath.Join(*dir, dbFile))
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	defer db.Close()
	accounts := &auth.Accounts{Store: db}
	token, _, err := accounts.CreateInvite(ctx, *role, *member, *email, "etoiles user add")
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	if !*pwStdin {
		fmt.Fprintln(stdout, web.InviteLink(*publicURL, token))
		return nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user add: read password: %w", err)
	}
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	u, err := accounts.AcceptInvite(ctx, token, *name, *email, strings.TrimRight(line, "\r\n"))
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "user %s (%s) created\n", u.Email, u.Role)
	return nil
}
