package vocab_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	ap "github.com/go-ap/activitypub"
	"github.com/google/go-cmp/cmp"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/spec"
)

var update = flag.Bool("update", false, "rewrite spec/examples from the builders")

const (
	frActor   = "https://fr.example/actor"
	itActor   = "https://it.example/actor"
	esActor   = "https://es.example/actor"
	memberID  = "https://fr.example/members/atelier-numerique"
	followID  = "https://fr.example/follows/5f0c6a1e-8d2b-4f7a-9c3e-2b1d0e9f8a7c"
	publicPEM = "-----BEGIN PUBLIC KEY-----\n" +
		"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyZeeHglSJQvtGny7XW/h\n" +
		"3iAls2cktDrokQUbTZILv1GjmpwceN32psRJBJ7hBsyMIbYXdo/m+3DTAd4DGpb3\n" +
		"lOZ7TXusAz1csevk6ApQcgS9ehEFuemCjJuEgrTvj3MW1Jft7vvKm6p05b6ldb+p\n" +
		"kl7sm6lhSoWfpRFLLPapUY6T/ZwOe1LeDyRkk5dfZROAt5+dT/qQJXI2wCltlE0d\n" +
		"2oFyCZxRMFOQw0FjwhsI6pExPmwlVO42UmNO51ucMWqjNNkkIAVHs+4jL0z/aZJj\n" +
		"jB6SnhHL0NN1mYQpB+RZckTxsQXsmhRGION2RNhnYWDWW1kXPgHhBXurpipJ9nx7\n" +
		"XQIDAQAB\n" +
		"-----END PUBLIC KEY-----\n"
	// credential is an illustrative admission credential (EdDSA JWT)
	// signed with a throw-away key.
	credential = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9." +
		"eyJpc3MiOiJodHRwczovL2NvbmZlZGVyYXRpb24uZXhhbXBsZS9hY3RvciIsInN1YiI6Imh0dHBzOi8vZnIuZXhhbXBsZS9hY3RvciIsImNvdW50cnkiOiJGUiIsIm5hbWUiOiJHcm91cGVtZW50IGNvb3DDqXJhdGlmIEZyYW5jZSIsImlhdCI6MTc0MDgxOTYwMCwiZXhwIjoxNzcyMzU1NjAwLCJqdGkiOiI0ZDNjMmIxYS0wZjllLTRjOGQtOWI3YS02ZTVmNGQzYzJiMWEifQ." +
		"Ax_QNly9yqdm7NiQwhDEjb8d7rvLQMSn9Z8CJ1B-RikeiJq2mXYLjz6TPNfDMnt9_XWklSuviMm_AgJ5RHijCg"
)

var (
	joined  = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	changed = time.Date(2025, 4, 15, 14, 30, 0, 0, time.UTC)
	left    = time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC)
)

func organization(updated bool) *vocab.Builder {
	b := vocab.NewObject("Organization", memberID).
		SetName("fr", map[string]string{
			"fr": "Atelier Numérique SCOP",
			"en": "Atelier Numérique worker co-operative",
			"it": "Atelier Numérique cooperativa di lavoro",
		}).
		SetSummary("fr", map[string]string{
			"fr": "Conception de sites web accessibles et design graphique, à Paris.",
			"en": "Accessible website design and graphic design, in Paris.",
			"it": "Progettazione di siti web accessibili e grafica, a Parigi.",
		}).
		SetURL("https://fr.example/annuaire/atelier-numerique").
		SetAttributedTo(frActor).
		SetPublished(joined).
		Set("competences", []string{"72413000", "79822500"}).
		Set("languages", []string{"fr", "en", "it"}).
		Set("country", "FR").
		Set("region", "FR101").
		Set("legalForm", "SCOP").
		Set("membershipStatus", "active").
		Set("tags", []string{"accessibilité", "web", "design"})
	if updated {
		b.SetUpdated(changed).Set("competences", []string{"72413000", "79822500", "72212000"})
	}
	return b
}

func follow() *vocab.Builder {
	return vocab.NewActivity("Follow", followID, frActor, itActor).SetTo(itActor)
}

func lot(n, cpv, value string, name map[string]string) *vocab.Builder {
	return vocab.NewObject("Lot", "https://fr.example/opportunities/2025-017/lots/"+n).
		SetName("fr", name).
		Set("cpvCodes", []string{cpv}).
		Set("estimatedValue", value)
}

