package vocab

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	ap "github.com/go-ap/activitypub"
)

// Builder builds a document that a node emits: an object, an actor or an
// activity. It holds a go-ap value for the ActivityStreams properties and
// adds what go-ap cannot write: type arrays, language maps written next to
// their plain form, and the extension terms of spec/ns.jsonld. Setters
// return the Builder so that calls chain; the first error is kept and
// returned by Marshal.
type Builder struct {
	item  ap.Item
	types []string
	// text holds the natural language values of name, summary and content.
	text map[string]langValues
	// terms holds members written over whatever go-ap writes: extension
	// terms and embedded values.
	terms map[string]any
	err   error
}

type langValues struct {
	def    string
	values map[string]string
}

// Endpoints are the collections and endpoints of an actor.
type Endpoints struct {
	Inbox, Outbox, Followers, Following string
	// SharedInbox is written in the actor's endpoints object.
	SharedInbox string
}

// NewObject starts an object of type typ (an ActivityStreams type such as
// "Organization", "Group" or "Article", or one of ours) with the given id.
// The go-ap value is the struct go-ap uses for typ: an Actor for
// Organization and Group, an Object for Article.
func NewObject(typ, id string) *Builder {
	b := &Builder{types: []string{typ}}
	t := ap.ActivityVocabularyType(shortType(typ))
	it, err := ap.GetItemByType(t)
	if err != nil || it == nil {
		it = &ap.Object{}
	}
	if l, ok := it.(*ap.Link); ok {
		l.ID, l.Type = ap.IRI(id), ap.ActivityVocabularyType(typ)
	} else {
		_ = ap.OnObject(it, func(o *ap.Object) error {
			o.ID = ap.IRI(id)
			o.Type = ap.ActivityVocabularyType(typ)
			return nil
		})
	}
	b.item = it
	if id == "" {
		b.fail(errors.New("vocab: object without id"))
	}
	return b
}

// NewActivity starts an activity of type typ with the given id, actor and
// object. The object is an IRI (string), a *Builder or an *Item, which is
// embedded as it is, or a go-ap value.
func NewActivity(typ, id, actor string, object any) *Builder {
	b := NewObject(typ, id)
	act, ok := b.item.(*ap.Activity)
	if !ok {
		return b.fail(fmt.Errorf("vocab: %s is not an activity type", typ))
	}
	act.Actor = ap.IRI(actor)
	switch o := object.(type) {
	case string:
		act.Object = ap.IRI(o)
	case *Builder:
		act.Object = o.item
		b.setTerm("object", o)
	case *Item:
		if o.ap != nil {
			act.Object = o.ap
		} else {
			act.Object = ap.IRI(o.ID())
		}
		b.setTerm("object", o)
	case ap.Item:
		act.Object = o
	default:
		return b.fail(fmt.Errorf("vocab: activity object of type %T", object))
	}
	return b
}

// NewTombstone starts the Tombstone that stands for a deleted object.
func NewTombstone(id, formerType string, deleted time.Time) *Builder {
	b := NewObject(string(ap.TombstoneType), id)
	if t, ok := b.item.(*ap.Tombstone); ok {
		t.FormerType = ap.ActivityVocabularyType(formerType)
		t.Deleted = deleted.UTC()
	}
	return b
}

func (b *Builder) fail(err error) *Builder {
	if b.err == nil {
		b.err = err
	}
	return b
}

func (b *Builder) setTerm(term string, v any) {
	if b.terms == nil {
		b.terms = make(map[string]any)
	}
	b.terms[term] = v
}

func (b *Builder) object(fn func(o *ap.Object)) *Builder {
	err := ap.OnObject(b.item, func(o *ap.Object) error {
		fn(o)
		return nil
	})
	if err != nil {
		return b.fail(fmt.Errorf("vocab: %s is a link, not an object: %w", b.types[0], err))
	}
	return b
}

func (b *Builder) actor(method string, fn func(a *ap.Actor)) *Builder {
	a, ok := b.item.(*ap.Actor)
	if !ok {
		return b.fail(fmt.Errorf("vocab: %s: %s is not an actor type", method, b.types[0]))
	}
	fn(a)
	return b
}

