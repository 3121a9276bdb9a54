package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

// Market is what federation needs from the marketplace service: it
// applies the listings, Offers and answers that peers send.
type Market interface {
	// UpsertRemote stores a peer's listing (Create or Update).
	UpsertRemote(ctx context.Context, l *node.Listing) error
	// DeleteRemote removes a listing its origin withdrew.
	DeleteRemote(ctx context.Context, origin, apID string, revision int64) error
	// ReceiveOffer records a remote member's response to a local listing.
	ReceiveOffer(ctx context.Context, listingID string, r *node.Response) error
	// ReceiveAnswer applies the origin's Accept or Reject of a local
	// member's response.
	ReceiveAnswer(ctx context.Context, responseID, origin string, accept bool, ag *node.Agreement, reason string) error
	// LocalListings returns the node's own listings, for a new peer.
	LocalListings(ctx context.Context) ([]*node.Listing, error)
	// Get returns a listing by its local id.
	Get(ctx context.Context, id string) (*node.Listing, error)
	// PurgeRemoteOf removes every listing of a peer that was blocked or
	// whose admission ended.
	PurgeRemoteOf(ctx context.Context, origin string) error
}

// SubjectListings are the marketplace events federation sends on.
const SubjectListings = "etoiles.event.listing.>"

// Listing is the Proposal object of a local listing.
func (u URIs) Listing(id string) string { return u.Base + "/listings/" + url.PathEscape(id) }

// Agreement is the Agreement object an accepted response made.
func (u URIs) Agreement(id string) string { return u.Base + "/agreements/" + url.PathEscape(id) }

// offerPrefix starts the id of the Offer a local response is sent as.
const offerPrefix = "offer-"

// OfferActivity is the id of the Offer(Agreement) a local response is
// sent as; the answering Accept or Reject names it as its object.
func (u URIs) OfferActivity(responseID string) string { return u.Activity(offerPrefix + responseID) }

// lastSegment returns the unescaped last path segment of an IRI.
func lastSegment(iri string) string {
	p, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	path := strings.TrimSuffix(p.Path, "/")
	return path[strings.LastIndexByte(path, '/')+1:]
}

// fanOutListing sends marketplace events: a local listing's creation,
// change and withdrawal go to every business peer (Create, Update, Delete
// of a Proposal; never to public followers); a local member's response
// goes to the listing's node as an Offer of an Agreement; an owner's
// answer goes back to the responder's node as an Accept (with the
// agreement as result) or a Reject.
func (f *Federation) fanOutListing(ctx context.Context, data []byte) error {
	var ev node.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return &permanentError{fmt.Errorf("event: %w", err)}
	}
	switch ev.Subject {
	case node.SubjectResponseOffered, node.SubjectResponseAnswered:
		var re node.ResponseEvent
		if err := json.Unmarshal(ev.Data, &re); err != nil || re.Response == nil || re.Listing == nil {
			return &permanentError{fmt.Errorf("event %d: bad response data: %v", ev.ID, err)}
		}
		if ev.Subject == node.SubjectResponseOffered {
			return f.sendListingOffer(ctx, re.Response, re.Listing)
		}
		return f.sendListingAnswer(ctx, ev, re.Response, re.Listing)
	}
	var l node.Listing
	if err := json.Unmarshal(ev.Data, &l); err != nil {
		return &permanentError{fmt.Errorf("event %d: %w", ev.ID, err)}
	}
	if l.Origin != "" {
		return nil
	}
	id := f.uris.EventActivity(ev.ID)
	var act *vocab.Builder
	switch ev.Subject {
	case node.SubjectListingCreated:
		act = vocab.NewActivity("Create", id, f.uris.Actor(), f.proposalObject(&l))
	case node.SubjectListingUpdated:
		act = vocab.NewActivity("Update", id, f.uris.Actor(), f.proposalObject(&l))
	case node.SubjectListingDeleted:
		tomb := vocab.NewTombstone(f.uris.Listing(l.ID), "Proposal", ev.Time).Set(revisionTerm, strconv.FormatInt(l.UpdatedAt.UnixNano(), 10))
		act = vocab.NewActivity("Delete", id, f.uris.Actor(), tomb)
	default:
		return nil
	}
	act.SetPublished(ev.Time)
	peers, err := f.businessPeers(ctx)
	if err != nil {
		return err
	}
	return f.publish(ctx, id, act, peers, false)
}

