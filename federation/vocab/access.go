package vocab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ap "github.com/go-ap/activitypub"
)

// Namespace is the IRI prefix of the etoiles vocabulary; the compact
// prefix "etoiles:" stands for it in spec/ns.jsonld.
const Namespace = "https://w3id.org/etoiles#"

// ActivityStreams is the IRI of the ActivityStreams 2.0 context and, with
// "#", the prefix of its vocabulary.
const ActivityStreams = "https://www.w3.org/ns/activitystreams"

// Public is the special collection that addresses everyone.
const Public = ActivityStreams + "#Public"

// typePrefixes are the forms a type name may be written in besides the
// plain term: compact IRIs and full IRIs.
var typePrefixes = []string{
	ActivityStreams + "#", "http://www.w3.org/ns/activitystreams#", "as:",
	Namespace, "etoiles:",
}

// shortType returns a type name without an ActivityStreams or etoiles
// prefix: "as:Note" and its full IRI both give "Note".
func shortType(t string) string {
	for _, p := range typePrefixes {
		if len(t) > len(p) && strings.HasPrefix(t, p) {
			return t[len(p):]
		}
	}
	return t
}

// IsIRI reports whether it stands for a bare IRI: the value was a string,
// not an object. Its ID is the IRI; it has no types and no members.
func (it *Item) IsIRI() bool { return it.isIRI }

// ID returns the id of it, or the IRI when it is an IRI reference.
func (it *Item) ID() string {
	if it.isIRI {
		return it.iri
	}
	if v := it.value("id"); kindOf(v) == kindString {
		return unquote(v)
	}
	return ""
}

// Types returns the types of it as written: one for "type": "Note", all of
// them for an array.
func (it *Item) Types() []string {
	return append([]string(nil), it.types...)
}

// Is reports whether typ is one of the types of it. ActivityStreams and
// etoiles types match in any of their forms: "Note", "as:Note" and
// "https://www.w3.org/ns/activitystreams#Note" are the same type.
func (it *Item) Is(typ string) bool {
	typ = shortType(typ)
	for _, t := range it.types {
		if shortType(t) == typ {
			return true
		}
	}
	return false
}

// AP returns the go-ap value decoded from the document, or nil when go-ap
// knows none of the types of it. For several types, it is decoded as the
// first type go-ap knows; its Type field then holds that type only. The
// value is shared by every caller: do not modify it.
func (it *Item) AP() ap.Item { return it.ap }

// Language returns the default language set by "@language" in the
// document's @context (or in an enclosing document's), or "".
func (it *Item) Language() string { return it.lang }

// Terms returns the names of the members of it, in document order.
func (it *Item) Terms() []string {
	ts := make([]string, len(it.members))
	for i, m := range it.members {
		ts[i] = string(m.key)
	}
	return ts
}

// Get returns a copy of the raw JSON value of term, or nil when it is
// absent. It reads any member, known to go-ap or not.
func (it *Item) Get(term string) json.RawMessage {
	v := it.value(term)
	if v == nil {
		return nil
	}
	return bytes.Clone(v)
}

// Unmarshal decodes the value of term into v with encoding/json. It
// returns an error wrapping ErrAbsent when the term is absent.
func (it *Item) Unmarshal(term string, v any) error {
	raw := it.value(term)
	if raw == nil {
		return fmt.Errorf("%w: %s", ErrAbsent, term)
	}
	return json.Unmarshal(raw, v)
}

// ErrAbsent reports a term that an Item does not have.
var ErrAbsent = errors.New("vocab: term absent")

// each calls fn with each value of term, looking through one array.
func (it *Item) each(term string, fn func(v []byte)) {
	v := it.value(term)
	switch kindOf(v) {
	case kindNull:
	case kindArray:
		_ = elements(v, func(e []byte) error {
			fn(e)
			return nil
		})
	default:
		fn(v)
	}
}

