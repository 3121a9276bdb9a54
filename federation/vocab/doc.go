// Package vocab reads and writes the ActivityStreams 2.0 documents that
// etoiles nodes exchange. It keeps go-ap/activitypub as the vocabulary
// library and closes, in its own code, the gaps measured in go-ap (see
// gaps_test.go, which fails the day one of them is fixed upstream):
//
//   - nameMap, summaryMap and contentMap are written but not read back:
//     Item.NameMap, SummaryMap and ContentMap read the maps, and the plain
//     name, summary or content under the document's default language
//     (@language in @context) or "und".
//   - An unknown type unmarshals to nil with no error: Decode returns an
//     Item for any type; AP is nil when go-ap knows none of its types.
//   - Type arrays come back empty: Item.Types keeps them, Is matches any of
//     them in plain, "as:" or "etoiles:" form, and go-ap is shown the first
//     type it knows, so AP is still set.
//   - A one-element array comes back as a single object, and extra
//     properties (@context, extension terms, Mastodon's sensitive, tag
//     kinds such as Hashtag) are dropped: an Item keeps every member as
//     written, in order, and Encode writes them back, so a round trip loses
//     nothing but white space.
//
// # Reading
//
// Decode checks a document before go-ap or fastjson sees it: at most
// MaxSize bytes, strict UTF-8 JSON (the grammar encoding/json accepts),
// nesting at most MaxDepth deep, no duplicate member names at any level,
// an object at the top, a type (unless Decoder.AllowUntyped), and property
// rules on every object outside @context: id is an absolute IRI or a blank
// node, url and href strings are absolute IRIs, type holds strings, name,
// summary and content hold strings, the *Map terms are objects keyed by
// well-formed BCP 47 tags (ValidLanguageTag), link-valued terms (actor,
// object, to, tag, ...) hold objects or strings, and @context holds IRIs
// or objects. Failures wrap ErrTooLarge, ErrTooDeep, ErrSyntax,
// ErrNotObject, ErrNoType or ErrInvalid.
//
// Against the W3C test documents (activitystreams/test/fail), Decode
// rejects 16 of the 20 known-bad ones: non-object top levels, invalid
// UTF-8, numbers for actor, content, @context, id, name, object and type,
// a string nameMap, an object name with an unregistered language ("sp"),
// an invalid language tag, a relative url and a document typed only with
// @type. It accepts the four that break collection rules (items in an
// OrderedCollection, orderedItems in a Collection, a first page that is
// not a page): those are the consumer's checks, and lenient peers send
// such collections. Every valid document decodes (with AllowUntyped for the
// untyped ones) and encodes back JSON-equal, except vocabulary-ex196,
// which has raw newlines in a string and so is not JSON (ErrSyntax).
//
// An Item is read-only and safe for concurrent use. Embedded values are
// reached with Object, Items and IRIs; Actor and Object return nothing when
// there are several, so that a caller never acts on one of several by
// accident.
//
// # Writing
//
// A Builder makes the documents a node emits: NewObject, NewActivity and
// NewTombstone start one, setters fill the go-ap value, and Set adds the
// extension terms of spec/ns.jsonld (package spec embeds it; Terms lists
// them). SetName, SetSummary and SetContent always write the map and the
// plain term in the default language, because many servers read only the
// plain term. Marshal writes members in a stable order (@context, id,
// type, then by name, at every level) and an @context of
//
//	["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", {...}]
//
// whose last element defines the etoiles prefix and only the terms the
// document uses, copied from spec/ns.jsonld, so documents need no fetch of
// our context to be expanded. spec/examples holds one golden document per
// shape; the tests build each shape and compare, and go test -update
// rewrites them.
//
// Opportunities are typed ["Article", "Opportunity"]: the ActivityStreams
// type comes first so that software that reads one type, or does not know
// ours, still shows an article with name, summary and content (Mastodon
// renders Article, not Document).
//
// The package imports only the standard library, go-ap and
// github.com/e-toiles/etoiles/spec, which embeds files and imports nothing.
package vocab
