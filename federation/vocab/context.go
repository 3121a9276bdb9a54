package vocab

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/e-toiles/etoiles/spec"
)

// SecurityV1 is the IRI of the security vocabulary context that defines
// publicKey and publicKeyPem.
const SecurityV1 = "https://w3id.org/security/v1"

// vocabulary is the parsed @context of spec/ns.jsonld.
type vocabulary struct {
	// defs maps each term and prefix to its definition, decoded.
	defs map[string]any
	// prefixes are the terms that stand for an IRI prefix ("etoiles").
	prefixes map[string]bool
	// vocabValued are the terms whose string values are themselves terms
	// ("@type": "@vocab"), such as eventStatus.
	vocabValued map[string]bool
}

// inherited are the prefixes that the ActivityStreams context already
// defines; documents do not repeat them.
var inherited = map[string]bool{"as": true, "xsd": true}

var loadVocabulary = sync.OnceValues(func() (*vocabulary, error) {
	tree, err := decodeTree(spec.Context)
	if err != nil {
		return nil, fmt.Errorf("spec/ns.jsonld: %w", err)
	}
	doc, _ := tree.(map[string]any)
	ctx, ok := doc["@context"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("spec/ns.jsonld: no @context object")
	}
	v := &vocabulary{
		defs:        ctx,
		prefixes:    map[string]bool{},
		vocabValued: map[string]bool{},
	}
	for term, def := range ctx {
		switch def := def.(type) {
		case string:
			if strings.HasSuffix(def, "#") || strings.HasSuffix(def, "/") {
				v.prefixes[term] = true
			}
		case map[string]any:
			if def["@type"] == "@vocab" {
				v.vocabValued[term] = true
			}
		default:
			return nil, fmt.Errorf("spec/ns.jsonld: term %q: definition is neither an IRI nor an object", term)
		}
	}
	if ns := v.defs["etoiles"]; ns != Namespace {
		return nil, fmt.Errorf("spec/ns.jsonld: etoiles prefix is %v, want %q", ns, Namespace)
	}
	return v, nil
})

// Terms returns the terms that spec/ns.jsonld defines, prefixes excluded,
// sorted. Builder.Set accepts these names.
func Terms() []string {
	v, err := loadVocabulary()
	if err != nil {
		return nil
	}
	var ts []string
	for t := range v.defs {
		if !v.prefixes[t] {
			ts = append(ts, t)
		}
	}
	sort.Strings(ts)
	return ts
}

// isTerm reports whether term is one of our terms (not a prefix).
func (v *vocabulary) isTerm(term string) bool {
	_, ok := v.defs[term]
	return ok && !v.prefixes[term]
}

// contextFor returns the @context for a document whose tree is doc: the
// ActivityStreams and security contexts, then an object defining the
// etoiles prefix and every one of our terms that the document uses, as a
// member name, as a type or as a vocabulary value.
func (v *vocabulary) contextFor(doc any) []any {
	used := map[string]any{"etoiles": v.defs["etoiles"]}
	var walk func(key string, x any)
	useValue := func(s string) {
		if v.isTerm(s) {
			used[s] = v.defs[s]
		}
	}
	walk = func(key string, x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, val := range x {
				if v.isTerm(k) {
					used[k] = v.defs[k]
				} else if p, _, ok := strings.Cut(k, ":"); ok && v.prefixes[p] && !inherited[p] {
					used[p] = v.defs[p] // a compact IRI such as ical:status
				}
				walk(k, val)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if key == "type" || v.vocabValued[key] {
				useValue(x)
			}
		}
	}
	walk("", doc)
	// Prefixes used by the chosen definitions.
	prefixes := map[string]any{}
	for _, def := range used {
		var refs []string
		switch def := def.(type) {
		case string:
			refs = append(refs, def)
		case map[string]any:
			for _, r := range def {
				if r, ok := r.(string); ok {
					refs = append(refs, r)
				}
			}
		}
		for _, r := range refs {
			if p, _, ok := strings.Cut(r, ":"); ok && v.prefixes[p] && !inherited[p] {
				prefixes[p] = v.defs[p]
			}
		}
	}
	for p, def := range prefixes {
		used[p] = def
	}
	return []any{ActivityStreams, SecurityV1, used}
}