func opportunity() *vocab.Builder {
	return vocab.NewObject("Article", "https://fr.example/opportunities/2025-017").
		AddType("Opportunity").
		SetName("fr", map[string]string{
			"fr": "Refonte accessible du site d'une mutuelle",
			"en": "Accessible redesign of a mutual insurer's website",
		}).
		SetSummary("fr", map[string]string{
			"fr": "Marché public en deux lots, Paris, remise des offres le 30 juin 2025.",
			"en": "Public contract in two lots, Paris, tenders due 30 June 2025.",
		}).
		SetContent("fr", map[string]string{
			"fr": "<p>Une mutuelle parisienne refond son site public selon le RGAA 4.1.</p><ul><li>Lot 1 : conception et développement</li><li>Lot 2 : identité graphique</li></ul>",
			"en": "<p>A Paris mutual insurer is rebuilding its public website to WCAG 2.1 AA.</p><ul><li>Lot 1: design and development</li><li>Lot 2: visual identity</li></ul>",
		}).
		SetURL("https://fr.example/opportunites/2025-017").
		SetAttributedTo(memberID).
		SetPublished(changed).
		SetTo(itActor, esActor).
		Set("cpvCodes", []string{"72413000", "79822500"}).
		Set("placeOfPerformance", []string{"FR101"}).
		Set("deadline", time.Date(2025, 6, 30, 16, 0, 0, 0, time.UTC)).
		Set("estimatedValue", "120000.00").
		Set("currency", "EUR").
		Set("lots", []*vocab.Builder{
			lot("1", "72413000", "90000.00", map[string]string{"fr": "Conception et développement", "en": "Design and development"}),
			lot("2", "79822500", "30000.00", map[string]string{"fr": "Identité graphique", "en": "Visual identity"}),
		}).
		Set("reservedExecution", "no").
		Set("socialObjective", true).
		Set("accessibilityCriteria", true).
		Set("suitableForSME", true).
		Set("sourceReference", "2025-PARIS-MUT-017").
		Set("opportunityStatus", "active")
}

// shapes builds each document a node emits, by example file name.
var shapes = map[string]func() *vocab.Builder{
	"organization": func() *vocab.Builder { return organization(false) },
	"create-organization": func() *vocab.Builder {
		return vocab.NewActivity("Create", "https://fr.example/activities/0c1e7d52-3b9a-4a43-8f15-9d2e6b7a1c30", frActor, organization(false)).
			SetTo(itActor, esActor).SetPublished(joined)
	},
	"update-organization": func() *vocab.Builder {
		return vocab.NewActivity("Update", "https://fr.example/activities/6a8f2c14-7e0b-4d39-a5c1-3f9b8e2d4a67", frActor, organization(true)).
			SetTo(itActor, esActor).SetPublished(changed)
	},
	"delete-organization": func() *vocab.Builder {
		return vocab.NewActivity("Delete", "https://fr.example/activities/b41d9e06-2c7f-4e85-9a3b-0d6c1f8e5a92", frActor,
			vocab.NewTombstone(memberID, "Organization", left)).
			SetTo(itActor, esActor).SetPublished(left)
	},
	"follow": follow,
	"accept-follow": func() *vocab.Builder {
		return vocab.NewActivity("Accept", "https://it.example/activities/3e7b1f90-5d2c-4a86-b0e4-8c9a6d1f2e53", itActor, follow()).
			SetTo(frActor)
	},
	"reject-follow": func() *vocab.Builder {
		return vocab.NewActivity("Reject", "https://it.example/activities/9d2a4c67-1b8e-4f30-8e5d-7a6c3b0f1e24", itActor, follow()).
			SetTo(frActor)
	},
	"group-actor": func() *vocab.Builder {
		return vocab.NewObject("Group", frActor).
			SetPreferredUsername("group").
			SetName("fr", map[string]string{
				"fr": "Groupement coopératif France",
				"en": "Co-operative group France",
			}).
			SetSummary("fr", map[string]string{
				"fr": "Le réseau national des coopératives de travail, membre de la confédération.",
				"en": "The national network of worker co-operatives, member of the confederation.",
			}).
			SetURL("https://fr.example/").
			SetPublished(joined).
			SetEndpoints(vocab.Endpoints{
				Inbox:       frActor + "/inbox",
				Outbox:      frActor + "/outbox",
				Followers:   frActor + "/followers",
				Following:   frActor + "/following",
				SharedInbox: "https://fr.example/inbox",
			}).
			SetPublicKey(frActor+"#main-key", frActor, publicPEM).
			Set("admissionCredential", credential).
			Set("country", "FR").
			Set("languages", []string{"fr"})
	},
	"opportunity": opportunity,
}

