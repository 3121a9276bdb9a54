package api

import (
	"bytes"
	"encoding/json"
	"strings"
)

// duplicateKey reports the first object member named twice in a JSON
// document (names compared as encoding/json matches them, ignoring case),
// with the path of the object holding it ("body" at the top, "summary"
// below it). Both are empty when there is none or the document is not
// valid JSON (the decoder then says what is wrong).
func duplicateKey(doc []byte) (path, name string) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		obj     bool
		keys    map[string]bool
		path    string
		wantKey bool
		lastKey string
	}
	var stack []*frame
	childPath := func() string {
		if len(stack) == 0 {
			return "body"
		}
		top := stack[len(stack)-1]
		if !top.obj {
			return top.path
		}
		if top.path == "body" {
			return top.lastKey
		}
		return top.path + "." + top.lastKey
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return "", ""
				}
				if parent := stack[len(stack)-1]; parent.obj {
					parent.wantKey = true
				}
				continue
			}
			k, _ := tok.(string)
			folded := strings.ToLower(k)
			if top.keys[folded] {
				return top.path, k
			}
			top.keys[folded] = true
			top.lastKey, top.wantKey = k, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, path: childPath(), wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{path: childPath()})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			return "", ""
		}
		if top := stack[len(stack)-1]; top.obj {
			top.wantKey = true
		}
	}
}
