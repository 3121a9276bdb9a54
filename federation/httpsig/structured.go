package httpsig

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
)

// This file holds the part of RFC 8941 (Structured Field Values) that
// RFC 9421 needs: dictionaries whose members are items or inner lists, with
// parameters, and the serialization of inner lists and parameters.

// Token is a structured-field token, a bare word such as sha-256 or *.
type Token string

// Param is one structured-field parameter. Value is an int64 (integer), a
// float64 (decimal), a string, a [Token], a []byte (byte sequence) or a
// bool.
type Param struct {
	Key   string
	Value any
}

// sfItem is a bare item with its parameters.
type sfItem struct {
	value  any
	params []Param
}

// sfMember is a dictionary member value: an item or an inner list.
type sfMember struct {
	inner  bool
	item   any      // when !inner
	items  []sfItem // when inner
	params []Param
}

type sfDictEntry struct {
	key    string
	member sfMember
}

var errSF = errors.New("structured field")

type sfParser struct {
	s string
	i int
}

func (p *sfParser) eof() bool { return p.i >= len(p.s) }

func (p *sfParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

func (p *sfParser) skipSP() {
	for !p.eof() && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// parseDictionary parses an RFC 8941 dictionary. A repeated key keeps its
// first position and takes the last value, as §4.2.2 says.
func parseDictionary(s string) ([]sfDictEntry, error) {
	p := &sfParser{s: s}
	p.skipSP()
	var out []sfDictEntry
	var seen keyIndex
	for !p.eof() {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		var m sfMember
		if p.peek() == '=' {
			p.i++
			m, err = p.member()
			if err != nil {
				return nil, err
			}
		} else {
			m.item = true
			m.params, err = p.parameters()
			if err != nil {
				return nil, err
			}
		}
		if j, ok := seen.find(key, len(out), func(j int) string { return out[j].key }); ok {
			out[j].member = m
		} else {
			out = append(out, sfDictEntry{key: key, member: m})
		}
		p.skipOWS()
		if p.eof() {
			return out, nil
		}
		if p.s[p.i] != ',' {
			return nil, errSF
		}
		p.i++
		p.skipOWS()
		if p.eof() {
			return nil, errSF // trailing comma
		}
	}
	return out, nil
}

func (p *sfParser) member() (sfMember, error) {
	if p.peek() == '(' {
		return p.innerList()
	}
	v, err := p.bareItem()
	if err != nil {
		return sfMember{}, err
	}
	params, err := p.parameters()
	if err != nil {
		return sfMember{}, err
	}
	return sfMember{item: v, params: params}, nil
}

func (p *sfParser) innerList() (sfMember, error) {
	p.i++ // '('
	var items []sfItem
	for !p.eof() {
		p.skipSP()
		if p.peek() == ')' {
			p.i++
			params, err := p.parameters()
			if err != nil {
				return sfMember{}, err
			}
			return sfMember{inner: true, items: items, params: params}, nil
		}
		v, err := p.bareItem()
		if err != nil {
			return sfMember{}, err
		}
		params, err := p.parameters()
		if err != nil {
			return sfMember{}, err
		}
		items = append(items, sfItem{value: v, params: params})
		if c := p.peek(); c != ' ' && c != ')' {
			return sfMember{}, errSF
		}
	}
	return sfMember{}, errSF
}

func (p *sfParser) parameters() ([]Param, error) {
	var out []Param
	var seen keyIndex
	for p.peek() == ';' {
		p.i++
		p.skipSP()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		var v any = true
		if p.peek() == '=' {
			p.i++
			v, err = p.bareItem()
			if err != nil {
				return nil, err
			}
		}
		if j, ok := seen.find(key, len(out), func(j int) string { return out[j].Key }); ok {
			out[j].Value = v
		} else {
			out = append(out, Param{Key: key, Value: v})
		}
	}
	return out, nil
}

// keyIndex finds repeated keys in dictionaries and parameter lists: by a
// linear scan while the list is short, by a map once it grows, so that a
// hostile header cannot make parsing quadratic.
type keyIndex struct {
	m map[string]int
}

// find returns the position of key among the n keys so far, and records
// key at position n when it is new (the caller then appends it).
func (x *keyIndex) find(key string, n int, keyAt func(int) string) (int, bool) {
	const linear = 16
	if x.m == nil && n >= linear {
		x.m = make(map[string]int, 2*n)
		for j := range n {
			x.m[keyAt(j)] = j
		}
	}
	if x.m != nil {
		if j, ok := x.m[key]; ok {
			return j, true
		}
		x.m[key] = n
		return 0, false
	}
	for j := range n {
		if keyAt(j) == key {
			return j, true
		}
	}
	return 0, false
}

func isLCAlpha(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool   { return isLCAlpha(c) || (c >= 'A' && c <= 'Z') }

func (p *sfParser) key() (string, error) {
	start := p.i
	if c := p.peek(); !isLCAlpha(c) && c != '*' {
		return "", errSF
	}
	p.i++
	for !p.eof() {
		c := p.s[p.i]
		if !isLCAlpha(c) && !isDigit(c) && c != '_' && c != '-' && c != '.' && c != '*' {
			break
		}
		p.i++
	}
	return p.s[start:p.i], nil
}

// isTChar reports whether c is an RFC 9110 tchar.
func isTChar(c byte) bool {
	if isAlpha(c) || isDigit(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *sfParser) bareItem() (any, error) {
	c := p.peek()
	switch {
	case c == '-' || isDigit(c):
		return p.number()
	case c == '"':
		return p.str()
	case c == '*' || isAlpha(c):
		start := p.i
		p.i++
		for !p.eof() && (isTChar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/') {
			p.i++
		}
		return Token(p.s[start:p.i]), nil
	case c == ':':
		p.i++
		end := strings.IndexByte(p.s[p.i:], ':')
		if end < 0 {
			return nil, errSF
		}
		b64 := p.s[p.i : p.i+end]
		p.i += end + 1
		for i := 0; i < len(b64); i++ {
			c := b64[i]
			if !isAlpha(c) && !isDigit(c) && c != '+' && c != '/' && c != '=' {
				return nil, errSF
			}
		}
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			// RFC 8941 §4.2.7 lets parsers accept missing padding.
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(b64, "="))
			if err != nil {
				return nil, errSF
			}
		}
		return b, nil
	case c == '?':
		p.i++
		switch p.peek() {
		case '0':
			p.i++
			return false, nil
		case '1':
			p.i++
			return true, nil
		}
		return nil, errSF
	}
	return nil, errSF
}

func (p *sfParser) str() (string, error) {
	p.i++ // '"'
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '\\':
			if p.eof() {
				return "", errSF
			}
			n := p.s[p.i]
			p.i++
			if n != '"' && n != '\\' {
				return "", errSF
			}
			b.WriteByte(n)
		case c == '"':
			return b.String(), nil
		case c < 0x20 || c > 0x7e:
			return "", errSF
		default:
			b.WriteByte(c)
		}
	}
	return "", errSF
}