// Items returns the values of term as Items: an object becomes an Item, a
// string an IRI reference (see IsIRI), and an array gives one Item per
// element. Other values are skipped. Embedded objects need no type.
func (it *Item) Items(term string) []*Item {
	var items []*Item
	it.each(term, func(v []byte) {
		if sub := it.sub(v); sub != nil {
			items = append(items, sub)
		}
	})
	return items
}

// sub returns the Item for an embedded value of it, or nil.
func (it *Item) sub(v []byte) *Item {
	switch kindOf(v) {
	case kindString:
		return &Item{iri: unquote(v), isIRI: true, lang: it.lang}
	case kindObject:
		s := newItem(members(v), it.lang)
		// v passed every check when the enclosing document was decoded,
		// including go-ap's, so an error here cannot happen; it would
		// only leave AP nil.
		s.ap, _ = loadAP(v, s)
		return s
	}
	return nil
}

// IRIs returns the ids of the values of term: IRIs given as strings and the
// ids of embedded objects. Objects without an id are skipped.
func (it *Item) IRIs(term string) []string {
	var ids []string
	it.each(term, func(v []byte) {
		switch kindOf(v) {
		case kindString:
			ids = append(ids, unquote(v))
		case kindObject:
			for _, m := range members(v) {
				if string(m.key) == "id" && kindOf(m.value) == kindString {
					ids = append(ids, unquote(m.value))
				}
			}
		}
	})
	return ids
}

// Actor returns the id of the actor of an activity. It returns "" when
// there is no actor or more than one, so that a caller comparing it with
// the signer never picks one of several.
func (it *Item) Actor() string {
	if ids := it.IRIs("actor"); len(ids) == 1 {
		return ids[0]
	}
	return ""
}

// Object returns the object of an activity: the embedded object, or an IRI
// reference (see IsIRI) when the object is given by its IRI. It returns nil
// when there is no object or more than one; use Items("object") for those.
func (it *Item) Object() *Item {
	if items := it.Items("object"); len(items) == 1 {
		return items[0]
	}
	return nil
}

// To returns the ids in the to field.
func (it *Item) To() []string { return it.IRIs("to") }

// Cc returns the ids in the cc field.
func (it *Item) Cc() []string { return it.IRIs("cc") }

// Audience returns the ids in the audience field.
func (it *Item) Audience() []string { return it.IRIs("audience") }

// NameMap returns the name of it by language; see ContentMap.
func (it *Item) NameMap() map[string]string { return it.languageMap("name") }

// SummaryMap returns the summary of it by language; see ContentMap.
func (it *Item) SummaryMap() map[string]string { return it.languageMap("summary") }

// ContentMap returns the content of it by language, read from contentMap.
// A plain content string is added under the default language of the
// document (see Language) when the map lacks that language, or under "und"
// when there is no default language and no map. The JSON-LD key "@none"
// is returned as "und". It returns nil when there is no content at all.
func (it *Item) ContentMap() map[string]string { return it.languageMap("content") }

func (it *Item) languageMap(term string) map[string]string {
	var m map[string]string
	for _, v := range [][]byte{it.value(term + "Map"), it.value(term)} {
		if kindOf(v) != kindObject {
			continue
		}
		for _, e := range members(v) {
			if kindOf(e.value) != kindString {
				continue
			}
			if m == nil {
				m = make(map[string]string)
			}
			if _, ok := m[string(e.key)]; !ok {
				m[string(e.key)] = unquote(e.value)
			}
		}
	}
	if m != nil {
		if s, ok := m["@none"]; ok {
			delete(m, "@none")
			if _, ok := m["und"]; !ok {
				m["und"] = s
			}
		}
	}
	if v := it.value(term); kindOf(v) == kindString {
		s := unquote(v)
		switch {
		case it.lang != "":
			if _, ok := m[it.lang]; !ok {
				if m == nil {
					m = make(map[string]string)
				}
				m[it.lang] = s
			}
		case len(m) == 0:
			m = map[string]string{"und": s}
		}
	}
	return m
}
