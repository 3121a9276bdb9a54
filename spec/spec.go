package spec

import "embed"

// Context is the JSON-LD context document of the etoiles vocabulary
// (ns.jsonld). A node serves it as application/ld+json; documents that a
// node emits carry the definitions of the terms they use inline.
//
//go:embed ns.jsonld
var Context []byte

// Examples holds examples/*.json: one document for each shape a node
// emits. Each is the expected output of the federation/vocab builders.
//
//go:embed examples/*.json
var Examples embed.FS