// ServeListing answers GET /listings/{id} with the Proposal of a local
// listing, to a GET signed by an allowed peer only (401 unsigned, 403 for
// anyone else): the marketplace is network-internal, like the catalogue.
// The composition root registers it beside Register's routes.
func (f *Federation) ServeListing(w http.ResponseWriter, r *http.Request) {
	if _, status, err := f.verifyPeerGet(r); err != nil {
		writeProblem(w, status, err.Error())
		return
	}
	if f.cfg.Market == nil {
		writeProblem(w, 404, "no such listing")
		return
	}
	l, err := f.cfg.Market.Get(r.Context(), r.PathValue("id"))
	if err != nil || l.Origin != "" {
		writeProblem(w, 404, "no such listing")
		return
	}
	body, err := f.proposalObject(l).Marshal()
	if err != nil {
		writeProblem(w, 500, "the listing could not be serialised")
		return
	}
	writeAP(w, 200, body)
}

// backfillListings sends a newly accepted peer a Create for every local
// listing, so that its marketplace starts complete. The activity ids are
// stable per listing version, peer and follow (see backfill).
func (f *Federation) backfillListings(ctx context.Context, peer *node.Peer, epoch string) error {
	if f.cfg.Market == nil {
		return nil
	}
	ls, err := f.cfg.Market.LocalListings(ctx)
	if err != nil {
		return err
	}
	for _, l := range ls {
		id := f.uris.Activity("backfill-" + shortHash(peer.ActorURL+"|"+epoch+"|"+l.ID+"|"+strconv.FormatInt(l.UpdatedAt.UnixNano(), 10)))
		act := vocab.NewActivity("Create", id, f.uris.Actor(), f.proposalObject(l)).SetPublished(l.UpdatedAt).SetTo(peer.ActorURL)
		body, err := act.Marshal()
		if err != nil {
			_ = f.unbuilt(ctx, id, err, peer) // the other objects still go
			continue
		}
		if err := f.deliverTo(ctx, id, body, []*node.Peer{peer}); err != nil {
			return err
		}
	}
	return nil
}

// sendTo delivers one activity to one peer, keeping it in the outbox.
func (f *Federation) sendTo(ctx context.Context, id string, act *vocab.Builder, peer *node.Peer) error {
	act.SetTo(peer.ActorURL).SetPublished(f.now())
	body, err := act.Marshal()
	if err != nil {
		return f.unbuilt(ctx, id, err, peer)
	}
	if err := f.store.AddOutboxItem(ctx, node.OutboxItem{ActivityID: id, Body: body, Published: f.now().UTC()}); err != nil {
		return err
	}
	return f.deliverTo(ctx, id, body, []*node.Peer{peer})
}

// marketPeer returns the trusted peer with this actor, or a permanent
// error: marketplace activities go to admitted or allowed peers only.
func (f *Federation) marketPeer(ctx context.Context, actor string) (*node.Peer, error) {
	peer, err := f.store.PeerByActor(ctx, actor)
	if node.ErrorCode(err) == node.ENOTFOUND || err == nil && !peer.Trusted() {
		return nil, &permanentError{fmt.Errorf("%s is not a trusted peer", actor)}
	}
	return peer, err
}

func (f *Federation) sendListingOffer(ctx context.Context, r *node.Response, l *node.Listing) error {
	peer, err := f.marketPeer(ctx, l.Origin)
	if err != nil {
		return err
	}
	id := f.uris.OfferActivity(r.ID)
	return f.sendTo(ctx, id, vocab.NewActivity("Offer", id, f.uris.Actor(), f.offerAgreement(r, l)), peer)
}

func (f *Federation) sendListingAnswer(ctx context.Context, ev node.Event, r *node.Response, l *node.Listing) error {
	peer, err := f.marketPeer(ctx, r.ResponderNode)
	if err != nil {
		return err
	}
	id := f.uris.EventActivity(ev.ID)
	if r.Status == node.ResponseAccepted && r.Agreement != nil {
		act := vocab.NewActivity("Accept", id, f.uris.Actor(), r.OfferID).Set("result", f.agreementObject(r, l))
		return f.sendTo(ctx, id, act, peer)
	}
	act := vocab.NewActivity("Reject", id, f.uris.Actor(), r.OfferID)
	if r.Reason != "" {
		act.SetContent("en", map[string]string{"en": r.Reason})
	}
	return f.sendTo(ctx, id, act, peer)
}

// wireQuantity is an om2 quantity as FEP-0837 writes it.
type wireQuantity struct {
	HasUnit           string `json:"hasUnit"`
	HasNumericalValue string `json:"hasNumericalValue"`
}

func quantityOf(unit string, v int64) wireQuantity {
	return wireQuantity{HasUnit: unit, HasNumericalValue: strconv.FormatInt(v, 10)}
}

func (q wireQuantity) value() (int64, error) {
	return strconv.ParseInt(strings.TrimSpace(q.HasNumericalValue), 10, 64)
}