// AP returns the go-ap value being built. Changes made to it are written
// by Marshal, except for the properties the Builder writes itself: type,
// name, summary, content and the terms given to Set.
func (b *Builder) AP() ap.Item { return b.item }

// AddType adds a type after the first one; the document then has a type
// array. Put the ActivityStreams type first so that software reading one
// type still finds one it knows.
func (b *Builder) AddType(typ string) *Builder {
	b.types = append(b.types, typ)
	return b
}

// SetName sets the name in several languages: nameMap gets all of values
// and name gets values[defaultLang], so that software reading only name
// still finds one. defaultLang must be a key of values.
func (b *Builder) SetName(defaultLang string, values map[string]string) *Builder {
	return b.setText("name", defaultLang, values)
}

// SetSummary sets the summary in several languages, as SetName does.
func (b *Builder) SetSummary(defaultLang string, values map[string]string) *Builder {
	return b.setText("summary", defaultLang, values)
}

// SetContent sets the content in several languages, as SetName does.
func (b *Builder) SetContent(defaultLang string, values map[string]string) *Builder {
	return b.setText("content", defaultLang, values)
}

func (b *Builder) setText(term, def string, values map[string]string) *Builder {
	if _, ok := values[def]; !ok {
		return b.fail(fmt.Errorf("vocab: %s: no value in the default language %q", term, def))
	}
	langs := make([]string, 0, len(values))
	for l := range values {
		if !ValidLanguageTag(l) {
			return b.fail(fmt.Errorf("vocab: %s: %q is not a language tag", term, l))
		}
		if l != def {
			langs = append(langs, l)
		}
	}
	sort.Strings(langs)
	nlv := ap.NaturalLanguageValues{{Ref: ap.LangRef(def), Value: ap.Content(values[def])}}
	for _, l := range langs {
		nlv = append(nlv, ap.LangRefValue{Ref: ap.LangRef(l), Value: ap.Content(values[l])})
	}
	copied := make(map[string]string, len(values))
	for l, v := range values {
		copied[l] = v
	}
	if b.text == nil {
		b.text = make(map[string]langValues)
	}
	b.text[term] = langValues{def: def, values: copied}
	return b.object(func(o *ap.Object) {
		switch term {
		case "name":
			o.Name = nlv
		case "summary":
			o.Summary = nlv
		case "content":
			o.Content = nlv
		}
	})
}

// SetURL sets the url: the page that shows the object to people.
func (b *Builder) SetURL(iri string) *Builder {
	return b.object(func(o *ap.Object) { o.URL = ap.IRI(iri) })
}

// SetAttributedTo sets attributedTo: who the object comes from.
func (b *Builder) SetAttributedTo(iri string) *Builder {
	return b.object(func(o *ap.Object) { o.AttributedTo = ap.IRI(iri) })
}

// SetPublished sets the publication time, written in UTC to the second.
func (b *Builder) SetPublished(t time.Time) *Builder {
	return b.object(func(o *ap.Object) { o.Published = t.UTC() })
}

// SetUpdated sets the time of the last update, written in UTC to the second.
func (b *Builder) SetUpdated(t time.Time) *Builder {
	return b.object(func(o *ap.Object) { o.Updated = t.UTC() })
}

// SetTo sets the primary recipients. The field is always written as an
// array, even with one IRI.
func (b *Builder) SetTo(iris ...string) *Builder {
	return b.object(func(o *ap.Object) { o.To = iriCollection(iris) })
}

// SetCc sets the secondary recipients, always as an array.
func (b *Builder) SetCc(iris ...string) *Builder {
	return b.object(func(o *ap.Object) { o.CC = iriCollection(iris) })
}

func iriCollection(iris []string) ap.ItemCollection {
	if len(iris) == 0 {
		return nil
	}
	c := make(ap.ItemCollection, len(iris))
	for i, s := range iris {
		c[i] = ap.IRI(s)
	}
	return c
}

