package embedded

//go:generate go run gen.go

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/e-toiles/etoiles/node/codes"
)

//go:embed cpv.csv.gz nuts.csv.gz country.csv.gz NOTICE
var files embed.FS

// VersionPrefix starts the version of every embedded list; the rest is a
// digest of its compressed file, so a binary with newer lists loads them.
const VersionPrefix = "embedded-"

// Notice returns the attribution of the embedded lists (source, licence).
func Notice() string {
	b, _ := files.ReadFile("NOTICE")
	return string(b)
}

// Version returns the version an embedded list of kind is stored with.
func Version(kind string) (string, error) {
	b, err := files.ReadFile(kind + ".csv.gz")
	if err != nil {
		return "", fmt.Errorf("embedded code list %s: %w", kind, err)
	}
	sum := sha256.Sum256(b)
	return VersionPrefix + hex.EncodeToString(sum[:6]), nil
}

// Load stores each embedded list that the store lacks, or holds in an
// older embedded version. A list imported from official files (any other
// version) is kept. It returns what it loaded; a node that already has
// the lists decodes nothing. The decoded lists are released before Load
// returns, so they do not stay resident.
func Load(ctx context.Context, store codes.Store) ([]codes.Info, error) {
	have, err := store.CodeLists(ctx)
	if err != nil {
		return nil, fmt.Errorf("embedded code lists: %w", err)
	}
	stored := map[string]codes.Info{}
	for _, i := range have {
		stored[i.Kind] = i
	}
	var out []codes.Info
	for _, kind := range codes.Kinds {
		v, err := Version(kind)
		if err != nil {
			return out, err
		}
		if s, ok := stored[kind]; ok && s.Count > 0 && (s.Version == v || !strings.HasPrefix(s.Version, VersionPrefix)) {
			continue
		}
		l, err := parse(kind)
		if err != nil {
			return out, err
		}
		l.Version, l.Source = v, "embedded"
		if err := store.ReplaceCodeList(ctx, l); err != nil {
			return out, fmt.Errorf("embedded code list %s: %w", kind, err)
		}
		out = append(out, codes.Info{Kind: kind, Count: len(l.Codes), Version: v, Languages: l.Languages()})
	}
	if len(out) > 0 {
		debug.FreeOSMemory() // give the parsed lists' pages back at once
	}
	return out, nil
}

func parse(kind string) (*codes.List, error) {
	b, err := files.ReadFile(kind + ".csv.gz")
	if err != nil {
		return nil, fmt.Errorf("embedded code list %s: %w", kind, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("embedded code list %s: %w", kind, err)
	}
	defer zr.Close()
	l, err := codes.ParseCSV(zr, kind+".csv")
	if err != nil {
		return nil, fmt.Errorf("embedded code list %s: %w", kind, err)
	}
	return l, nil
}