// currencyIRI names a currency as a resource: ISO 4217 has no IRIs of its
// own, so the URN form is used.
func currencyIRI(code string) string { return "urn:iso:std:iso:4217:" + code }

// cpvIRI names a CPV code in the EU vocabularies.
func cpvIRI(code string) string { return "http://data.europa.eu/cpv/cpv/" + code }

// partyIRI returns the IRI of a party of an agreement: a member of this
// node, the group itself, or a remote member "slug@host" of the node
// whose actor is nodeActor.
func (f *Federation) partyIRI(id, nodeActor string) string {
	if id == "" || id == "group" {
		return f.uris.Actor()
	}
	if slug, _, ok := strings.Cut(id, "@"); ok && nodeActor != "" {
		return strings.TrimSuffix(nodeActor, "/actor") + "/members/" + url.PathEscape(slug)
	}
	return f.uris.Member(id)
}

// partyID is the reverse of partyIRI on the receiving node.
func (f *Federation) partyID(iri string) string {
	switch {
	case iri == f.uris.Actor():
		return "group"
	case f.uris.Owns(iri):
		return lastSegment(iri)
	case strings.HasSuffix(iri, "/actor"):
		return "group@" + hostOf(iri)
	}
	return remoteMemberID(iri, hostOf(iri))
}

// proposalObject returns a local listing as an FEP-0837 Proposal: its
// primary Intent is what is offered or asked (action, CPV class,
// quantity), the reciprocal Intent the payment per unit when it has a
// price. name, summary and content let generic software show it.
func (f *Federation) proposalObject(l *node.Listing) *vocab.Builder {
	id := f.uris.Listing(l.ID)
	purpose, action := "offer", "deliverService"
	if l.Side == node.SideNeed {
		purpose = "request"
	}
	if l.Kind == node.KindProduct || l.Kind == node.KindGroupPurchase {
		action = "transfer"
	}
	primary := map[string]any{"type": "Intent", "id": id + "#primary", "action": action, "resourceConformsTo": cpvIRI(l.CPV[0]),
		"resourceQuantity": quantityOf(l.Quantity.Unit, l.Quantity.Value), "availableQuantity": quantityOf(l.Quantity.Unit, l.Quantity.Value)}
	def := defaultLang(l.Title)
	b := vocab.NewObject("Proposal", id).
		SetAttributedTo(f.uris.Actor()).
		SetPublished(l.CreatedAt).
		SetUpdated(l.UpdatedAt).
		SetName(def, l.Title).
		SetContent(def, map[string]string{def: listingText(l)}).
		Set("purpose", purpose).
		Set("cpvCodes", l.CPV).
		Set("country", l.Country).
		Set("listingKind", string(l.Kind)).
		Set("listingScope", string(l.Scope)).
		Set("listingStatus", string(l.Status)).
		Set("committedQuantity", quantityOf(l.Quantity.Unit, l.Committed)).
		Set("unitBased", l.Price != nil).
		Set(revisionTerm, strconv.FormatInt(l.UpdatedAt.UnixNano(), 10))
	if len(l.Description) > 0 {
		b.SetSummary(defaultLang(l.Description), l.Description)
	}
	if l.Price != nil {
		primary["resourceQuantity"] = quantityOf(l.Quantity.Unit, l.Price.Per)
		b.Set("reciprocal", map[string]any{"type": "Intent", "id": id + "#reciprocal", "action": "transfer",
			"resourceConformsTo": currencyIRI(l.Price.Currency), "resourceQuantity": quantityOf("one", l.Price.Amount)})
	}
	b.Set("publishes", primary)
	if c := l.CostModel; c != nil {
		cm := map[string]any{"currency": c.Currency, "hasNumericalValue": strconv.FormatInt(c.Amount, 10), "hasUnit": "month", "shareRule": c.Rule}
		if c.Attribute != "" {
			cm["shareAttribute"] = c.Attribute
		}
		b.Set("costModel", cm)
	}
	if l.Region != "" {
		b.Set("region", l.Region)
	}
	if l.Owner != "" {
		b.Set("member", f.uris.Member(l.Owner))
	}
	for term, t := range map[string]*time.Time{"hasBeginning": l.AvailableFrom, "hasEnd": l.AvailableUntil, "deadline": l.Deadline} {
		if t != nil {
			b.Set(term, *t)
		}
	}
	return b
}

