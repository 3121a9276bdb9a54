package federation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	ap "github.com/go-ap/activitypub"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// emittedOpportunity is the opportunity the golden files describe.
func emittedOpportunity() *node.Opportunity {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	deadline := time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)
	o := &node.Opportunity{ID: "k3v9x2m4pq", APID: "https://fr.example/opportunities/k3v9x2m4pq", NodeCountry: "FR",
		Title:       map[string]string{"fr": "Site, hébergement et vidéo", "en": "Website, hosting and video"},
		Summary:     map[string]string{"fr": "Refonte accessible en deux lots.", "en": "Accessible redesign in two lots."},
		Description: map[string]string{"fr": "Une SCIC refond son site.\n\nLot 1 : site & hébergement.\nLot 2 : vidéos."},
		Languages:   []string{"fr", "en"},
		Competences: []node.RequiredCompetence{{CPV: "72413000", Lot: "LOT-0001"}, {CPV: "72415000", Lot: "LOT-0001"}, {CPV: "92111000", Lot: "LOT-0002"}, {CPV: "79822500"}},
		Lots: []node.Lot{{ID: "LOT-0001", Title: map[string]string{"fr": "Site et hébergement"}, CPV: []string{"72413000", "72415000"}},
			{ID: "LOT-0002", Title: map[string]string{"fr": "Vidéos"}, CPV: []string{"92111000"}}},
		Country: "FR", Region: "FR101", Deadline: &deadline, Value: &node.Amount{Amount: "90000.00", Currency: "EUR"},
		Flags:      node.Flags{SocialObjective: true, AccessibilityCriteria: true, SMESuitable: true},
		OpenAbroad: true, Lead: "atelier-numerique", LeadAPID: "https://fr.example/members/atelier-numerique", LeadName: "Atelier Numérique SCOP",
		Source: "123456-2026", Status: node.OpportunityForming,
		Consortium: []node.ConsortiumEntry{
			{Member: "atelier-numerique", MemberAPID: "https://fr.example/members/atelier-numerique", Name: "Atelier Numérique SCOP", Node: "https://fr.example/actor", Country: "FR", Role: node.RoleLeadEntity},
			{MemberAPID: "https://it.example/members/cooperativa-video", Name: "Cooperativa Video", Node: "https://it.example/actor", Country: "IT", Role: node.RoleGroupMember, Lots: []string{"LOT-0002"}},
		},
		CreatedAt: at, UpdatedAt: at.Add(time.Hour),
	}
	o.Normalize()
	return o
}

func emittedInterest() *node.Interest {
	return &node.Interest{ID: "p7c2w", Member: "cooperativa-video", MemberAPID: "https://it.example/members/cooperativa-video",
		MemberName: "Cooperativa Video", Node: "https://it.example/actor", Country: "IT", Lots: []string{"LOT-0002"},
		Competences: []string{"92111000"}, Role: node.RoleGroupMember, Message: map[string]string{"fr": "Nous réalisons les vidéos sous-titrées."},
		State: node.InterestPending, APID: "https://it.example/interests/p7c2w", CreatedAt: time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)}
}

