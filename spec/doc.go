// Package spec holds the etoiles federation protocol as files: the JSON-LD
// context of our extension terms (ns.jsonld), the example documents that
// the serializer's golden tests compare against (examples/*.json), and the
// prose (vocabulary.md). The Go package only embeds these files so that
// code can serve the context and tests can read the examples; it imports
// nothing but embed.
package spec
