package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// identityFile records who the node is, written by serve at first start.
const identityFile = "node.json"

// identity is the node's public URL, country, name and role, as serve
// first ran with them. Commands that act on a data directory read it
// instead of asking for the values again.
type identity struct {
	PublicURL string `json:"public_url"`
	Country   string `json:"country,omitempty"`
	Name      string `json:"name,omitempty"`
	Role      string `json:"role"`
}

// readIdentity returns the identity recorded in dir; ok is false when
// none is (a data directory that serve never ran on, or an older one).
func readIdentity(dir string) (id identity, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, identityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return identity{}, false, nil
	}
	if err != nil {
		return identity{}, false, fmt.Errorf("read node identity: %w", err)
	}
	if err := json.Unmarshal(b, &id); err != nil || id.PublicURL == "" || id.Role == "" {
		return identity{}, false, fmt.Errorf("%s is damaged (want public_url and role): %v", filepath.Join(dir, identityFile), err)
	}
	return id, true, nil
}

// writeIdentity records id in dir, atomically.
func writeIdentity(dir string, id identity) error {
	b, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, identityFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("record node identity: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, identityFile)); err != nil {
		return fmt.Errorf("record node identity: %w", err)
	}
	return nil
}

// identityField ties a flag to the identity's field.
type identityField struct {
	flag   string
	flagV  *string
	stored string
}

// fields lists id's fields beside the flags of a command; a nil pointer
// is a flag the command lacks.
func (id identity) fields(publicURL, country, name, role *string) []identityField {
	return []identityField{{"public-url", publicURL, id.PublicURL}, {"country", country, id.Country}, {"name", name, id.Name}, {"role", role, id.Role}}
}

// apply reconciles the flags of fs with the identity recorded in dir: a
// flag left out takes the stored value, a flag given with another value
// is refused in one line. It returns whether an identity was recorded.
func applyIdentity(cmd, dir string, fset *flag.FlagSet, publicURL, country, name, role *string) (bool, error) {
	id, ok, err := readIdentity(dir)
	if err != nil || !ok {
		return ok, err
	}
	for _, f := range id.fields(publicURL, country, name, role) {
		if f.flagV == nil || f.stored == "" {
			continue
		}
		if flagGiven(fset, f.flag) && !sameIdentityValue(f.flag, *f.flagV, f.stored) {
			return true, fmt.Errorf("%s: --%s %q contradicts %q recorded in %s; leave the flag out, or change it with etoiles serve --change-identity", cmd, f.flag, *f.flagV, f.stored, filepath.Join(dir, identityFile))
		}
		*f.flagV = f.stored
	}
	return true, nil
}

func sameIdentityValue(flagName, given, stored string) bool {
	switch flagName {
	case "public-url":
		return strings.TrimSuffix(given, "/") == strings.TrimSuffix(stored, "/")
	case "country":
		return strings.EqualFold(given, stored)
	}
	return given == stored
}

// serveIdentity reconciles serve's configuration with the recorded
// identity and records it at first start. With change, flags given with
// new values replace the stored ones; what that breaks is returned as
// warnings to log.
func serveIdentity(c *Config, fset *flag.FlagSet, change bool) (warnings []string, err error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	old, ok, err := readIdentity(c.DataDir)
	if err != nil {
		return nil, err
	}
	if ok && !change {
		if _, err := applyIdentity("serve", c.DataDir, fset, &c.PublicURL, &c.Country, &c.Name, &c.Role); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if ok {
		for _, f := range old.fields(&c.PublicURL, &c.Country, &c.Name, &c.Role) {
			if !flagGiven(fset, f.flag) {
				*f.flagV = f.stored
			}
		}
		if !sameIdentityValue("public-url", c.PublicURL, old.PublicURL) {
			warnings = append(warnings, "public URL changed from "+old.PublicURL+" to "+c.PublicURL+": the actor, its keys' ids and every object id change; peers know the node by the old actor and must be told again, and its admission credential names the old actor and must be issued again")
		}
		if !strings.EqualFold(c.Country, old.Country) || c.Role != old.Role {
			warnings = append(warnings, "country or role changed: the admission credential no longer matches the node and must be issued again")
		}
	}
	id := identity{PublicURL: strings.TrimSuffix(c.PublicURL, "/"), Country: strings.ToUpper(c.Country), Name: c.Name, Role: c.Role}
	if ok && id == old {
		return warnings, nil
	}
	return warnings, writeIdentity(c.DataDir, id)
}
