package vocab

import (
	"bytes"
	"fmt"
)

// The property rules below are checked on every JSON object of a document
// except inside @context. They catch values of the wrong JSON kind for the
// ActivityStreams core terms: the cases where go-ap silently drops or
// misreads a value. JSON null is accepted everywhere and means "no value".

// linkTerms are the core terms whose values are objects, links or IRIs.
var linkTerms = map[string]bool{
	"actor": true, "object": true, "target": true, "origin": true, "result": true,
	"instrument": true, "attributedTo": true, "inReplyTo": true, "to": true,
	"cc": true, "bto": true, "bcc": true, "audience": true, "tag": true,
	"attachment": true, "generator": true, "icon": true, "image": true,
	"location": true, "preview": true, "replies": true, "likes": true,
	"shares": true, "url": true, "context": true, "first": true, "last": true,
	"current": true, "next": true, "prev": true, "partOf": true, "items": true,
	"orderedItems": true, "oneOf": true, "anyOf": true, "inbox": true,
	"outbox": true, "followers": true, "following": true, "liked": true,
	"streams": true, "describes": true, "subject": true, "relationship": true,
}

// textTerms are the natural language terms and their map forms.
var textTerms = map[string]string{
	"name": "nameMap", "summary": "summaryMap", "content": "contentMap",
}

var mapTerms = map[string]bool{
	"nameMap": true, "summaryMap": true, "contentMap": true,
}

func invalid[T string | []byte](key T, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...))
}

// checkMember checks one member of an object against the property rules.
func checkMember(key []byte, k kind, v []byte) error {
	if k == kindNull {
		return nil
	}
	switch {
	case string(key) == "id":
		if k != kindString {
			return invalid("id", "want a string")
		}
		return checkIRI("id", v, true)
	case string(key) == "type":
		return checkType(k, v)
	case string(key) == "@context":
		// Scanned with the rules off; only its own kind is checked here.
		return checkContext(v)
	case string(key) == "href":
		if k != kindString {
			return invalid("href", "want a string")
		}
		return checkIRI("href", v, false)
	case string(key) == "url" && k == kindString:
		return checkIRI("url", v, false)
	case linkTerms[string(key)]:
		return checkLinks(key, k, v)
	case textTerms[string(key)] != "":
		return checkText(key, k, v)
	case mapTerms[string(key)]:
		return checkLanguageMap(key, k, v)
	}
	return nil
}

// checkIRI checks that the JSON string v is an absolute IRI, or a blank
// node identifier when blank is true.
func checkIRI(key string, v []byte, blank bool) error {
	var ok bool
	if bytes.IndexByte(v, '\\') < 0 {
		s := v[1 : len(v)-1]
		ok = isAbsoluteIRI(s) || (blank && isBlankNode(s))
	} else {
		s := unquote(v)
		ok = isAbsoluteIRI(s) || (blank && isBlankNode(s))
	}
	if !ok {
		return invalid(key, "%s is not an absolute IRI", v)
	}
	return nil
}

// checkContext checks the kind of an @context value: an IRI, a context
// object, or an array of those.
func checkContext(v []byte) error {
	switch kindOf(v) {
	case kindNull, kindString, kindObject:
		return nil
	case kindArray:
		return elements(v, func(e []byte) error {
			switch kindOf(e) {
			case kindNull, kindString, kindObject:
				return nil
			}
			return invalid("@context", "want IRIs or context objects")
		})
	}
	return invalid("@context", "want an IRI, a context object or an array")
}

func checkType(k kind, v []byte) error {
	switch k {
	case kindString:
		return nil
	case kindArray:
		return elements(v, func(e []byte) error {
			if kindOf(e) != kindString {
				return invalid("type", "want strings")
			}
			return nil
		})
	}
	return invalid("type", "want a string or an array of strings")
}

func checkLinks(key []byte, k kind, v []byte) error {
	switch k {
	case kindString, kindObject:
		return nil
	case kindArray:
		return elements(v, func(e []byte) error {
			switch kindOf(e) {
			case kindString, kindObject, kindNull:
				return nil
			}
			return invalid(key, "want objects, links or IRIs")
		})
	}
	return invalid(key, "want an object, a link or an IRI")
}

func checkText(key []byte, k kind, v []byte) error {
	switch k {
	case kindString:
		return nil
	case kindArray:
		return elements(v, func(e []byte) error {
			if k := kindOf(e); k != kindString && k != kindNull {
				return invalid(key, "want strings")
			}
			return nil
		})
	case kindObject:
		// A language map under the plain term is the form of the AS2
		// drafts; the W3C test suite still has it among the valid
		// documents (simple0011), so it is read like the map form.
		return checkLanguageMap(key, k, v)
	}
	return invalid(key, "want a string")
}

func checkLanguageMap(key []byte, k kind, v []byte) error {
	if k != kindObject {
		return invalid(key, "want an object keyed by language tags")
	}
	for _, m := range members(v) {
		if string(m.key) != "@none" && !ValidLanguageTag(string(m.key)) {
			return invalid(key, "%q is not a well-formed language tag", m.key)
		}
		if k := kindOf(m.value); k != kindString && k != kindNull {
			return invalid(key, "want strings")
		}
	}
	return nil
}

// isAbsoluteIRI reports whether s starts with a URI scheme (RFC 3986 §3.1)
// followed by ":" and holds no white space or control characters.
func isAbsoluteIRI[T string | []byte](s T) bool {
	colon := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f {
			return false
		}
		if colon >= 0 {
			continue
		}
		switch {
		case c == ':':
			if i == 0 {
				return false
			}
			colon = i
		case (c|0x20) >= 'a' && (c|0x20) <= 'z':
		case i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return colon > 0 && colon < len(s)-1
}

// isBlankNode reports whether s is a JSON-LD blank node identifier.
func isBlankNode[T string | []byte](s T) bool {
	return len(s) > 2 && s[0] == '_' && s[1] == ':'
}
