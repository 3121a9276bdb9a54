package vocab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	ap "github.com/go-ap/activitypub"
)

// Limits that Decode enforces before any other code reads a document.
const (
	// MaxSize is the largest document Decode accepts by default, in bytes.
	MaxSize = 1 << 20
	// MaxDepth is the deepest nesting of arrays and objects Decode accepts.
	MaxDepth = 32
)

// Errors returned by Decode, wrapped with details; test them with errors.Is.
var (
	// ErrTooLarge reports a document over MaxSize bytes.
	ErrTooLarge = errors.New("vocab: document too large")
	// ErrTooDeep reports a document nested deeper than MaxDepth.
	ErrTooDeep = errors.New("vocab: document nested too deeply")
	// ErrSyntax reports a document that is not strict JSON in UTF-8.
	ErrSyntax = errors.New("vocab: invalid JSON")
	// ErrNotObject reports a document whose top level is not a JSON object.
	ErrNotObject = errors.New("vocab: document is not a JSON object")
	// ErrNoType reports a document without a type.
	ErrNoType = errors.New("vocab: document has no type")
	// ErrInvalid reports a value that breaks an ActivityStreams rule: a
	// duplicate member, a number where an IRI or a string belongs, a
	// malformed language tag, a relative IRI.
	ErrInvalid = errors.New("vocab: invalid ActivityStreams document")
)

// errGoAP marks a panic recovered from go-ap; the fuzz test looks for it.
var errGoAP = errors.New("go-ap panicked")

// Item is a decoded ActivityStreams object, link or activity. It keeps every
// member of the document as written, in order, so that Encode gives the
// document back without loss, and it holds the go-ap value for the types go-ap
// knows. An Item is an IRI reference instead when it stands for a value given
// as a bare IRI (see IsIRI). An Item is read-only and safe for concurrent use.
type Item struct {
	members []member
	types   []string
	lang    string
	iri     string
	isIRI   bool
	ap      ap.Item
}

// Decoder configures decoding. The zero value enforces MaxSize and
// requires a type, which is what Decode does.
type Decoder struct {
	// MaxSize is the largest document accepted, in bytes; zero means
	// MaxSize.
	MaxSize int
	// AllowUntyped accepts documents without a type. ActivityStreams
	// allows them, but an activity or an object received by an inbox
	// without a type cannot be acted on.
	AllowUntyped bool
}

// Decode parses an ActivityStreams 2.0 document with the zero Decoder.
func Decode(data []byte) (*Item, error) {
	return Decoder{}.Decode(data)
}

// Decode parses an ActivityStreams 2.0 document. It rejects a document that
// is larger than d.MaxSize, is not strict UTF-8 JSON, nests deeper than
// MaxDepth, is not an object, has no type (unless d.AllowUntyped), or breaks
// one of the property rules (see ErrInvalid). These checks run before go-ap
// reads the document. Decode keeps no reference to data.
func (d Decoder) Decode(data []byte) (*Item, error) {
	limit := d.MaxSize
	if limit <= 0 {
		limit = MaxSize
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), limit)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrSyntax)
	}
	first := bytes.TrimLeft(data, " \t\r\n")
	if len(first) == 0 {
		return nil, fmt.Errorf("%w: empty document", ErrSyntax)
	}
	if first[0] != '{' {
		return nil, ErrNotObject
	}
	buf := bytes.Clone(data)
	s := scanner{
		data: buf, maxDepth: MaxDepth, rules: true,
		keys: make([][]byte, 0, 32), top: make([]member, 0, 16),
	}
	if _, err := s.scanDocument(); err != nil {
		return nil, err
	}
	it := newItem(s.top, "")
	if len(it.types) == 0 && !d.AllowUntyped {
		return nil, ErrNoType
	}
	var err error
	if it.ap, err = loadAP(buf, it); err != nil {
		return nil, err
	}
	return it, nil
}

