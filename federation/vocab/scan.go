package vocab

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// kind is the JSON kind of a value, as seen by its first byte.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// member is one member of a JSON object: its key, unescaped, the key as
// written (quotes included), the value's bytes as written and the offset of
// the value in the scanned data.
type member struct {
	key    []byte
	rawKey []byte
	value  []byte
	off    int
}

// scanner is a strict JSON validator (the grammar of RFC 8259, as accepted by
// encoding/json) that also enforces a nesting limit, rejects duplicate keys,
// checks the ActivityStreams property rules of rules.go on every object
// outside @context, and records the members of the top-level object.
//
// It runs before anything else reads the document, so that go-ap and
// fastjson only ever see documents that are shallow and well-formed.
type scanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	// rules turns the property rules on; the fuzz test turns them off to
	// compare the grammar with encoding/json's.
	rules bool
	// inContext counts the @context values being scanned; rules are off
	// inside them.
	inContext int
	// keys is a stack of the keys of the objects being scanned, for the
	// duplicate check: each object owns the keys from its start index on.
	// Past smallObject keys, an object's keys go into a set instead, so
	// that the check stays linear.
	keys [][]byte
	sets map[int]map[string]struct{}
	// top receives the members of the outermost object.
	top []member
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: offset %d: %s", ErrSyntax, s.pos, fmt.Sprintf(format, args...))
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// scanDocument scans data as one JSON value with nothing but white space
// around it, and returns the kind of that value.
func (s *scanner) scanDocument() (kind, error) {
	s.skipSpace()
	k, _, err := s.value()
	if err != nil {
		return k, err
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return k, s.errorf("data after the top-level value")
	}
	return k, nil
}

// value scans one value and returns its kind and its first offset.
func (s *scanner) value() (kind, int, error) {
	if s.pos >= len(s.data) {
		return 0, s.pos, s.errorf("unexpected end of input")
	}
	start := s.pos
	switch c := s.data[s.pos]; {
	case c == '{':
		return kindObject, start, s.object()
	case c == '[':
		return kindArray, start, s.array()
	case c == '"':
		_, err := s.str()
		return kindString, start, err
	case c == 't':
		return kindBool, start, s.literal("true")
	case c == 'f':
		return kindBool, start, s.literal("false")
	case c == 'n':
		return kindNull, start, s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber, start, s.number()
	default:
		return 0, start, s.errorf("unexpected character %q", c)
	}
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return s.errorf("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

func (s *scanner) digits() int {
	n := 0
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

func (s *scanner) number() error {
	if s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return s.errorf("truncated number")
	}
	if s.data[s.pos] == '0' {
		s.pos++
	} else if s.digits() == 0 {
		return s.errorf("invalid number")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return s.errorf("invalid number fraction")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return s.errorf("invalid number exponent")
		}
	}
	return nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// str scans a string and reports whether it holds an escape sequence.
func (s *scanner) str() (escaped bool, err error) {
	s.pos++ // opening quote
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return escaped, nil
		case c == '\\':
			escaped = true
			if s.pos+1 >= len(s.data) {
				return escaped, s.errorf("truncated escape")
			}
			switch s.data[s.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos += 2
			case 'u':
				if s.pos+6 > len(s.data) {
					return escaped, s.errorf("truncated \\u escape")
				}
				for _, h := range s.data[s.pos+2 : s.pos+6] {
					if !isHex(h) {
						return escaped, s.errorf("invalid \\u escape")
					}
				}
				s.pos += 6
			default:
				return escaped, s.errorf("invalid escape")
			}
		case c < 0x20:
			return escaped, s.errorf("control character in string")
		default:
			s.pos++
		}
	}
	return escaped, s.errorf("unterminated string")
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > s.maxDepth {
		return fmt.Errorf("%w: more than %d levels", ErrTooDeep, s.maxDepth)
	}
	return nil
}

func (s *scanner) array() error {
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++ // [
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		s.skipSpace()
		if _, _, err := s.value(); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.errorf("unterminated array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.errorf("expected , or ] in array")
		}
	}
}

