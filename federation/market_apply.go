package federation

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

// This file applies the marketplace activities peers send (spec/market.md).

// wireCommitment is a Commitment as received.
type wireCommitment struct {
	Satisfies          string       `json:"satisfies"`
	ResourceConformsTo string       `json:"resourceConformsTo"`
	ResourceQuantity   wireQuantity `json:"resourceQuantity"`
}

// applyProposal stores a peer's listing.
func (f *Federation) applyProposal(ctx context.Context, obj *vocab.Item, actor string) error {
	if f.cfg.Market == nil {
		return nil
	}
	l, err := remoteListing(obj, actor)
	if err != nil {
		return &permanentError{err}
	}
	return marketErr(f.cfg.Market.UpsertRemote(ctx, l))
}

// marketErr makes the marketplace's refusals permanent: a bad or
// forbidden activity is not retried.
func marketErr(err error) error {
	switch node.ErrorCode(err) {
	case "":
		return nil
	case node.EINVALID, node.EFORBIDDEN, node.ENOTFOUND, node.ECONFLICT:
		return &permanentError{err}
	}
	return err
}

// remoteListing reads a peer's Proposal.
func remoteListing(it *vocab.Item, origin string) (*node.Listing, error) {
	host := hostOf(origin)
	l := &node.Listing{ID: remoteMemberID(it.ID(), host), APID: it.ID(), Origin: origin, Revision: revisionOf(it),
		Title: it.NameMap(), Description: it.SummaryMap()}
	str := func(term string) string {
		var s string
		_ = it.Unmarshal(term, &s)
		return s
	}
	switch str("purpose") {
	case "offer":
		l.Side = node.SideOffer
	case "request":
		l.Side = node.SideNeed
	default:
		return nil, fmt.Errorf("proposal %s: purpose must be offer or request", it.ID())
	}
	l.Kind, l.Scope, l.Status = node.ListingKind(str("listingKind")), node.Scope(str("listingScope")), node.ListingStatus(str("listingStatus"))
	l.Country, l.Region = str("country"), str("region")
	if err := it.Unmarshal("cpvCodes", &l.CPV); err != nil {
		if c := str("cpvCodes"); c != "" {
			l.CPV = []string{c}
		}
	}
	var primary struct {
		ResourceQuantity  wireQuantity  `json:"resourceQuantity"`
		AvailableQuantity *wireQuantity `json:"availableQuantity"`
	}
	if err := it.Unmarshal("publishes", &primary); err != nil {
		return nil, fmt.Errorf("proposal %s: publishes: %v", it.ID(), err)
	}
	q := primary.ResourceQuantity
	if primary.AvailableQuantity != nil {
		q = *primary.AvailableQuantity
	}
	var err error
	l.Quantity.Unit = q.HasUnit
	if l.Quantity.Value, err = q.value(); err != nil {
		return nil, fmt.Errorf("proposal %s: quantity: %v", it.ID(), err)
	}
	var unitBased bool
	_ = it.Unmarshal("unitBased", &unitBased)
	var recip wireCommitment
	if unitBased && it.Unmarshal("reciprocal", &recip) == nil {
		amount, err := recip.ResourceQuantity.value()
		if err != nil {
			return nil, fmt.Errorf("proposal %s: reciprocal: %v", it.ID(), err)
		}
		per, _ := primary.ResourceQuantity.value()
		l.Price = &node.Price{Currency: strings.TrimPrefix(recip.ResourceConformsTo, currencyIRI("")), Amount: amount, Per: per}
	}
	var cm map[string]string
	if it.Unmarshal("costModel", &cm) == nil {
		amount, _ := strconv.ParseInt(cm["hasNumericalValue"], 10, 64)
		l.CostModel = &node.CostModel{Currency: cm["currency"], Amount: amount, Rule: cm["shareRule"], Attribute: cm["shareAttribute"]}
	}
	var committed wireQuantity
	if it.Unmarshal("committedQuantity", &committed) == nil {
		l.Committed, _ = committed.value()
	}
	if owner := first(it.IRIs("member")); owner != "" {
		if !sameHost(owner, origin) {
			return nil, fmt.Errorf("proposal %s: owner %s is not on %s", it.ID(), owner, host)
		}
		l.Owner = remoteMemberID(owner, host)
	}
	for term, dst := range map[string]**time.Time{"hasBeginning": &l.AvailableFrom, "hasEnd": &l.AvailableUntil, "deadline": &l.Deadline} {
		var t time.Time
		if it.Unmarshal(term, &t) == nil && !t.IsZero() {
			*dst = &t
		}
	}
	for term, dst := range map[string]*time.Time{"published": &l.CreatedAt, "updated": &l.UpdatedAt} {
		_ = it.Unmarshal(term, dst)
	}
	return l, nil
}

// applyMarketOffer records a peer's Offer of an Agreement answering one
// of our listings. The Agreement must be attributed to a member on the
// sending node; a replayed Offer changes nothing. handled is false for an
// Offer of anything else, which the caller may try other ways.
func (f *Federation) applyMarketOffer(ctx context.Context, act, obj *vocab.Item, peer *node.Peer) (handled bool, err error) {
	if f.cfg.Market == nil || !obj.Is("Agreement") || obj.IsIRI() {
		return false, nil
	}
	return true, f.applyListingOffer(ctx, act, obj, peer)
}