// newItem builds an Item from the members of a validated object. lang is
// the default language inherited from the enclosing document.
func newItem(ms []member, lang string) *Item {
	it := &Item{members: ms, lang: lang}
	for i := range ms {
		switch string(ms[i].key) {
		case "type":
			it.types = readTypes(ms[i].value)
		case "@context":
			if l, ok := contextLanguage(ms[i].value); ok {
				it.lang = l
			}
		}
	}
	return it
}

func readTypes(v []byte) []string {
	switch kindOf(v) {
	case kindString:
		if t := unquote(v); t != "" {
			return []string{t}
		}
	case kindArray:
		var ts []string
		_ = elements(v, func(e []byte) error {
			if t := unquote(e); t != "" {
				ts = append(ts, t)
			}
			return nil
		})
		return ts
	}
	return nil
}

// contextLanguage returns the default language (@language) that an
// @context value sets, if it sets one.
func contextLanguage(v []byte) (lang string, ok bool) {
	look := func(obj []byte) {
		for _, m := range members(obj) {
			if string(m.key) != "@language" {
				continue
			}
			switch kindOf(m.value) {
			case kindString:
				lang, ok = unquote(m.value), true
			case kindNull:
				lang, ok = "", true
			}
		}
	}
	switch kindOf(v) {
	case kindObject:
		look(v)
	case kindArray:
		_ = elements(v, func(e []byte) error {
			if kindOf(e) == kindObject {
				look(e)
			}
			return nil
		})
	}
	return lang, ok
}

// loadAP returns the go-ap value for the document doc, whose members are
// in it. go-ap reads a single type only; when the document gives several,
// or an ActivityStreams type in a prefixed form, go-ap is shown the first
// type it knows instead. It returns nil when go-ap knows none of the types.
func loadAP(doc []byte, it *Item) (item ap.Item, err error) {
	known := ""
	for _, t := range it.types {
		if s := shortType(t); goAPTypes[s] {
			known = s
			break
		}
	}
	if known == "" {
		return nil, nil
	}
	if m := it.member("type"); kindOf(m.value) != kindString || unquote(m.value) != known {
		q, _ := json.Marshal(known)
		rewritten := make([]byte, 0, len(doc)+len(q))
		rewritten = append(rewritten, doc[:m.off]...)
		rewritten = append(rewritten, q...)
		rewritten = append(rewritten, doc[m.off+len(m.value):]...)
		doc = rewritten
	}
	defer func() {
		if r := recover(); r != nil {
			item, err = nil, fmt.Errorf("%w: %w: %v", ErrInvalid, errGoAP, r)
		}
	}()
	item, err = ap.UnmarshalJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: go-ap: %w", ErrInvalid, err)
	}
	return item, nil
}

// goAPTypes are the types go-ap decodes into its own structs.
var goAPTypes = func() map[string]bool {
	m := map[string]bool{
		string(ap.ObjectType):               true,
		string(ap.ActivityType):             true,
		string(ap.IntransitiveActivityType): true,
	}
	for _, t := range ap.Types {
		m[string(t)] = true
	}
	return m
}()

// member returns the member named key, or the zero member.
func (it *Item) member(key string) member {
	for _, m := range it.members {
		if string(m.key) == key {
			return m
		}
	}
	return member{}
}

// value returns the raw value of the member named key, or nil.
func (it *Item) value(key string) []byte {
	if it == nil {
		return nil
	}
	return it.member(key).value
}

// Encode writes it back as compact JSON: every member as it was decoded, in
// the same order. Decoding and encoding a document loses nothing but white
// space.
func Encode(it *Item) ([]byte, error) {
	if it == nil {
		return nil, errors.New("vocab: encode nil item")
	}
	if it.isIRI {
		return json.Marshal(it.iri)
	}
	n := 2
	for _, m := range it.members {
		n += len(m.rawKey) + len(m.value) + 2
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, m := range it.members {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m.rawKey...)
		out = append(out, ':')
		out = appendCompact(out, m.value)
	}
	return append(out, '}'), nil
}

// MarshalJSON encodes it as Encode does, so that an Item can be embedded in
// a Builder or in any value given to encoding/json.
func (it *Item) MarshalJSON() ([]byte, error) {
	return Encode(it)
}
