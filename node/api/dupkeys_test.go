package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

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

func TestDecodeNormalisesToNFC(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/v1/members", strings.NewReader(`{"name":"Scop E`+"\u0301"+`cho"}`))
	r.Header.Set("Content-Type", "application/json")
	var v struct {
		Name string `json:"name"`
	}
	if err := Decode(httptest.NewRecorder(), r, &v); err != nil {
		t.Fatal(err)
	}
	if v.Name != "Scop \u00c9cho" {
		t.Errorf("name = %q, want the precomposed %q", v.Name, "Scop \u00c9cho")
	}
}