func examplePath(name string) string {
	return filepath.Join("..", "..", "spec", "examples", name+".json")
}

func TestGolden(t *testing.T) {
	for name, build := range shapes {
		t.Run(name, func(t *testing.T) {
			got, err := build().Marshal()
			if err != nil {
				t.Fatalf("Marshal() error: %v", err)
			}
			if *update {
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, got, "", "  "); err != nil {
					t.Fatal(err)
				}
				pretty.WriteByte('\n')
				if err := os.WriteFile(examplePath(name), pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(examplePath(name))
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if diff := cmp.Diff(string(mustNormalize(t, got)), string(mustNormalize(t, want))); diff != "" {
				t.Errorf("Marshal() differs from %s (-got +want):\n%s", examplePath(name), diff)
			}
			// The example is Marshal's output, indented: the same bytes
			// once compacted.
			var compact bytes.Buffer
			if err := json.Compact(&compact, want); err != nil {
				t.Fatal(err)
			}
			if compact.String() != string(got) {
				t.Errorf("Marshal() = %s\nwant the compacted example %s", got, compact.String())
			}
		})
	}
	// Every example has a builder.
	files, err := fs.Glob(spec.Examples, "examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := shapes[strings.TrimSuffix(filepath.Base(f), ".json")]; !ok {
			t.Errorf("%s has no builder in shapes", f)
		}
	}
}

func mustExample(t *testing.T, name string) *vocab.Item {
	t.Helper()
	data, err := spec.Examples.ReadFile("examples/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	it, err := vocab.Decode(data)
	if err != nil {
		t.Fatalf("Decode(%s) error: %v", name, err)
	}
	out, err := vocab.Encode(it)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(mustNormalize(t, out)), string(mustNormalize(t, data))); diff != "" {
		t.Errorf("%s: round trip (-got +want):\n%s", name, diff)
	}
	return it
}