func (s *scanner) object() error {
	if err := s.enter(); err != nil {
		return err
	}
	level := s.depth
	first := len(s.keys)
	defer func() {
		s.keys = s.keys[:first]
		if s.sets != nil {
			delete(s.sets, level)
		}
	}()
	s.pos++ // {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.errorf("expected a member name")
		}
		keyStart := s.pos
		escaped, err := s.str()
		if err != nil {
			return err
		}
		rawKey := s.data[keyStart:s.pos]
		key := rawKey[1 : len(rawKey)-1]
		if escaped {
			key = []byte(unquote(rawKey))
		}
		if s.duplicate(level, first, key) {
			return fmt.Errorf("%w: duplicate member %q", ErrInvalid, key)
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.errorf("expected : after member name")
		}
		s.pos++
		s.skipSpace()
		isContext := string(key) == "@context"
		if isContext {
			s.inContext++
		}
		k, start, err := s.value()
		if isContext {
			s.inContext--
		}
		if err != nil {
			return err
		}
		val := s.data[start:s.pos]
		if s.rules && s.inContext == 0 {
			if err := checkMember(key, k, val); err != nil {
				return err
			}
		}
		if level == 1 {
			s.top = append(s.top, member{key: key, rawKey: rawKey, value: val, off: start})
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.errorf("unterminated object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return nil
		default:
			return s.errorf("expected , or } in object")
		}
	}
}

// smallObject is the number of keys up to which duplicates are found by
// comparing keys pairwise.
const smallObject = 16

// duplicate records key for the object at level, whose keys start at
// index first of s.keys, and reports whether it was already there.
func (s *scanner) duplicate(level, first int, key []byte) bool {
	if set := s.sets[level]; set != nil {
		if _, ok := set[string(key)]; ok {
			return true
		}
		set[string(key)] = struct{}{}
		return false
	}
	for _, k := range s.keys[first:] {
		if bytes.Equal(k, key) {
			return true
		}
	}
	s.keys = append(s.keys, key)
	if len(s.keys)-first > smallObject {
		set := make(map[string]struct{}, 2*smallObject)
		for _, k := range s.keys[first:] {
			set[string(k)] = struct{}{}
		}
		if s.sets == nil {
			s.sets = make(map[int]map[string]struct{})
		}
		s.sets[level] = set
	}
	return false
}

// unquote returns the text of a JSON string as written (quotes included).
// The string must already have been validated.
func unquote(raw []byte) string {
	if len(raw) < 2 {
		return ""
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return ""
	}
	return s
}

// kindOf returns the kind of a validated JSON value.
func kindOf(v []byte) kind {
	if len(v) == 0 {
		return kindNull
	}
	switch v[0] {
	case '{':
		return kindObject
	case '[':
		return kindArray
	case '"':
		return kindString
	case 't', 'f':
		return kindBool
	case 'n':
		return kindNull
	default:
		return kindNumber
	}
}

// skip returns the offset just past the value that starts at offset i of
// the validated JSON v, or len(v) if the value runs to the end.
func skip(v []byte, i int) int {
	switch v[i] {
	case '"':
		return skipString(v, i)
	case '{', '[':
		depth := 0
		for ; i < len(v); i++ {
			switch v[i] {
			case '"':
				i = skipString(v, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(v)
	default: // number or literal
		for ; i < len(v); i++ {
			switch v[i] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return len(v)
	}
}

// skipString returns the offset just past the string that starts at
// offset i of v.
func skipString(v []byte, i int) int {
	for i++; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(v)
}

func skipSpace(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}

// elements calls fn with each element of a validated JSON array.
func elements(v []byte, fn func(elem []byte) error) error {
	i := 1
	for {
		i = skipSpace(v, i)
		if i >= len(v) || v[i] == ']' {
			return nil
		}
		end := skip(v, i)
		if err := fn(v[i:end]); err != nil {
			return err
		}
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i++
		}
	}
}

// members returns the members of a validated JSON object, in order.
func members(v []byte) []member {
	var ms []member
	i := 1
	for {
		i = skipSpace(v, i)
		if i >= len(v) || v[i] != '"' {
			return ms
		}
		keyEnd := skipString(v, i)
		rawKey := v[i:keyEnd]
		key := rawKey[1 : len(rawKey)-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			key = []byte(unquote(rawKey))
		}
		i = skipSpace(v, keyEnd)
		if i < len(v) && v[i] == ':' {
			i++
		}
		i = skipSpace(v, i)
		if i >= len(v) {
			return ms
		}
		end := skip(v, i)
		ms = append(ms, member{key: key, rawKey: rawKey, value: v[i:end], off: i})
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i++
		}
	}
}

// appendCompact appends a validated JSON value to dst without the white
// space between tokens.
func appendCompact(dst, v []byte) []byte {
	inString := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, v[start:i]...)
			start = i + 1
		}
	}
	return append(dst, v[start:]...)
}