func (p *sfParser) number() (any, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	if !isDigit(p.peek()) {
		return nil, errSF
	}
	intDigits, fracDigits, decimal := 0, 0, false
	for !p.eof() {
		c := p.s[p.i]
		if isDigit(c) {
			if decimal {
				fracDigits++
			} else {
				intDigits++
			}
		} else if c == '.' && !decimal {
			if intDigits > 12 {
				return nil, errSF
			}
			decimal = true
		} else {
			break
		}
		p.i++
	}
	text := p.s[start:p.i]
	if !decimal {
		if intDigits > 15 {
			return nil, errSF
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, errSF
		}
		return n, nil
	}
	if fracDigits == 0 || fracDigits > 3 {
		return nil, errSF
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, errSF
	}
	return f, nil
}

// appendBareItem serializes a bare item per RFC 8941 §4.1.3. It returns
// false for a value it cannot serialize.
func appendBareItem(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case int64:
		if v > 999999999999999 || v < -999999999999999 {
			return b, false
		}
		return strconv.AppendInt(b, v, 10), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e12 {
			return b, false
		}
		s := strconv.FormatFloat(v, 'f', 3, 64)
		s = strings.TrimRight(s, "0")
		if strings.HasSuffix(s, ".") {
			s += "0"
		}
		return append(b, s...), true
	case string:
		b = append(b, '"')
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c < 0x20 || c > 0x7e {
				return b, false
			}
			if c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
		}
		return append(b, '"'), true
	case Token:
		return append(b, v...), true
	case []byte:
		b = append(b, ':')
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, ':'), true
	case bool:
		if v {
			return append(b, "?1"...), true
		}
		return append(b, "?0"...), true
	}
	return b, false
}

// appendParams serializes parameters per RFC 8941 §4.1.1.2.
func appendParams(b []byte, params []Param) ([]byte, bool) {
	for _, p := range params {
		b = append(b, ';')
		b = append(b, p.Key...)
		if v, ok := p.Value.(bool); ok && v {
			continue
		}
		b = append(b, '=')
		var ok bool
		if b, ok = appendBareItem(b, p.Value); !ok {
			return b, false
		}
	}
	return b, true
}