// listingText is the plain content of a Proposal for software that does
// not read FEP-0837: "Offer (product, international scope, FR): 10 units
// at 1500.00 EUR per unit. CPV 72413000."
func listingText(l *node.Listing) string {
	side := "Offer"
	if l.Side == node.SideNeed {
		side = "Need"
	}
	s := fmt.Sprintf("%s (%s, %s scope, %s): %s", side, l.Kind, l.Scope, l.Country, unitText(l.Quantity.Value, l.Quantity.Unit))
	if l.Price != nil {
		s += fmt.Sprintf(" at %s per %s", money(l.Price.Amount, l.Price.Currency), strings.TrimPrefix(unitText(l.Price.Per, l.Quantity.Unit), "1 "))
	}
	if l.CostModel != nil {
		s += fmt.Sprintf(", cost %s a month shared by %s", money(l.CostModel.Amount, l.CostModel.Currency), map[string]string{
			node.ShareEqual: "equal shares", node.ShareUnits: "units used", node.ShareAttribute: l.CostModel.Attribute}[l.CostModel.Rule])
	}
	if l.Deadline != nil {
		s += ", until " + l.Deadline.UTC().Format(time.RFC3339)
	}
	return s + ". CPV " + strings.Join(l.CPV, ", ") + "."
}

// unitText writes a quantity in words: "10 units", "1 hour", "20 hours".
func unitText(n int64, unit string) string {
	name := node.Units[unit]
	if unit == "one" {
		name = "unit"
	}
	if n != 1 && !strings.HasSuffix(name, "s") {
		name += "s"
	}
	return strconv.FormatInt(n, 10) + " " + name
}

// zeroDecimal are the currencies without a minor unit.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "ISK": true, "CLP": true, "VND": true}

// money writes an amount of minor units: "1500.00 EUR".
func money(minor int64, currency string) string {
	if zeroDecimal[currency] {
		return fmt.Sprintf("%d %s", minor, currency)
	}
	return fmt.Sprintf("%d.%02d %s", minor/100, minor%100, currency)
}

// commitments returns the two Commitments of a response's agreement: the
// primary satisfies the listing's primary Intent with the quantity, the
// reciprocal (when the listing has a price) its payment.
func (f *Federation) commitments(agreementID string, r *node.Response, l *node.Listing, price *node.Price) (primary, reciprocal map[string]any) {
	pid := l.APID
	if pid == "" {
		pid = f.uris.Listing(l.ID)
	}
	primary = map[string]any{"type": "Commitment", "satisfies": pid + "#primary", "resourceQuantity": quantityOf(r.Quantity.Unit, r.Quantity.Value)}
	if agreementID != "" {
		primary["id"] = agreementID + "#primary"
	}
	if price != nil {
		reciprocal = map[string]any{"type": "Commitment", "satisfies": pid + "#reciprocal", "resourceConformsTo": currencyIRI(price.Currency),
			"resourceQuantity": quantityOf("one", price.Amount)}
		if agreementID != "" {
			reciprocal["id"] = agreementID + "#reciprocal"
		}
	}
	return primary, reciprocal
}

// offerAgreement is the Agreement a local member proposes to a remote
// listing: attributedTo the member, with its quantity and terms.
func (f *Federation) offerAgreement(r *node.Response, l *node.Listing) *vocab.Builder {
	b := vocab.NewObject("Agreement", f.uris.Base+"/responses/"+url.PathEscape(r.ID)).SetAttributedTo(f.uris.Member(r.Responder))
	var price *node.Price
	if l.Price != nil {
		price = &node.Price{Currency: l.Price.Currency, Amount: priceOf(l.Price, r.Quantity.Value)}
	}
	primary, reciprocal := f.commitments("", r, l, price)
	b.Set("stipulates", primary)
	if reciprocal != nil {
		b.Set("stipulatesReciprocal", reciprocal)
	}
	if len(r.Terms) > 0 {
		b.SetContent(defaultLang(r.Terms), r.Terms)
	}
	return b
}

// priceOf is the price of qty units, rounded half up (as the market
// service computes it; the Offer only informs, the Accept decides).
func priceOf(p *node.Price, qty int64) int64 {
	per := max(p.Per, 1)
	return (p.Amount*qty*2 + per) / (2 * per)
}

// agreementObject is the Agreement the owner's Accept carries.
func (f *Federation) agreementObject(r *node.Response, l *node.Listing) *vocab.Builder {
	ag := r.Agreement
	id := f.uris.Agreement(ag.ID)
	b := vocab.NewObject("Agreement", id).SetPublished(ag.At).
		Set("provider", f.partyIRI(ag.Provider, r.ResponderNode)).
		Set("receiver", f.partyIRI(ag.Receiver, r.ResponderNode))
	primary, reciprocal := f.commitments(id, r, l, ag.Amount)
	b.Set("stipulates", primary)
	if reciprocal != nil {
		b.Set("stipulatesReciprocal", reciprocal)
	}
	return b
}