// SetPreferredUsername sets the user name of an actor, as WebFinger finds it.
func (b *Builder) SetPreferredUsername(name string) *Builder {
	return b.actor("SetPreferredUsername", func(a *ap.Actor) {
		a.PreferredUsername = ap.NaturalLanguageValues{{Ref: ap.NilLangRef, Value: ap.Content(name)}}
	})
}

// SetEndpoints sets the inbox, outbox, followers, following and shared
// inbox of an actor. Empty fields are left out.
func (b *Builder) SetEndpoints(e Endpoints) *Builder {
	iri := func(s string) ap.Item {
		if s == "" {
			return nil
		}
		return ap.IRI(s)
	}
	return b.actor("SetEndpoints", func(a *ap.Actor) {
		a.Inbox, a.Outbox = iri(e.Inbox), iri(e.Outbox)
		a.Followers, a.Following = iri(e.Followers), iri(e.Following)
		a.Endpoints = nil
		if e.SharedInbox != "" {
			a.Endpoints = &ap.Endpoints{SharedInbox: ap.IRI(e.SharedInbox)}
		}
	})
}

// SetPublicKey sets the public key of an actor (security vocabulary): its
// id (the keyId of HTTP Signatures), its owner and its PEM encoding.
func (b *Builder) SetPublicKey(id, owner, pem string) *Builder {
	return b.actor("SetPublicKey", func(a *ap.Actor) {
		a.PublicKey = ap.PublicKey{ID: ap.ID(id), Owner: ap.IRI(owner), PublicKeyPem: pem}
	})
}

// Set sets an extension term to v, which encoding/json encodes; a nil v
// removes it. term must be defined in spec/ns.jsonld (see Terms), or be a
// compact or absolute IRI for terms of other vocabularies. A time.Time is
// written in RFC 3339, in UTC to the second, as go-ap writes times.
// Values may hold *Builder and *Item, which are embedded.
func (b *Builder) Set(term string, v any) *Builder {
	voc, err := loadVocabulary()
	if err != nil {
		return b.fail(err)
	}
	if !voc.isTerm(term) && !strings.Contains(term, ":") {
		return b.fail(fmt.Errorf("vocab: Set: %q is not a term of spec/ns.jsonld", term))
	}
	if v == nil {
		delete(b.terms, term)
		return b
	}
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format(time.RFC3339)
	}
	b.setTerm(term, v)
	return b
}

// tree returns the document as a decoded JSON tree, without @context.
func (b *Builder) tree() (map[string]any, error) {
	if b.err != nil {
		return nil, b.err
	}
	t, err := apTree(b.item)
	if err != nil {
		return nil, err
	}
	doc, ok := t.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("vocab: %s is written as %T, want an object", b.types[0], t)
	}
	if len(b.types) > 1 {
		types := make([]any, len(b.types))
		for i, t := range b.types {
			types[i] = t
		}
		doc["type"] = types
	}
	for term, lv := range b.text {
		m := make(map[string]any, len(lv.values))
		for l, v := range lv.values {
			m[l] = v
		}
		doc[term] = lv.values[lv.def]
		doc[term+"Map"] = m
	}
	for term, v := range b.terms {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("vocab: %s: %w", term, err)
		}
		if doc[term], err = decodeTree(raw); err != nil {
			return nil, fmt.Errorf("vocab: %s: %w", term, err)
		}
	}
	return doc, nil
}

// MarshalJSON encodes the document without @context, for embedding in
// another document; Marshal gives a document to send.
func (b *Builder) MarshalJSON() ([]byte, error) {
	doc, err := b.tree()
	if err != nil {
		return nil, err
	}
	return appendCanonical(nil, doc)
}

// Marshal encodes the document with its @context: the ActivityStreams and
// security contexts, then an object defining the etoiles prefix and each
// of our terms the document uses. Members come in a stable order (@context,
// id, type, then by name, at every level), so equal documents give equal
// bytes.
func (b *Builder) Marshal() ([]byte, error) {
	doc, err := b.tree()
	if err != nil {
		return nil, err
	}
	voc, err := loadVocabulary()
	if err != nil {
		return nil, err
	}
	doc["@context"] = voc.contextFor(doc)
	return appendCanonical(nil, doc)
}
