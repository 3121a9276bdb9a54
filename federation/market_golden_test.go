package federation

import (
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// emittedListings are the listings the marketplace golden files describe.
func emittedListings() (offer, purchase *node.Listing) {
	at := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	from, until := at.AddDate(0, 0, 29), at.AddDate(1, 0, 29)
	offer = &node.Listing{ID: "l-5f2a9c", Side: node.SideOffer, Kind: node.KindProduct,
		Title:       map[string]string{"fr": "Paquet de site SPIP avec formation et hotline", "en": "SPIP site package with training and hotline"},
		Description: map[string]string{"fr": "Un site SPIP prêt à l'emploi, deux jours de formation et un an de hotline.", "en": "A ready SPIP site, two days of training and a year of hotline."},
		CPV:         []string{"72413000", "80533100"}, Quantity: node.Quantity{Unit: "one", Value: 10}, Committed: 2,
		Price: &node.Price{Currency: "EUR", Amount: 150000, Per: 1}, AvailableFrom: &from, AvailableUntil: &until,
		Scope: node.ScopeInternational, Country: "FR", Region: "FR101", Owner: "atelier-spip", Status: node.ListingOpen,
		CreatedAt: at, UpdatedAt: at.Add(time.Hour)}
	deadline := time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC)
	purchase = &node.Listing{ID: "l-77e0d1", Side: node.SideNeed, Kind: node.KindGroupPurchase,
		Title: map[string]string{"en": "Group purchase of 10 laptops", "it": "Acquisto collettivo di 10 portatili"},
		CPV:   []string{"30213100"}, Quantity: node.Quantity{Unit: "one", Value: 10}, Committed: 6,
		Price: &node.Price{Currency: "EUR", Amount: 90000, Per: 1}, Deadline: &deadline,
		Scope: node.ScopeInternational, Country: "FR", Status: node.ListingOpen, CreatedAt: at, UpdatedAt: at}
	return offer, purchase
}

