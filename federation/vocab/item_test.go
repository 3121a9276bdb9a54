package vocab_test

import (
	"errors"
	"strings"
	"testing"

	ap "github.com/go-ap/activitypub"
	"github.com/google/go-cmp/cmp"

	"github.com/e-toiles/etoiles/federation/vocab"
)

func mustDecode(tb testing.TB, doc string) *vocab.Item {
	tb.Helper()
	it, err := vocab.Decode([]byte(doc))
	if err != nil {
		tb.Fatalf("Decode(%s) error: %v", doc, err)
	}
	return it
}

func mustEncode(tb testing.TB, it *vocab.Item) string {
	tb.Helper()
	b, err := vocab.Encode(it)
	if err != nil {
		tb.Fatalf("Encode() error: %v", err)
	}
	return string(b)
}

// mastodonCreate is a Create{Note} shaped like the ones Mastodon 4 sends.
const mastodonCreate = `{
  "@context": [
    "https://www.w3.org/ns/activitystreams",
    {
      "ostatus": "http://ostatus.org#",
      "atomUri": "ostatus:atomUri",
      "sensitive": "as:sensitive",
      "toot": "http://joinmastodon.org/ns#",
      "Hashtag": "as:Hashtag",
      "Emoji": "toot:Emoji"
    }
  ],
  "id": "https://mastodon.example/users/alice/statuses/110/activity",
  "type": "Create",
  "actor": "https://mastodon.example/users/alice",
  "published": "2025-05-01T10:00:00Z",
  "to": ["https://www.w3.org/ns/activitystreams#Public"],
  "cc": ["https://mastodon.example/users/alice/followers"],
  "object": {
    "id": "https://mastodon.example/users/alice/statuses/110",
    "type": "Note",
    "summary": null,
    "inReplyTo": null,
    "published": "2025-05-01T10:00:00Z",
    "url": "https://mastodon.example/@alice/110",
    "attributedTo": "https://mastodon.example/users/alice",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://mastodon.example/users/alice/followers"],
    "sensitive": true,
    "atomUri": "https://mastodon.example/users/alice/statuses/110",
    "content": "<p>Bravo <a href=\"https://fr.example/tags/scop\" class=\"mention hashtag\" rel=\"tag\">#<span>scop</span></a></p>",
    "contentMap": {"fr": "<p>Bravo <a href=\"https://fr.example/tags/scop\" class=\"mention hashtag\" rel=\"tag\">#<span>scop</span></a></p>"},
    "attachment": [],
    "tag": [
      {"type": "Hashtag", "href": "https://mastodon.example/tags/scop", "name": "#scop"},
      {"type": "Mention", "href": "https://fr.example/actor", "name": "@group@fr.example"}
    ],
    "replies": {
      "id": "https://mastodon.example/users/alice/statuses/110/replies",
      "type": "Collection",
      "first": {"type": "CollectionPage", "next": "https://mastodon.example/users/alice/statuses/110/replies?page=true", "partOf": "https://mastodon.example/users/alice/statuses/110/replies", "items": []}
    }
  }
}`

