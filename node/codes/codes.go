package codes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/e-toiles/etoiles/node"
)

// The kinds of code list.
const (
	CPV     = "cpv"
	NUTS    = "nuts"
	Country = "country"
)

// Kinds lists the code lists the node knows.
var Kinds = []string{CPV, NUTS, Country}

// Code is one entry of a code list. Country codes are stored as ISO
// 3166-1 alpha-2, converted from the alpha-3 codes of the EU lists.
type Code struct {
	Code   string
	Parent string
	Level  int
	Labels map[string]string // BCP 47 language → label
}

// List is a parsed code list.
type List struct {
	Kind    string
	Version string
	Source  string
	Codes   []Code
}

// Languages returns the label languages present in the list, sorted.
func (l *List) Languages() []string {
	seen := map[string]bool{}
	for _, c := range l.Codes {
		for lang := range c.Labels {
			seen[lang] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Entry is a code with its label in one language.
type Entry struct {
	Code   string `json:"code"`
	Parent string `json:"parent,omitempty"`
	Label  string `json:"label,omitempty"`
	Lang   string `json:"lang,omitempty"`
}

// Info describes a loaded list.
type Info struct {
	Kind      string   `json:"kind"`
	Count     int      `json:"count"`
	Version   string   `json:"version,omitempty"`
	Languages []string `json:"languages,omitempty"`
}

// Store keeps code lists.
type Store interface {
	// ReplaceCodeList swaps a whole list in one transaction.
	ReplaceCodeList(ctx context.Context, l *List) error
	// LookupCodes finds codes of a kind whose code starts with prefix or
	// whose label in lang contains the folded text; an empty criterion is
	// not used.
	LookupCodes(ctx context.Context, kind, prefix, folded, lang string, limit int) ([]Entry, error)
	// CodeLists says which lists are loaded.
	CodeLists(ctx context.Context) ([]Info, error)
}

// Service imports and looks up code lists.
type Service struct {
	Store Store
}

// ImportFiles parses and stores each file. A folder imports every .gc and
// .csv file in it that names a known list. Nothing is stored for a file
// that fails to parse.
func (s *Service) ImportFiles(ctx context.Context, paths ...string) ([]Info, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("import codes: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("import codes: %w", err)
		}
		for _, e := range entries {
			if _, err := kindOf(e.Name(), nil); err == nil && !e.IsDir() {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	if len(files) == 0 {
		return nil, node.Errorf(node.EINVALID, "no code list files (cpv, nuts, country as .gc or .csv) found in %s", strings.Join(paths, ", "))
	}
	var out []Info
	for _, f := range files {
		l, err := ParseFile(f)
		if err != nil {
			return out, err
		}
		if err := s.Store.ReplaceCodeList(ctx, l); err != nil {
			return out, fmt.Errorf("import %s: %w", f, err)
		}
		out = append(out, Info{Kind: l.Kind, Count: len(l.Codes), Version: l.Version, Languages: l.Languages()})
	}
	return out, nil
}

// LookupResult is the answer to a code look-up. LabelsLoaded is false when
// the list is not loaded: codes are then only checked for structure.
type LookupResult struct {
	Items        []Entry `json:"items"`
	LabelsLoaded bool    `json:"labels_loaded"`
}

// Lookup finds codes by code prefix or by label text in lang (default en).
func (s *Service) Lookup(ctx context.Context, kind, q, lang string, limit int) (LookupResult, error) {
	var p node.Problems
	if kind != CPV && kind != NUTS && kind != Country {
		p.Add("kind", "must be cpv, nuts or country")
	}
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > 100 {
		p.Add("q", "is longer than 100 characters")
	}
	if lang == "" {
		lang = "en"
	}
	if !node.ValidLanguageTag(lang) {
		p.Add("lang", "%q is not a known BCP 47 language tag", lang)
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if err := p.Err("look up codes"); err != nil {
		return LookupResult{}, err
	}
	lists, err := s.Store.CodeLists(ctx)
	if err != nil {
		return LookupResult{}, err
	}
	loaded := false
	for _, l := range lists {
		loaded = loaded || (l.Kind == kind && l.Count > 0)
	}
	prefix, folded := "", node.FoldAccents(q)
	if q != "" && strings.Trim(q, "0123456789-") == "" {
		prefix, folded = strings.TrimRight(strings.SplitN(q, "-", 2)[0], "0"), ""
		if kind == CPV && len(prefix) < 2 && len(q) >= 2 {
			prefix = q[:2]
		}
	} else if kind != CPV {
		prefix = strings.ToUpper(q)
	}
	items, err := s.Store.LookupCodes(ctx, kind, prefix, folded, strings.ToLower(strings.SplitN(lang, "-", 2)[0]), limit)
	if err != nil {
		return LookupResult{}, err
	}
	if items == nil {
		items = []Entry{}
	}
	return LookupResult{Items: items, LabelsLoaded: loaded}, nil
}
