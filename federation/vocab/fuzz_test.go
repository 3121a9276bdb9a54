package vocab

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// jsonDepth is the nesting limit of encoding/json's scanner.
const jsonDepth = 10000

func fuzzTree(tb testing.TB, data []byte) any {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		tb.Fatalf("encoding/json rejects %q: %v", data, err)
	}
	return v
}

// exercise calls every accessor of it and of the items it embeds.
func exercise(it *Item, depth int) {
	_ = it.ID()
	_ = it.Types()
	_ = it.Is("Note")
	_ = it.AP()
	_ = it.NameMap()
	_ = it.SummaryMap()
	_ = it.ContentMap()
	_ = it.Actor()
	_ = it.To()
	_ = it.Cc()
	_ = it.Audience()
	_ = it.Object()
	if depth > 3 {
		return
	}
	for _, term := range it.Terms() {
		_ = it.Get(term)
		_ = it.IRIs(term)
		for _, sub := range it.Items(term) {
			exercise(sub, depth+1)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"type":"Note"}`,
		`{"@context":["https://www.w3.org/ns/activitystreams",{"@language":"fr"}],"type":["Article","Opportunity"],"id":"https://fr.example/o/1","name":"x","nameMap":{"en":"y"},"lots":[{"type":"Lot","name":"l"}]}`,
		`{"type":"Create","actor":"https://a.example/u","to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"type":"Note","content":"<p>hi</p>","contentMap":{"en":"<p>hi</p>"},"sensitive":false,"tag":[{"type":"Hashtag","name":"#a","href":"https://a.example/t/a"},{"type":"Mention","href":"https://b.example/u"}]}}`,
		`{"type":"Accept","object":{"type":"Follow","actor":{"type":"Group","id":"https://fr.example/actor","publicKey":{"id":"https://fr.example/actor#k","publicKeyPem":"-----"}},"object":"https://it.example/actor"}}`,
		`{"type":"OrderedCollection","orderedItems":[{"type":"Create","object":["https://a.example/1",{"type":"Tombstone","formerType":"Note","deleted":"2025-01-01T00:00:00Z"}]}],"totalItems":1e3}`,
		`{"type":"Note","id":"https:\/\/a.example\/\u0031","name":"\ud800","content":null,"url":[{"type":"Link","href":"https://a.example/x","rel":["a"]}]}`,
		`{"type":"Question","oneOf":[{"type":"Note","name":"a"}],"closed":"2025-01-01T00:00:00Z","endTime":"bad","duration":"PT1H"}`,
		`{"type":"Place","latitude":-1.5E+2,"longitude":0,"radius":12345678901234567890,"units":"m"}`,
		`{"type":"Note","a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		`{"type":"Note","k":1,"k":2}`,
		`[1,2]`, `"s"`, `42`, `{`, `{"type":"Note",}`, "{\"type\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The scanner accepts exactly the JSON that encoding/json accepts,
		// duplicate members aside.
		if utf8.Valid(data) {
			s := scanner{data: data, maxDepth: jsonDepth}
			_, err := s.scanDocument()
			// Duplicate members are valid JSON that the scanner refuses.
			if valid := json.Valid(data); (err == nil) != valid && !errors.Is(err, ErrInvalid) {
				t.Fatalf("scanner error %v, but json.Valid = %v for %q", err, valid, data)
			}
		}
		it, err := Decoder{AllowUntyped: true}.Decode(data)
		if errors.Is(err, errGoAP) {
			t.Fatalf("Decode(%q): %v", data, err)
		}
		if err != nil {
			return
		}
		exercise(it, 0)
		out, err := Encode(it)
		if err != nil {
			t.Fatalf("Encode() error: %v", err)
		}
		if !reflect.DeepEqual(fuzzTree(t, out), fuzzTree(t, data)) {
			t.Fatalf("round trip changed the document:\n in: %s\nout: %s", data, out)
		}
		again, err := Decoder{AllowUntyped: true}.Decode(out)
		if err != nil {
			t.Fatalf("Decode(Encode()) error: %v\n%s", err, out)
		}
		out2, err := Encode(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("Encode is not stable:\n%s\n%s (%v)", out, out2, err)
		}
	})
}
