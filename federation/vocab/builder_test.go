package vocab_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	ap "github.com/go-ap/activitypub"
	"github.com/google/go-cmp/cmp"

	"github.com/e-toiles/etoiles/federation/vocab"
)

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		name    string
		b       *vocab.Builder
		wantErr string
	}{
		{"unknown term", vocab.NewObject("Organization", memberID).Set("competence", []string{"1"}), `"competence" is not a term`},
		{"no default language", vocab.NewObject("Note", "https://fr.example/n/1").SetName("de", map[string]string{"fr": "x"}), `default language "de"`},
		{"bad language", vocab.NewObject("Note", "https://fr.example/n/1").SetContent("fr", map[string]string{"fr": "x", "fr_FR": "y"}), `"fr_FR" is not a language tag`},
		{"endpoints on a note", vocab.NewObject("Note", "https://fr.example/n/1").SetEndpoints(vocab.Endpoints{Inbox: "https://fr.example/i"}), "not an actor"},
		{"key on a note", vocab.NewObject("Note", "https://fr.example/n/1").SetPublicKey("k", "o", "p"), "not an actor"},
		{"not an activity", vocab.NewActivity("Note", "https://fr.example/n/1", frActor, itActor), "not an activity"},
		{"bad object", vocab.NewActivity("Follow", followID, frActor, 42), "activity object of type int"},
		{"no id", vocab.NewObject("Note", ""), "without id"},
		{"object setter on a link", vocab.NewObject("Mention", "https://fr.example/m/1").SetTo(itActor), "is a link"},
		{"unencodable value", vocab.NewObject("Note", "https://fr.example/n/1").Set("x:f", func() {}), "x:f"},
	}
	for _, tt := range tests {
		_, err := tt.b.Marshal()
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Marshal() error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
		if _, err := tt.b.MarshalJSON(); err == nil {
			t.Errorf("%s: MarshalJSON() error = nil", tt.name)
		}
	}
}

func TestBuilderRoundTrip(t *testing.T) {
	names := map[string]string{"fr": "Journée <b>coopérative</b>", "en": "Co-op day", "it": "Giornata\u2028cooperativa\x01"}
	b := vocab.NewObject("Event", "https://fr.example/events/1").
		SetName("fr", names).
		SetTo(vocab.Public).
		Set("timezone", "Europe/Paris").
		Set("eventStatus", "EventCancelled").
		Set("maximumAttendeeCapacity", 40).
		Set("sensitive", false).
		Set("x:custom", "kept").
		Set("tags", []string{"dropped"}).
		Set("tags", nil)
	b.AP().(*ap.Object).StartTime = time.Date(2025, 5, 20, 9, 0, 0, 0, time.UTC)
	out, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`"name":"Journée <b>coopérative</b>"`, // HTML is not escaped
		`Giornata\u2028cooperativa\u0001`,
		`"to":["https://www.w3.org/ns/activitystreams#Public"]`,
		`"EventCancelled":"https://w3id.org/fep/8a8e/EventCancelled"`,
		`"timezone":"https://w3id.org/fep/8a8e/timezone"`,
		`"startTime":"2025-05-20T09:00:00Z"`,
		`"x:custom":"kept"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Marshal() = %s\nwant it to contain %s", s, want)
		}
	}
	if strings.Contains(s, `"tags"`) {
		t.Errorf("Marshal() = %s, want tags removed", s)
	}
	it, err := vocab.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(it.NameMap(), names); diff != "" {
		t.Errorf("NameMap() (-got +want):\n%s", diff)
	}
	var capacity int
	if err := it.Unmarshal("maximumAttendeeCapacity", &capacity); err != nil || capacity != 40 {
		t.Errorf("maximumAttendeeCapacity = %d, %v", capacity, err)
	}
	// MarshalJSON gives the same document without @context.
	inner, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(inner), "@context") || !strings.HasPrefix(string(inner), `{"id":"https://fr.example/events/1","type":"Event",`) {
		t.Errorf("MarshalJSON() = %s", inner)
	}
}

func TestActivityEmbedsDecodedItem(t *testing.T) {
	remote := mustDecode(t, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://it.example/follows/1","type":"Follow",`+
		`"actor":"https://it.example/actor","object":"https://fr.example/actor","x:extra":[1]}`)
	out, err := vocab.NewActivity("Accept", "https://fr.example/activities/1", frActor, remote).SetTo(itActor).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	it := mustDecode(t, string(out))
	obj := it.Object()
	if obj == nil || !obj.Is("Follow") || string(obj.Get("x:extra")) != "[1]" || obj.Actor() != "https://it.example/actor" {
		t.Errorf("Object() = %v in %s", obj, out)
	}
	if act, ok := it.AP().(*ap.Activity); !ok || act.Object == nil || act.Object.GetType() != ap.FollowType {
		t.Errorf("AP() = %v", it.AP())
	}
	// A go-ap value works as an object too.
	note := ap.ObjectNew(ap.NoteType)
	note.ID = "https://fr.example/notes/1"
	out, err = vocab.NewActivity("Create", "https://fr.example/activities/2", frActor, note).Marshal()
	if err != nil || !strings.Contains(string(out), `"object":{"id":"https://fr.example/notes/1","type":"Note"}`) {
		t.Errorf("Marshal() = %s, %v", out, err)
	}
}

func TestLinkBuilder(t *testing.T) {
	out, err := vocab.NewObject("Mention", "https://fr.example/m/1").Marshal()
	if err != nil || !strings.Contains(string(out), `"id":"https://fr.example/m/1","type":"Mention"`) {
		t.Errorf("Marshal() = %s, %v", out, err)
	}
}

func TestTerms(t *testing.T) {
	terms := vocab.Terms()
	for _, want := range []string{"competences", "Opportunity", "admissionCredential", "sensitive", "joinMode", "StatsReport"} {
		found := false
		for _, term := range terms {
			found = found || term == want
		}
		if !found {
			t.Errorf("Terms() = %v, want %q among them", terms, want)
		}
	}
	for _, term := range terms {
		if term == "etoiles" || term == "as" || term == "xsd" {
			t.Errorf("Terms() lists the prefix %q", term)
		}
	}
}

// TestConcurrentUse runs decoding and encoding in parallel; under -race it
// guards against the data race of older go-ap/jsonld releases.
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				it, err := vocab.Decode([]byte(mastodonCreate))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := ap.MarshalJSON(it.AP()); err != nil {
					t.Error(err)
				}
				for _, build := range shapes {
					if _, err := build().Marshal(); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
}