func TestMastodonNoteRoundTrip(t *testing.T) {
	it := mustDecode(t, mastodonCreate)
	out := mustEncode(t, it)
	if diff := cmp.Diff(string(mustNormalize(t, []byte(out))), string(mustNormalize(t, []byte(mastodonCreate)))); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}
	for _, want := range []string{
		`"to":["https://www.w3.org/ns/activitystreams#Public"]`,
		`"cc":["https://mastodon.example/users/alice/followers"]`,
		`"attachment":[]`,
		`"sensitive":true`,
		`{"type":"Hashtag","href":"https://mastodon.example/tags/scop","name":"#scop"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Encode() = %s\nwant it to contain %s", out, want)
		}
	}
	if got, want := it.Actor(), "https://mastodon.example/users/alice"; got != want {
		t.Errorf("Actor() = %q, want %q", got, want)
	}
	if diff := cmp.Diff(it.To(), []string{vocab.Public}); diff != "" {
		t.Errorf("To() (-got +want):\n%s", diff)
	}
	note := it.Object()
	if note == nil || !note.Is("Note") {
		t.Fatalf("Object() = %v, want the Note", note)
	}
	if got := string(note.Get("sensitive")); got != "true" {
		t.Errorf("Object().Get(sensitive) = %s, want true", got)
	}
	var tagTypes []string
	for _, tag := range note.Items("tag") {
		tagTypes = append(tagTypes, tag.Types()...)
	}
	if diff := cmp.Diff(tagTypes, []string{"Hashtag", "Mention"}); diff != "" {
		t.Errorf("tag types (-got +want):\n%s", diff)
	}
	if got := note.ContentMap()["fr"]; !strings.HasPrefix(got, "<p>Bravo") {
		t.Errorf("ContentMap()[fr] = %q", got)
	}
	act, ok := it.AP().(*ap.Activity)
	if !ok {
		t.Fatalf("AP() = %T, want *activitypub.Activity", it.AP())
	}
	if act.Object == nil || act.Object.GetType() != ap.NoteType {
		t.Errorf("AP().Object = %v, want the go-ap Note", act.Object)
	}
	if note.AP() == nil || note.AP().GetType() != ap.NoteType {
		t.Errorf("Object().AP() = %v, want a go-ap Note", note.AP())
	}
}

// The tests below show each go-ap gap of gaps_test.go closed.

func TestLanguageMapsAreRead(t *testing.T) {
	tests := []struct {
		name, doc string
		want      map[string]string
	}{
		{"map and plain", `{"type":"Note","name":"Bonjour","nameMap":{"fr":"Bonjour","en":"Hello"}}`,
			map[string]string{"fr": "Bonjour", "en": "Hello"}},
		{"plain with default language", `{"@context":["https://www.w3.org/ns/activitystreams",{"@language":"it"}],"type":"Note","name":"Ciao"}`,
			map[string]string{"it": "Ciao"}},
		{"plain added to the map", `{"@context":["https://www.w3.org/ns/activitystreams",{"@language":"it"}],"type":"Note","name":"Ciao","nameMap":{"fr":"Salut"}}`,
			map[string]string{"it": "Ciao", "fr": "Salut"}},
		{"plain alone", `{"type":"Note","name":"Hi"}`, map[string]string{"und": "Hi"}},
		{"none key", `{"type":"Note","nameMap":{"@none":"Hi","de":"Hallo"}}`, map[string]string{"und": "Hi", "de": "Hallo"}},
		{"draft form", `{"type":"Note","name":{"en":"Hi","fr":"Salut"}}`, map[string]string{"en": "Hi", "fr": "Salut"}},
		{"nothing", `{"type":"Note"}`, nil},
	}
	for _, tt := range tests {
		it := mustDecode(t, tt.doc)
		if diff := cmp.Diff(it.NameMap(), tt.want); diff != "" {
			t.Errorf("%s: NameMap() (-got +want):\n%s", tt.name, diff)
		}
	}
	it := mustDecode(t, `{"type":"Note","summaryMap":{"en":"S"},"contentMap":{"en":"C","pt-BR":"Olá"}}`)
	if diff := cmp.Diff(it.SummaryMap(), map[string]string{"en": "S"}); diff != "" {
		t.Errorf("SummaryMap() (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(it.ContentMap(), map[string]string{"en": "C", "pt-BR": "Olá"}); diff != "" {
		t.Errorf("ContentMap() (-got +want):\n%s", diff)
	}
}

func TestUnknownTypeIsKept(t *testing.T) {
	doc := `{"type":"Hashtag","id":"https://fr.example/tags/scop","name":"#scop"}`
	it := mustDecode(t, doc)
	if diff := cmp.Diff(it.Types(), []string{"Hashtag"}); diff != "" {
		t.Errorf("Types() (-got +want):\n%s", diff)
	}
	if it.AP() != nil {
		t.Errorf("AP() = %v, want nil for a type go-ap does not know", it.AP())
	}
	if got := it.ID(); got != "https://fr.example/tags/scop" {
		t.Errorf("ID() = %q", got)
	}
	if got := mustEncode(t, it); got != doc {
		t.Errorf("Encode() = %s, want %s", got, doc)
	}
}

func TestTypeArrays(t *testing.T) {
	doc := `{"type":["Article","Opportunity"],"id":"https://fr.example/opportunities/1","name":"Call"}`
	it := mustDecode(t, doc)
	if diff := cmp.Diff(it.Types(), []string{"Article", "Opportunity"}); diff != "" {
		t.Errorf("Types() (-got +want):\n%s", diff)
	}
	for _, typ := range []string{"Article", "as:Article", vocab.ActivityStreams + "#Article", "Opportunity", "etoiles:Opportunity", vocab.Namespace + "Opportunity"} {
		if !it.Is(typ) {
			t.Errorf("Is(%q) = false, want true", typ)
		}
	}
	if it.Is("Note") {
		t.Error(`Is("Note") = true, want false`)
	}
	if it.AP() == nil || it.AP().GetType() != ap.ArticleType || it.AP().GetID() != "https://fr.example/opportunities/1" {
		t.Errorf("AP() = %v, want a go-ap Article with the id", it.AP())
	}
	if got := mustEncode(t, it); got != doc {
		t.Errorf("Encode() = %s, want %s", got, doc)
	}
	// A prefixed type is shown to go-ap in its plain form.
	if it := mustDecode(t, `{"type":"as:Note","id":"https://fr.example/n/1","content":"x"}`); it.AP() == nil || it.AP().GetType() != ap.NoteType {
		t.Errorf("AP() of an as:Note = %v, want a go-ap Note", it.AP())
	}
}

func TestOneElementArraysStayArrays(t *testing.T) {
	doc := `{"type":"Note","id":"https://fr.example/n/1","attachment":[{"type":"Image","url":"https://fr.example/a.png"}],"to":["https://it.example/actor"],"object":["https://fr.example/x"]}`
	if got := mustEncode(t, mustDecode(t, doc)); got != doc {
		t.Errorf("Encode() = %s, want %s", got, doc)
	}
}

func TestExtraPropertiesAreKept(t *testing.T) {
	doc := `{"@context":["https://www.w3.org/ns/activitystreams",{"sensitive":"as:sensitive","Hashtag":"as:Hashtag"}],` +
		`"type":"Note","id":"https://fr.example/notes/1","content":"hi","sensitive":true,` +
		`"tag":[{"type":"Hashtag","name":"#scop","href":"https://fr.example/tags/scop"}],` +
		`"competences":["72413000"],"x:y":{"deep":[1,2.50,"3"]}}`
	it := mustDecode(t, doc)
	if got := mustEncode(t, it); got != doc {
		t.Errorf("Encode() = %s, want %s", got, doc)
	}
	var codes []string
	if err := it.Unmarshal("competences", &codes); err != nil || len(codes) != 1 || codes[0] != "72413000" {
		t.Errorf("Unmarshal(competences) = %v, %v", codes, err)
	}
	if err := it.Unmarshal("absent", &codes); !errors.Is(err, vocab.ErrAbsent) {
		t.Errorf("Unmarshal(absent) error = %v, want %v", err, vocab.ErrAbsent)
	}
	if got := string(it.Get("x:y")); got != `{"deep":[1,2.50,"3"]}` {
		t.Errorf("Get(x:y) = %s", got)
	}
	if diff := cmp.Diff(it.Terms(), []string{"@context", "type", "id", "content", "sensitive", "tag", "competences", "x:y"}); diff != "" {
		t.Errorf("Terms() (-got +want):\n%s", diff)
	}
}

func TestAccessors(t *testing.T) {
	it := mustDecode(t, `{"type":"Follow","id":"https://fr.example/follows/1",
		"actor":{"type":"Group","id":"https://fr.example/actor"},
		"object":"https://it.example/actor",
		"to":"https://it.example/actor","cc":[{"id":"https://es.example/actor"},{"name":"no id"}],
		"audience":["https://fr.example/peers"]}`)
	if got := it.Actor(); got != "https://fr.example/actor" {
		t.Errorf("Actor() = %q", got)
	}
	obj := it.Object()
	if obj == nil || !obj.IsIRI() || obj.ID() != "https://it.example/actor" || len(obj.Types()) != 0 {
		t.Errorf("Object() = %+v, want the IRI reference", obj)
	}
	if got, _ := vocab.Encode(obj); string(got) != `"https://it.example/actor"` {
		t.Errorf("Encode(Object()) = %s", got)
	}
	for name, tt := range map[string]struct{ got, want []string }{
		"To":       {it.To(), []string{"https://it.example/actor"}},
		"Cc":       {it.Cc(), []string{"https://es.example/actor"}},
		"Audience": {it.Audience(), []string{"https://fr.example/peers"}},
	} {
		if diff := cmp.Diff(tt.got, tt.want); diff != "" {
			t.Errorf("%s() (-got +want):\n%s", name, diff)
		}
	}
	two := mustDecode(t, `{"type":"Create","actor":["https://a.example/1","https://a.example/2"],"object":["https://a.example/n/1","https://a.example/n/2"]}`)
	if got := two.Actor(); got != "" {
		t.Errorf("Actor() with two actors = %q, want \"\"", got)
	}
	if got := two.Object(); got != nil {
		t.Errorf("Object() with two objects = %v, want nil", got)
	}
	if got := len(two.Items("object")); got != 2 {
		t.Errorf("len(Items(object)) = %d, want 2", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	deep := strings.Repeat(`{"a":`, vocab.MaxDepth-1) + "1" + strings.Repeat("}", vocab.MaxDepth-1)
	okDeep := `{"type":"Note","x":` + deep + `}`
	if _, err := vocab.Decode([]byte(okDeep)); err != nil {
		t.Errorf("Decode(depth %d) error: %v", vocab.MaxDepth, err)
	}
	tooDeep := `{"type":"Note","x":[` + deep + `]}`
	tests := []struct {
		name, doc string
		want      error
	}{
		{"too deep", tooDeep, vocab.ErrTooDeep},
		{"too deep array", `{"type":"Note","x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, vocab.ErrTooDeep},
		{"too large", `{"type":"Note","content":"` + strings.Repeat("a", vocab.MaxSize) + `"}`, vocab.ErrTooLarge},
		{"empty", ``, vocab.ErrSyntax},
		{"spaces", " \n", vocab.ErrSyntax},
		{"array", `[{"type":"Note"}]`, vocab.ErrNotObject},
		{"null", `null`, vocab.ErrNotObject},
		{"trailing comma", `{"type":"Note",}`, vocab.ErrSyntax},
		{"trailing data", `{"type":"Note"} {}`, vocab.ErrSyntax},
		{"single quotes", `{'type':'Note'}`, vocab.ErrSyntax},
		{"leading zero", `{"type":"Note","n":01}`, vocab.ErrSyntax},
		{"raw newline", "{\"type\":\"Note\",\"content\":\"a\nb\"}", vocab.ErrSyntax},
		{"bad escape", `{"type":"Note","content":"\x"}`, vocab.ErrSyntax},
		{"short unicode escape", `{"type":"Note","content":"\u12"}`, vocab.ErrSyntax},
		{"not UTF-8", "{\"type\":\"Note\",\"content\":\"\xff\"}", vocab.ErrSyntax},
		{"unterminated", `{"type":"Note"`, vocab.ErrSyntax},
		{"no type", `{"id":"https://fr.example/1"}`, vocab.ErrNoType},
		{"empty type", `{"type":""}`, vocab.ErrNoType},
		{"empty type array", `{"type":[]}`, vocab.ErrNoType},
		{"null type", `{"type":null}`, vocab.ErrNoType},
		{"duplicate", `{"type":"Note","id":"https://a.example/1","id":"https://b.example/2"}`, vocab.ErrInvalid},
		{"escaped duplicate", `{"type":"Note","id":"https://a.example/1","\u0069d":"https://b.example/2"}`, vocab.ErrInvalid},
		{"nested duplicate", `{"type":"Create","object":{"type":"Note","type":"Page"}}`, vocab.ErrInvalid},
		{"relative id", `{"type":"Note","id":"/notes/1"}`, vocab.ErrInvalid},
		{"relative href", `{"type":"Note","tag":[{"type":"Mention","href":"users/a"}]}`, vocab.ErrInvalid},
		{"number in to", `{"type":"Note","to":[1]}`, vocab.ErrInvalid},
		{"bool actor", `{"type":"Like","actor":true}`, vocab.ErrInvalid},
		{"number in type array", `{"type":["Note",1]}`, vocab.ErrInvalid},
		{"bad map tag", `{"type":"Note","contentMap":{"en_GB":"x"}}`, vocab.ErrInvalid},
		{"number in map", `{"type":"Note","contentMap":{"en":1}}`, vocab.ErrInvalid},
		{"number context", `{"@context":3,"type":"Note"}`, vocab.ErrInvalid},
		{"number in context array", `{"@context":["https://www.w3.org/ns/activitystreams",3],"type":"Note"}`, vocab.ErrInvalid},
		{"nested number id", `{"type":"Create","object":{"type":"Note","id":4}}`, vocab.ErrInvalid},
	}
	for _, tt := range tests {
		if _, err := vocab.Decode([]byte(tt.doc)); !errors.Is(err, tt.want) {
			t.Errorf("Decode(%s) error = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := (vocab.Decoder{MaxSize: 10}).Decode([]byte(`{"type":"Note"}`)); !errors.Is(err, vocab.ErrTooLarge) {
		t.Errorf("Decoder{MaxSize: 10}.Decode() error = %v, want %v", err, vocab.ErrTooLarge)
	}
	// Rules do not apply inside @context, and many keys are checked for
	// duplicates without quadratic cost.
	var b strings.Builder
	b.WriteString(`{"@context":{"id":{"@id":"@id","@type":"@id"},"name":3},"type":"Note"`)
	for i := range 5000 {
		b.WriteString(`,"k` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i) + `":1`)
	}
	b.WriteString(`}`)
	if _, err := vocab.Decode([]byte(b.String())); err != nil {
		t.Errorf("Decode(many keys) error: %v", err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}