func (f *Federation) applyListingOffer(ctx context.Context, act, obj *vocab.Item, peer *node.Peer) error {
	var c wireCommitment
	if err := obj.Unmarshal("stipulates", &c); err != nil {
		return refuse("offer %s: no stipulates commitment: %v", act.ID(), err)
	}
	pid, _, _ := strings.Cut(c.Satisfies, "#")
	prefix := f.uris.Listing("")
	if !strings.HasPrefix(pid, prefix) {
		return refuse("offer %s answers %s, not one of our listings", act.ID(), c.Satisfies)
	}
	responder := first(obj.IRIs("attributedTo"))
	if responder == "" || !sameHost(responder, peer.ActorURL) {
		return refuse("offer %s: the agreement must be attributedTo a member of %s", act.ID(), peer.ActorURL)
	}
	qty, err := c.ResourceQuantity.value()
	if err != nil {
		return refuse("offer %s: quantity: %v", act.ID(), err)
	}
	host := hostOf(peer.ActorURL)
	rid := strings.TrimPrefix(lastSegment(act.ID()), offerPrefix)
	if rid == "" || strings.Contains(rid, "@") {
		rid = "r-" + shortHash(act.ID())
	}
	r := &node.Response{ID: rid + "@" + host, Responder: remoteMemberID(responder, host), ResponderNode: peer.ActorURL,
		Quantity: node.Quantity{Unit: c.ResourceQuantity.HasUnit, Value: qty}, Terms: obj.ContentMap(), OfferID: act.ID()}
	return marketErr(f.cfg.Market.ReceiveOffer(ctx, lastSegment(pid), r))
}

// applyMarketAnswer applies an Accept or Reject of a local member's
// Offer. handled is false when the object is not one of our Offers, so
// that the caller tries the other kinds of answers.
func (f *Federation) applyMarketAnswer(ctx context.Context, act, obj *vocab.Item, peer *node.Peer) (handled bool, err error) {
	prefix := f.uris.OfferActivity("")
	if f.cfg.Market == nil || !strings.HasPrefix(obj.ID(), prefix) {
		return false, nil
	}
	if o := obj.Object(); o != nil && f.uris.Owns(o.ID()) && strings.Contains(o.ID(), "/interests/") {
		return false, nil // an answer to an interest in an opportunity
	}
	rid := strings.TrimPrefix(obj.ID(), prefix)
	accept := act.Is("Accept")
	var ag *node.Agreement
	if accept {
		res := act.Items("result")
		if len(res) != 1 || res[0].IsIRI() || !res[0].Is("Agreement") {
			return false, nil // no marketplace answer: an interest's, say
		}
		if ag, err = f.readAgreement(res[0], peer); err != nil {
			return true, &permanentError{err}
		}
	}
	reason := act.ContentMap()[defaultLang(act.ContentMap())]
	err = f.cfg.Market.ReceiveAnswer(ctx, rid, peer.ActorURL, accept, ag, reason)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return false, nil // an answer to an Offer that is no response of ours
	}
	return true, marketErr(err)
}

// readAgreement reads the Agreement an Accept carries.
func (f *Federation) readAgreement(it *vocab.Item, peer *node.Peer) (*node.Agreement, error) {
	if !sameHost(it.ID(), peer.ActorURL) {
		return nil, fmt.Errorf("agreement %s is not on %s", it.ID(), peer.ActorURL)
	}
	var c, rc wireCommitment
	if err := it.Unmarshal("stipulates", &c); err != nil {
		return nil, fmt.Errorf("agreement %s: stipulates: %v", it.ID(), err)
	}
	qty, err := c.ResourceQuantity.value()
	if err != nil {
		return nil, fmt.Errorf("agreement %s: quantity: %v", it.ID(), err)
	}
	ag := &node.Agreement{ID: lastSegment(it.ID()), Quantity: node.Quantity{Unit: c.ResourceQuantity.HasUnit, Value: qty},
		Provider: f.partyID(first(it.IRIs("provider"))), Receiver: f.partyID(first(it.IRIs("receiver")))}
	_ = it.Unmarshal("published", &ag.At)
	if it.Unmarshal("stipulatesReciprocal", &rc) == nil {
		amount, err := rc.ResourceQuantity.value()
		if err != nil {
			return nil, fmt.Errorf("agreement %s: amount: %v", it.ID(), err)
		}
		ag.Amount = &node.Price{Currency: strings.TrimPrefix(rc.ResourceConformsTo, currencyIRI("")), Amount: amount, Per: qty}
	}
	return ag, nil
}

// isListing reports whether iri is a listing of the node of actor.
func isListing(iri, actor string) bool {
	p, err := url.Parse(iri)
	return err == nil && sameHost(iri, actor) && strings.HasPrefix(p.Path, "/listings/")
}

// applyListingDelete withdraws a peer's listing.
func (f *Federation) applyListingDelete(ctx context.Context, act, obj *vocab.Item, actor string) error {
	if f.cfg.Market == nil {
		return nil
	}
	rev := revisionOf(obj)
	if rev == 0 {
		rev = revisionOf(act)
	}
	return marketErr(f.cfg.Market.DeleteRemote(ctx, actor, obj.ID(), rev))
}