func TestExamplesDecode(t *testing.T) {
	files, err := fs.Glob(spec.Examples, "examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	sort.Strings(names)
	var want []string
	for name := range shapes {
		want = append(want, name)
	}
	sort.Strings(want)
	if diff := cmp.Diff(names, want); diff != "" {
		t.Errorf("spec/examples (-got +want):\n%s", diff)
	}
	for _, name := range names {
		it := mustExample(t, name)
		var ctx bytes.Buffer
		if err := json.Compact(&ctx, it.Get("@context")); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(ctx.Bytes(), []byte(`["`+vocab.ActivityStreams+`","`+vocab.SecurityV1+`",{`)) {
			t.Errorf("%s: @context = %s", name, ctx.Bytes())
		}
	}
}

func TestExampleValues(t *testing.T) {
	org := mustExample(t, "organization")
	if !org.Is("Organization") || org.ID() != memberID {
		t.Errorf("organization: Types() = %v, ID() = %q", org.Types(), org.ID())
	}
	if _, ok := org.AP().(*ap.Actor); !ok {
		t.Errorf("organization: AP() = %T, want *activitypub.Actor", org.AP())
	}
	wantNames := map[string]string{
		"fr": "Atelier Numérique SCOP",
		"en": "Atelier Numérique worker co-operative",
		"it": "Atelier Numérique cooperativa di lavoro",
	}
	if diff := cmp.Diff(org.NameMap(), wantNames); diff != "" {
		t.Errorf("organization: NameMap() (-got +want):\n%s", diff)
	}
	if got := len(org.SummaryMap()); got != 3 {
		t.Errorf("organization: SummaryMap() has %d languages, want 3", got)
	}
	var member struct {
		Competences []string `json:"competences"`
		Country     string   `json:"country"`
		Region      string   `json:"region"`
		LegalForm   string   `json:"legalForm"`
	}
	for term, dst := range map[string]any{"competences": &member.Competences, "country": &member.Country, "region": &member.Region, "legalForm": &member.LegalForm} {
		if err := org.Unmarshal(term, dst); err != nil {
			t.Errorf("organization: Unmarshal(%s) error: %v", term, err)
		}
	}
	if diff := cmp.Diff(member.Competences, []string{"72413000", "79822500"}); diff != "" || member.Country != "FR" || member.Region != "FR101" || member.LegalForm != "SCOP" {
		t.Errorf("organization: extension terms = %+v", member)
	}

	for _, name := range []string{"create-organization", "update-organization"} {
		act := mustExample(t, name)
		if act.Actor() != frActor {
			t.Errorf("%s: Actor() = %q", name, act.Actor())
		}
		if diff := cmp.Diff(act.To(), []string{itActor, esActor}); diff != "" {
			t.Errorf("%s: To() (-got +want):\n%s", name, diff)
		}
		obj := act.Object()
		if obj == nil || !obj.Is("Organization") || obj.NameMap()["it"] == "" {
			t.Fatalf("%s: Object() = %v, want the Organization with an Italian name", name, obj)
		}
		var codes []string
		if err := obj.Unmarshal("competences", &codes); err != nil || len(codes) < 2 {
			t.Errorf("%s: object competences = %v, %v", name, codes, err)
		}
	}

	del := mustExample(t, "delete-organization")
	if tomb := del.Object(); tomb == nil || !tomb.Is("Tombstone") || tomb.ID() != memberID || string(tomb.Get("formerType")) != `"Organization"` {
		t.Errorf("delete-organization: Object() = %v", tomb)
	}

	f := mustExample(t, "follow")
	if obj := f.Object(); !f.Is("Follow") || obj == nil || !obj.IsIRI() || obj.ID() != itActor {
		t.Errorf("follow: Object() = %v, want the IRI %s", obj, itActor)
	}
	for _, name := range []string{"accept-follow", "reject-follow"} {
		a := mustExample(t, name)
		obj := a.Object()
		if a.Actor() != itActor || obj == nil || !obj.Is("Follow") || obj.ID() != followID || obj.Actor() != frActor {
			t.Errorf("%s: Actor() = %q, Object() = %v", name, a.Actor(), obj)
		}
	}

	g := mustExample(t, "group-actor")
	actor, ok := g.AP().(*ap.Actor)
	if !ok {
		t.Fatalf("group-actor: AP() = %T, want *activitypub.Actor", g.AP())
	}
	if actor.Inbox.GetLink() != frActor+"/inbox" || actor.Endpoints == nil || actor.Endpoints.SharedInbox.GetLink() != "https://fr.example/inbox" ||
		actor.PublicKey.ID != frActor+"#main-key" || actor.PublicKey.PublicKeyPem != publicPEM {
		t.Errorf("group-actor: go-ap actor = inbox %v, endpoints %v, key %v", actor.Inbox, actor.Endpoints, actor.PublicKey.ID)
	}
	var cred string
	if err := g.Unmarshal("admissionCredential", &cred); err != nil || cred != credential {
		t.Errorf("group-actor: admissionCredential = %q, %v", cred, err)
	}

	o := mustExample(t, "opportunity")
	if diff := cmp.Diff(o.Types(), []string{"Article", "Opportunity"}); diff != "" {
		t.Errorf("opportunity: Types() (-got +want):\n%s", diff)
	}
	if o.AP() == nil || o.AP().GetType() != ap.ArticleType {
		t.Errorf("opportunity: AP() = %v, want a go-ap Article", o.AP())
	}
	if cm := o.ContentMap(); cm["fr"] == "" || cm["en"] == "" || string(o.Get("content")) == "" {
		t.Errorf("opportunity: ContentMap() = %v", cm)
	}
	lots := o.Items("lots")
	if len(lots) != 2 || !lots[0].Is("Lot") || lots[1].NameMap()["en"] != "Visual identity" {
		t.Fatalf("opportunity: lots = %v", lots)
	}
	var deadline time.Time
	if err := o.Unmarshal("deadline", &deadline); err != nil || !deadline.Equal(time.Date(2025, 6, 30, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("opportunity: deadline = %v, %v", deadline, err)
	}
}
