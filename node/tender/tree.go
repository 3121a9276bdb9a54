package tender

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of the XML reader. A real notice is well under a megabyte and
// twenty levels deep; the limits keep a hostile document from exhausting
// memory.
const (
	MaxSize     = 16 << 20
	maxDepth    = 64
	maxElements = 500_000
)

// The namespaces of eForms notices, and the prefixes the eForms SDK
// documentation uses for them. Errors name elements with these prefixes
// whatever prefixes the file itself declares.
var prefixes = map[string]string{
	"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2":     "cbc",
	"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
	"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
	"http://data.europa.eu/p27/eforms-ubl-extensions/1":                        "efext",
	"http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1":    "efac",
	"http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1":        "efbc",
}

// ublDoc starts the namespace of every UBL document root.
const ublDoc = "urn:oasis:names:specification:ubl:schema:xsd:"

// elem is one element of the document, with the line its start tag is on.
type elem struct {
	name   string // "cbc:Name", or the local name for a document root
	space  string
	attrs  []xml.Attr
	text   string
	kids   []*elem
	parent *elem
	line   int
}

// attr returns the value of the attribute with the given local name.
func (e *elem) attr(local string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// child returns the first child named name, or nil.
func (e *elem) child(name string) *elem {
	if e == nil {
		return nil
	}
	for _, k := range e.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// children returns the children named name.
func (e *elem) children(name string) []*elem {
	if e == nil {
		return nil
	}
	var out []*elem
	for _, k := range e.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// find follows a path of child names and returns the first match, or nil.
func (e *elem) find(path ...string) *elem {
	for _, p := range path {
		e = e.child(p)
	}
	return e
}

// findAll follows a path and returns every element at its end.
func (e *elem) findAll(path ...string) []*elem {
	cur := []*elem{e}
	for _, p := range path {
		var next []*elem
		for _, c := range cur {
			next = append(next, c.children(p)...)
		}
		cur = next
	}
	return cur
}

// value returns the trimmed text of the element at path, or "".
func (e *elem) value(path ...string) string {
	if c := e.find(path...); c != nil {
		return strings.TrimSpace(c.text)
	}
	return ""
}

// path returns the element's location from the root, with a 1-based
// index where siblings share the name: "/ContractNotice/
// cac:ProcurementProjectLot[2]/cac:TenderingProcess".
func (e *elem) path() string {
	if e == nil {
		return ""
	}
	var parts []string
	for c := e; c != nil; c = c.parent {
		p := c.name
		if c.parent != nil {
			if same := c.parent.children(c.name); len(same) > 1 {
				for i, s := range same {
					if s == c {
						p = fmt.Sprintf("%s[%d]", p, i+1)
					}
				}
			}
		}
		parts = append(parts, p)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString("/" + parts[i])
	}
	return b.String()
}

func qualify(n xml.Name, root bool) string {
	if p, ok := prefixes[n.Space]; ok {
		return p + ":" + n.Local
	}
	if root || n.Space == "" {
		return n.Local
	}
	if strings.HasPrefix(n.Space, ublDoc) {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// readTree parses a whole document. Syntax errors come back as
// *ParseError with the line the decoder stopped on.
func readTree(r io.Reader, file string) (*elem, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, &ParseError{File: file, Reason: "cannot read: " + err.Error()}
	}
	if len(data) > MaxSize {
		return nil, &ParseError{File: file, Reason: fmt.Sprintf("larger than %d MiB; not a notice", MaxSize>>20)}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return input, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported; eForms notices are UTF-8", label)
	}
	var root, cur *elem
	var text strings.Builder
	count := 0
	for {
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(file, dec, cur, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxElements {
				return nil, &ParseError{File: file, Line: line, Reason: fmt.Sprintf("more than %d elements; not a notice", maxElements)}
			}
			if root != nil && cur == nil {
				return nil, &ParseError{File: file, Line: line, Element: qualify(t.Name, false), Reason: "malformed XML: a second root element"}
			}
			e := &elem{name: qualify(t.Name, cur == nil), space: t.Name.Space, attrs: t.Attr, parent: cur, line: line}
			if cur == nil {
				root = e
			} else {
				if depth(cur) >= maxDepth {
					return nil, &ParseError{File: file, Line: line, Element: e.name, Reason: fmt.Sprintf("nested more than %d levels deep; not a notice", maxDepth)}
				}
				cur.kids = append(cur.kids, e)
			}
			cur = e
			text.Reset()
		case xml.CharData:
			if cur != nil && len(cur.kids) == 0 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(cur.kids) == 0 {
				cur.text = text.String()
			}
			text.Reset()
			cur = cur.parent
		}
	}
	if root == nil {
		return nil, &ParseError{File: file, Line: 1, Reason: "malformed XML: no root element"}
	}
	return root, nil
}

func depth(e *elem) int {
	d := 0
	for ; e != nil; e = e.parent {
		d++
	}
	return d
}

// syntaxError reports a decoder error at its line, inside the element
// that was open.
func syntaxError(file string, dec *xml.Decoder, open *elem, err error) *ParseError {
	line, _ := dec.InputPos()
	msg := strings.TrimPrefix(err.Error(), "xml: ")
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line, msg = se.Line, se.Msg
	}
	return &ParseError{File: file, Line: line, Element: open.path(), Reason: "malformed XML: " + msg}
}
