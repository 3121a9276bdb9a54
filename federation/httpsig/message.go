package httpsig

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// message is the part of an HTTP message that signatures cover, taken from
// a request on either side of the wire (built by a client, or received by a
// server) or, in tests, from a response.
type message struct {
	method   string // as sent, e.g. "POST"
	scheme   string // lowercase, "http" or "https"
	host     string // the Host header as sent
	path     string // escaped absolute path, "/" when empty
	query    string // escaped query without "?"
	hasQuery bool
	status   int // responses only
	header   http.Header

	queryIndex map[string][]string // decoded query, built on first use
	queryBad   bool                // the query is not percent-encoded
}

// requestMessage describes r. scheme overrides the scheme when not empty;
// otherwise it is r.URL.Scheme, or "https" when r arrived over TLS, or
// "http".
func requestMessage(r *http.Request, scheme string) *message {
	m := &message{method: r.Method, header: r.Header}
	if m.method == "" {
		m.method = http.MethodGet
	}
	m.host = r.Host
	if m.host == "" && r.URL != nil {
		m.host = r.URL.Host
	}
	switch {
	case scheme != "":
		m.scheme = strings.ToLower(scheme)
	case r.URL != nil && r.URL.Scheme != "":
		m.scheme = strings.ToLower(r.URL.Scheme)
	case r.TLS != nil:
		m.scheme = "https"
	default:
		m.scheme = "http"
	}
	// The raw request target as received (origin form) is what the peer
	// signed; the parsed URL may re-encode it.
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = "/"
		if r.URL != nil {
			target = r.URL.RequestURI()
		}
	}
	m.path, m.query, m.hasQuery = strings.Cut(target, "?")
	if m.path == "" {
		m.path = "/"
	}
	return m
}

// requestTarget returns path?query, the origin-form request target.
func (m *message) requestTarget() string {
	if m.hasQuery {
		return m.path + "?" + m.query
	}
	return m.path
}

// authority returns the @authority value: the host lowercased, without the
// scheme's default port (RFC 9421 §2.2.3, RFC 9110 §4.2.3).
func (m *message) authority() string {
	a := strings.ToLower(m.host)
	switch {
	case m.scheme == "https" && strings.HasSuffix(a, ":443"):
		a = strings.TrimSuffix(a, ":443")
	case m.scheme == "http" && strings.HasSuffix(a, ":80"):
		a = strings.TrimSuffix(a, ":80")
	}
	return a
}

// targetURI returns the @target-uri value.
func (m *message) targetURI() string {
	return m.scheme + "://" + m.authority() + m.requestTarget()
}

// headerValue returns the values of a header field, each trimmed of
// surrounding whitespace and joined by ", ", as both draft-cavage §2.3 and
// RFC 9421 §2.1 require. The host field is read from the request's host,
// since Go servers take it out of the header map. ok is false when the
// field is absent.
func (m *message) headerValue(name string) (value string, ok bool) {
	if name == "host" && m.status == 0 {
		return m.host, m.host != ""
	}
	values := m.header.Values(name)
	if len(values) == 0 {
		return "", false
	}
	if len(values) == 1 {
		return strings.Trim(values[0], " \t"), true
	}
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.Trim(v, " \t"))
	}
	return b.String(), true
}

// queryParamValues returns the decoded values of a query parameter, in
// order, parsing the query once per message. ok is false when the query is
// not validly percent-encoded.
func (m *message) queryParamValues(name string) (values []string, ok bool) {
	if m.queryIndex == nil && !m.queryBad {
		m.queryIndex = make(map[string][]string)
		for part := range strings.SplitSeq(m.query, "&") {
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			k, err1 := url.QueryUnescape(k)
			v, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				m.queryBad = true
				break
			}
			m.queryIndex[k] = append(m.queryIndex[k], v)
		}
	}
	if m.queryBad {
		return nil, false
	}
	return m.queryIndex[name], true
}

// statusText returns the @status value.
func (m *message) statusText() string {
	return strconv.Itoa(m.status)
}
