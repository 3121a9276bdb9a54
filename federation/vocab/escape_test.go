package vocab_test

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/e-toiles/etoiles/federation/vocab"
)

// hostile holds values that broke the go-ap writer (issue #22): a quote
// that closes the string and adds members, a backslash before a quote,
// markup, control characters and Unicode line separators.
var hostile = []string{
	`https://ok.example/","legalForm":"INJECTED`,
	`https://ok.example/","id":"https://fr.example/members/other`,
	`https://ok.example/\","type":"Opportunity`,
	`https://ok.example/a>b<c&d`,
	"https://ok.example/\x00\x01\t\n\u2028\u2029",
	`https://ok.example/\`,
	"https://ok.example/é✓😀",
}

// randomText returns a string mixing JSON and HTML metacharacters, control
// characters and Unicode.
func randomText(r *rand.Rand) string {
	parts := []string{`"`, `\`, `\"`, `<`, `>`, `&`, "\x00", "\x1f", "\t", "\n", "\u2028", "é", "😀", "a", "b", "}", "{", ",", ":", " "}
	var b bytes.Buffer
	for n := r.Intn(12); n >= 0; n-- {
		b.WriteString(parts[r.Intn(len(parts))])
	}
	return b.String()
}

// TestBuilderEscapesEveryGoAPString writes hostile strings in every go-ap
// property the Builder sets and checks that the document decodes to
// exactly those strings, with no member added or replaced.
func TestBuilderEscapesEveryGoAPString(t *testing.T) {
	r := rand.New(rand.NewSource(22))
	values := append([]string(nil), hostile...)
	for i := 0; i < 200; i++ {
		values = append(values, randomText(r))
	}
	for _, s := range values {
		obj := vocab.NewObject("Organization", "https://fr.example/members/1"+s).
			SetURL(s).SetAttributedTo(s).SetTo(s).SetCc(s, s).
			SetName("fr", map[string]string{"fr": s}).
			SetPreferredUsername(s).
			SetEndpoints(vocab.Endpoints{Inbox: s, Outbox: s, Followers: s, Following: s, SharedInbox: s}).
			SetPublicKey(s, s, s).
			Set("legalForm", "SCOP")
		out, err := vocab.NewActivity("Update", "https://fr.example/a/1"+s, "https://fr.example/actor"+s, obj).
			SetPublished(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)).Marshal()
		if err != nil {
			t.Fatalf("Marshal(%q): %v", s, err)
		}
		var got map[string]any
		d := json.NewDecoder(bytes.NewReader(out))
		if err := d.Decode(&got); err != nil {
			t.Fatalf("Marshal(%q) wrote invalid JSON: %v\n%s", s, err, out)
		}
		w := s
		wantObj := map[string]any{
			"id": "https://fr.example/members/1" + w, "type": "Organization",
			"url": w, "attributedTo": w, "to": []any{w}, "cc": []any{w, w},
			"name": w, "nameMap": map[string]any{"fr": w}, "preferredUsername": w,
			"inbox": w, "outbox": w, "followers": w, "following": w,
			"endpoints":         map[string]any{"sharedInbox": w},
			"publicKey":         map[string]any{"id": w, "owner": w, "publicKeyPem": w},
			"etoiles:legalForm": "SCOP",
		}
		delete(got, "@context")
		want := map[string]any{
			"id": "https://fr.example/a/1" + w, "type": "Update", "actor": "https://fr.example/actor" + w,
			"published": "2026-01-02T03:04:05Z", "object": wantObj,
		}
		if o, ok := got["object"].(map[string]any); ok {
			if v, ok := o["legalForm"]; ok {
				o["etoiles:legalForm"] = v
				delete(o, "legalForm")
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Marshal(%q) decodes to other values (-want +got):\n%s\n%s", s, diff, out)
		}
	}
}
