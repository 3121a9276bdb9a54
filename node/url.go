package node

import (
	"errors"
	"net/url"
	"strings"
	"unicode"
)

// MaxURLLen is the longest URL a field accepts, in bytes.
const MaxURLLen = 2048

// Errors returned by CheckURL; the message says what is wrong, for a
// field error or a log line.
var (
	errURLEmpty    = errors.New("is empty")
	errURLLong     = errors.New("is longer than 2048 bytes")
	errURLChar     = errors.New("contains a space, a quote, a backslash, <, >, or a control character")
	errURLScheme   = errors.New("is not an absolute http or https URL")
	errURLHost     = errors.New("has no host")
	errURLUserinfo = errors.New("has a user name or password before the host")
	errURLSyntax   = errors.New("does not parse as a URL")
)

// urlForbidden are the ASCII characters RFC 3986 never allows unescaped,
// and the quote, which breaks out of a JSON or HTML attribute value.
const urlForbidden = "\"<>\\^`{|} "

// CheckURL tells whether s is a link this node accepts in a URL field, a
// member's website, an event's online or registration address, an image,
// a source, and in a URL received from a peer: an absolute http or https
// URL with a host, no user information, and none of the characters RFC
// 3986 forbids (spaces, quotes, backslashes, <, >, control characters,
// Unicode spaces and controls). Anything else, javascript: and data: URLs
// included, is refused. The error says why, for a field message.
//
// Plain http is accepted here because these are links people follow, and
// many co-operatives' sites still use it; the node's own requests to peers
// follow the stricter rule of the federation client (https only unless
// --insecure-http).
func CheckURL(s string) error {
	switch {
	case s == "":
		return errURLEmpty
	case len(s) > MaxURLLen:
		return errURLLong
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(urlForbidden, r) || unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return errURLChar
		}
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return errURLScheme
	}
	u, err := url.Parse(s)
	if err != nil {
		return errURLSyntax
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http", u.Opaque != "":
		return errURLScheme
	case u.User != nil:
		return errURLUserinfo
	case u.Hostname() == "":
		return errURLHost
	}
	return nil
}

// ValidURL reports whether CheckURL accepts s.
func ValidURL(s string) bool { return CheckURL(s) == nil }

// addURL adds a field error when s is not empty and CheckURL refuses it.
func addURL(p *Problems, field, s string) {
	if s == "" {
		return
	}
	if err := CheckURL(s); err != nil {
		p.Add(field, "must be an http or https URL: it %v", err)
	}
}