// TestEmittedOpportunityShapes checks what federation sends for an
// opportunity, an interest and the lead's answer against the golden files
// in spec/examples/emitted, and reads them back. Refresh with -update.
func TestEmittedOpportunityShapes(t *testing.T) {
	fr := &Federation{uris: URIs{Base: "https://fr.example"}}
	it := &Federation{uris: URIs{Base: "https://it.example"}}
	o := emittedOpportunity()
	in := emittedInterest()
	peers := []string{"https://it.example/actor", "https://es.example/actor"}
	create := vocab.NewActivity("Create", fr.uris.EventActivity(44), fr.uris.Actor(), fr.opportunityObject(o)).SetPublished(o.UpdatedAt).SetTo(peers...)
	offer := vocab.NewActivity("Offer", it.offerID(in), it.uris.Actor(), it.interestObject(in, o.APID)).SetPublished(in.CreatedAt).SetTo(fr.uris.Actor())
	if a, ok := offer.AP().(*ap.Activity); ok {
		a.Target = ap.IRI(o.APID)
	}
	accept := vocab.NewActivity("Accept", fr.uris.Activity("accept-offer-"+shortHash(in.APID)), fr.uris.Actor(),
		vocab.NewActivity("Offer", it.offerID(in), it.uris.Actor(), in.APID)).SetTo(it.uris.Actor())
	tomb := vocab.NewTombstone(o.APID, "Opportunity", o.UpdatedAt).Set(revisionTerm, "1772445600000000000")
	del := vocab.NewActivity("Delete", fr.uris.EventActivity(45), fr.uris.Actor(), tomb).SetPublished(o.UpdatedAt).SetTo(peers...)
	shapes := map[string]*vocab.Builder{"opportunity": fr.opportunityObject(o), "create-opportunity": create,
		"offer-interest": offer, "accept-offer": accept, "delete-opportunity": del}
	docs := map[string][]byte{}
	for name, b := range shapes {
		want := checkGolden(t, name, b)
		docs[name] = want
	}

	// A peer reads the Create back into the same opportunity, owned by fr.
	act, err := vocab.Decode(docs["create-opportunity"])
	if err != nil {
		t.Fatal(err)
	}
	got, err := remoteOpportunity(act.Object(), fr.uris.Actor(), "FR", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := *o
	want.ID, want.Origin, want.Lead, want.Revision = "", fr.uris.Actor(), "", o.UpdatedAt.UnixNano()
	want.Consortium = append([]node.ConsortiumEntry(nil), o.Consortium...)
	want.Consortium[0].Member = ""
	sortComps := cmpopts.SortSlices(func(a, b node.RequiredCompetence) bool { return a.CPV < b.CPV })
	if diff := cmp.Diff(&want, got, cmpopts.EquateEmpty(), sortComps); diff != "" {
		t.Errorf("opportunity read back from the Create (-want +got):\n%s", diff)
	}

	// The Offer carries the interest, about the opportunity.
	offerIt, err := vocab.Decode(docs["offer-interest"])
	if err != nil {
		t.Fatal(err)
	}
	obj := offerIt.Object()
	var member, role string
	_ = obj.Unmarshal("member", &member)
	_ = obj.Unmarshal("role", &role)
	if !obj.Is("Interest") || member != in.MemberAPID || role != "groupMember" || first(offerIt.IRIs("target")) != o.APID ||
		plainText(obj.ContentMap())["fr"] != in.Message["fr"] {
		t.Errorf("Offer read back: interest %v member %s role %s target %v content %v", obj.Types(), member, role, offerIt.IRIs("target"), obj.ContentMap())
	}
}

func TestPlainTextRoundTrip(t *testing.T) {
	in := map[string]string{"fr": "Un & deux < trois.\nLigne deux.\n\nParagraphe deux."}
	h := htmlText(in)
	if want := "<p>Un &amp; deux &lt; trois.<br>Ligne deux.</p><p>Paragraphe deux.</p>"; h["fr"] != want {
		t.Errorf("htmlText = %q, want %q", h["fr"], want)
	}
	if diff := cmp.Diff(in, plainText(h)); diff != "" {
		t.Errorf("plainText(htmlText) (-want +got):\n%s", diff)
	}
}

// TestReadOpportunityExample reads the hand-written example of
// spec/examples, as another implementation would write it.
func TestReadOpportunityExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "spec", "examples", "opportunity.json"))
	if err != nil {
		t.Fatal(err)
	}
	it, err := vocab.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	o, err := remoteOpportunity(it, "https://fr.example/actor", "FR", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != node.OpportunityActive || len(o.Lots) != 2 || o.Lots[1].ID != "2" || o.Region != "FR101" ||
		o.Value.Amount != "120000.00" || o.Source != "2025-PARIS-MUT-017" || !o.Flags.SocialObjective || o.Flags.Reserved ||
		o.LeadAPID != "https://fr.example/members/atelier-numerique" || o.Title["en"] == "" || o.Description["fr"] == "" {
		t.Errorf("read %+v", o)
	}
	if diff := cmp.Diff([]string{"72413000", "79822500"}, o.CPVs()); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}

// TestRemoteOpportunityRefusals: a peer's opportunity that does not
// validate is refused whole.
func TestRemoteOpportunityRefusals(t *testing.T) {
	base := map[string]any{"id": "https://it.example/opportunities/1", "type": []string{"Article", "Opportunity"},
		"name": "Video", "cpvCodes": []string{"92111000"}, "country": "IT", "opportunityStatus": "active"}
	for name, change := range map[string]func(m map[string]any){
		"bad code":      func(m map[string]any) { m["cpvCodes"] = []string{"01234567"} },
		"no code":       func(m map[string]any) { delete(m, "cpvCodes") },
		"bad status":    func(m map[string]any) { m["opportunityStatus"] = "open" },
		"bad country":   func(m map[string]any) { m["country"] = "Italia" },
		"bad deadline":  func(m map[string]any) { m["deadline"] = "soon" },
		"bad currency":  func(m map[string]any) { m["estimatedValue"], m["currency"] = "10", "LIRE" },
		"won, no value": func(m map[string]any) { m["opportunityStatus"] = "won" },
	} {
		doc := map[string]any{}
		for k, v := range base {
			doc[k] = v
		}
		change(doc)
		b, _ := json.Marshal(doc)
		it, err := vocab.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := remoteOpportunity(it, "https://it.example/actor", "IT", time.Now()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	b, _ := json.Marshal(base)
	it, _ := vocab.Decode(b)
	if _, err := remoteOpportunity(it, "https://it.example/actor", "IT", time.Now()); err != nil {
		t.Errorf("the valid base: %v", err)
	}
}
