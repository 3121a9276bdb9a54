package vocab_test

import (
	"bytes"
	"encoding/json"
	"testing"
)

// mustNormalize decodes a JSON document and encodes it again with sorted
// keys and two-space indentation, numbers kept as written.
func mustNormalize(tb testing.TB, data []byte) []byte {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		tb.Fatalf("normalize: %v\n%s", err, data)
	}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(v); err != nil {
		tb.Fatalf("normalize: %v", err)
	}
	return buf.Bytes()
}
