package api

import "testing"

func TestDuplicateKey(t *testing.T) {
	for _, tt := range []struct {
		doc, path, name string
	}{
		{`{"name":"a","summary":{"fr":"x"}}`, "", ""},
		{`{"name":"a","name":"b"}`, "body", "name"},
		{`{"name":"a","Name":"b"}`, "body", "Name"},
		{`{"summary":{"fr":"x","fr":"y"}}`, "summary", "fr"},
		{`{"a":{"b":{"c":1}},"d":[{"e":1},{"e":2}],"f":{"g":1,"g":2}}`, "f", "g"},
		{`{"lots":[{"id":"1","id":"2"}]}`, "lots", "id"},
		{`{"a":{"x":{}},"a":1}`, "body", "a"},
		{`[1,2,{"k":1}]`, "", ""},
		{`{"broken":`, "", ""},
	} {
		path, name := duplicateKey([]byte(tt.doc))
		if path != tt.path || name != tt.name {
			t.Errorf("duplicateKey(%s) = %q, %q, want %q, %q", tt.doc, path, name, tt.path, tt.name)
		}
	}
}
