package api

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// TestDecodeNamesTheExpectedKind: a value of the wrong JSON type is
// refused naming the kind the field (or the whole body) must be.
func TestDecodeNamesTheExpectedKind(t *testing.T) {
	type input struct {
		Name    string            `json:"name"`
		Count   int               `json:"count"`
		Ok      bool              `json:"ok"`
		Tags    []string          `json:"tags"`
		Summary map[string]string `json:"summary"`
		Quota   *struct{ N int }  `json:"quota"`
		At      time.Time         `json:"at"`
		Data    []byte            `json:"data"`
	}
	for body, want := range map[string]string{
		`[]`:                  "body: must be an object, not array",
		`"x"`:                 "body: must be an object, not string",
		`{"name":1}`:          "name: must be a string, not number",
		`{"count":"1"}`:       "count: must be a number, not string",
		`{"ok":"yes"}`:        "ok: must be a boolean, not string",
		`{"tags":"a"}`:        "tags: must be an array, not string",
		`{"summary":["a"]}`:   "summary: must be an object, not array",
		`{"quota":1}`:         "quota: must be an object, not number",
		`{"data":{}}`:         "data: must be a string, not object",
		`{"tags":[1]}`:        "tags: must be a string, not number",
		`{"summary":{"a":1}}`: "summary: must be a string, not number",
		`{"data":"!!"}`:       "body: holds a file that is not base64 (RFC 4648, standard alphabet, padded): bad data at byte 0 of the value",
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v input
		err := Decode(httptest.NewRecorder(), r, &v)
		if node.ErrorCode(err) != node.EINVALID {
			t.Errorf("%s: %v, want invalid", body, err)
			continue
		}
		fs := node.ErrorFields(err)
		if len(fs) != 1 || fs[0].Field+": "+fs[0].Reason != want {
			t.Errorf("%s: %+v, want %q", body, fs, want)
		}
	}
}