// TestEmittedMarketShapes checks the marketplace activities against the
// golden files in spec/examples/emitted (refresh with -update), and that
// reading them back gives the listing, the response and the agreement.
func TestEmittedMarketShapes(t *testing.T) {
	fr := &Federation{uris: URIs{Base: "https://fr.example"}}
	it := &Federation{uris: URIs{Base: "https://it.example"}}
	offer, purchase := emittedListings()
	shared := &node.Listing{ID: "l-0c11aa", Side: node.SideOffer, Kind: node.KindSharedService,
		Title: map[string]string{"fr": "Télésecrétariat partagé, 20 heures par mois"}, CPV: []string{"79512000"},
		Quantity: node.Quantity{Unit: "hour", Value: 20}, CostModel: &node.CostModel{Currency: "EUR", Amount: 120000, Rule: node.ShareAttribute, Attribute: "headcount"},
		Scope: node.ScopeNational, Country: "FR", Status: node.ListingOpen, CreatedAt: offer.CreatedAt, UpdatedAt: offer.CreatedAt}

	// it's member answers the offer; fr's owner accepts.
	remote := *offer
	remote.ID, remote.Origin, remote.APID = "l-5f2a9c@fr.example", fr.uris.Actor(), fr.uris.Listing(offer.ID)
	resp := &node.Response{ID: "r-3b8e40", ListingID: remote.ID, Responder: "coop-rete", Quantity: node.Quantity{Unit: "one", Value: 2},
		Terms: map[string]string{"en": "Delivery in January, training in Italian."}, Status: node.ResponsePending}
	offerAct := vocab.NewActivity("Offer", it.uris.OfferActivity(resp.ID), it.uris.Actor(), it.offerAgreement(resp, &remote)).
		SetTo(fr.uris.Actor()).SetPublished(offer.UpdatedAt)
	received := &node.Response{ID: "r-3b8e40@it.example", ListingID: offer.ID, Responder: "coop-rete@it.example", ResponderNode: it.uris.Actor(),
		Quantity: resp.Quantity, Status: node.ResponseAccepted, OfferID: it.uris.OfferActivity(resp.ID),
		Agreement: &node.Agreement{ID: "a-91c4d2", ListingID: offer.ID, Provider: "atelier-spip", Receiver: "coop-rete@it.example",
			Quantity: resp.Quantity, Amount: &node.Price{Currency: "EUR", Amount: 300000, Per: 2}, At: offer.UpdatedAt.Add(time.Hour)}}
	accept := vocab.NewActivity("Accept", fr.uris.EventActivity(57), fr.uris.Actor(), received.OfferID).
		Set("result", fr.agreementObject(received, offer)).SetTo(it.uris.Actor()).SetPublished(received.Agreement.At)
	reject := vocab.NewActivity("Reject", fr.uris.EventActivity(58), fr.uris.Actor(), received.OfferID).
		SetContent("en", map[string]string{"en": "listing l-5f2a9c is closed and takes no more responses"}).SetTo(it.uris.Actor()).SetPublished(received.Agreement.At)
	tomb := vocab.NewTombstone(fr.uris.Listing(offer.ID), "Proposal", offer.UpdatedAt).Set(revisionTerm, "1793611800000000000")

	shapes := map[string]*vocab.Builder{
		"proposal-offer":          fr.proposalObject(offer),
		"proposal-shared-service": fr.proposalObject(shared),
		"create-proposal":         vocab.NewActivity("Create", fr.uris.EventActivity(55), fr.uris.Actor(), fr.proposalObject(purchase)).SetPublished(purchase.UpdatedAt).SetTo(it.uris.Actor(), "https://es.example/actor"),
		"offer-agreement":         offerAct,
		"accept-agreement":        accept,
		"reject-offer":            reject,
		"delete-proposal":         vocab.NewActivity("Delete", fr.uris.EventActivity(59), fr.uris.Actor(), tomb).SetPublished(offer.UpdatedAt).SetTo(it.uris.Actor()),
	}
	docs := map[string][]byte{}
	for name, b := range shapes {
		want := checkGolden(t, name, b)
		docs[name] = want
	}
	decode := func(name string) *vocab.Item {
		t.Helper()
		it, err := vocab.Decode(docs[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return it
	}

	// What a peer reads back from a Proposal is the listing, under the
	// peer's local ids.
	for name, l := range map[string]*node.Listing{"proposal-offer": offer, "proposal-shared-service": shared, "create-proposal": purchase} {
		obj := decode(name)
		if obj.Is("Create") {
			obj = obj.Object()
		}
		got, err := remoteListing(obj, fr.uris.Actor())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := *l
		want.ID, want.Origin, want.APID, want.Revision = l.ID+"@fr.example", fr.uris.Actor(), fr.uris.Listing(l.ID), l.UpdatedAt.UnixNano()
		if l.Owner != "" {
			want.Owner = l.Owner + "@fr.example"
		}
		if diff := cmp.Diff(&want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s read back (-want +got):\n%s", name, diff)
		}
	}

	// fr reads the Offer into the response it records.
	offerItem := decode("offer-agreement")
	obj := offerItem.Object()
	var c wireCommitment
	if err := obj.Unmarshal("stipulates", &c); err != nil || c.Satisfies != fr.uris.Listing(offer.ID)+"#primary" {
		t.Errorf("offer stipulates %+v, %v", c, err)
	}
	if got := first(obj.IRIs("attributedTo")); got != it.uris.Member("coop-rete") {
		t.Errorf("offer attributedTo %s", got)
	}
	// it reads the Accept's agreement with its own ids.
	acc := decode("accept-agreement")
	res := acc.Items("result")
	if len(res) != 1 || acc.Object().ID() != it.uris.OfferActivity(resp.ID) {
		t.Fatalf("accept result %v, object %v", res, acc.Object())
	}
	gotAg, err := it.readAgreement(res[0], &node.Peer{ActorURL: fr.uris.Actor()})
	if err != nil {
		t.Fatal(err)
	}
	wantAg := *received.Agreement
	wantAg.ListingID, wantAg.Provider, wantAg.Receiver = "", "atelier-spip@fr.example", "coop-rete"
	wantAg.At = wantAg.At.Truncate(time.Second)
	if diff := cmp.Diff(&wantAg, gotAg); diff != "" {
		t.Errorf("agreement read back on it (-want +got):\n%s", diff)
	}
	// An agreement on another host than the answering peer is refused.
	if _, err := it.readAgreement(res[0], &node.Peer{ActorURL: "https://es.example/actor"}); err == nil {
		t.Error("an agreement served by another host was read")
	}
}
