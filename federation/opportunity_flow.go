package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	ap "github.com/go-ap/activitypub"
)

// offerID is the id of the Offer that carries a local interest.
func (f *Federation) offerID(in *node.Interest) string { return f.uris.Activity("offer-" + in.ID) }

// fanOutOpportunity turns opportunity events into activities: an
// opportunity to every business peer (Create, Update, Delete), an
// interest in a remote opportunity to its origin (Offer), the lead's
// answer to the member's node (Accept, Reject). Public followers never
// get any of it.
func (f *Federation) fanOutOpportunity(ctx context.Context, data []byte) error {
	var ev node.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return &permanentError{fmt.Errorf("event: %w", err)}
	}
	id := f.uris.EventActivity(ev.ID)
	switch ev.Subject {
	case node.SubjectOpportunityCreated, node.SubjectOpportunityUpdated, node.SubjectOpportunityDeleted:
		// Statuses, consortia and won bids are in the statistics report.
		defer f.reportSoon()
		var o node.Opportunity
		if err := json.Unmarshal(ev.Data, &o); err != nil {
			return &permanentError{fmt.Errorf("event %d: %w", ev.ID, err)}
		}
		var act *vocab.Builder
		switch ev.Subject {
		case node.SubjectOpportunityCreated:
			act = vocab.NewActivity("Create", id, f.uris.Actor(), f.opportunityObject(&o))
		case node.SubjectOpportunityUpdated:
			act = vocab.NewActivity("Update", id, f.uris.Actor(), f.opportunityObject(&o))
		default:
			tomb := vocab.NewTombstone(f.uris.Opportunity(o.ID), "Opportunity", ev.Time).Set(revisionTerm, strconv.FormatInt(o.UpdatedAt.UnixNano(), 10))
			act = vocab.NewActivity("Delete", id, f.uris.Actor(), tomb)
		}
		act.SetPublished(ev.Time)
		peers, err := f.businessPeers(ctx)
		if err != nil {
			return err
		}
		return f.publish(ctx, id, act, peers, false)
	case node.SubjectInterestExpressed, node.SubjectInterestAccepted, node.SubjectInterestRejected:
		var ie node.InterestEvent
		if err := json.Unmarshal(ev.Data, &ie); err != nil || ie.Interest == nil || ie.Opportunity == nil {
			return &permanentError{fmt.Errorf("event %d: not an interest event: %v", ev.ID, err)}
		}
		if ev.Subject == node.SubjectInterestExpressed {
			return f.sendOffer(ctx, ie.Interest, ie.Opportunity)
		}
		return f.sendAnswer(ctx, ie.Interest, ev.Subject == node.SubjectInterestAccepted)
	}
	return nil
}

// trustedPeer returns the trusted peer with that actor, or nil.
func (f *Federation) trustedPeer(ctx context.Context, actor string) (*node.Peer, error) {
	p, err := f.store.PeerByActor(ctx, actor)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !p.Trusted() {
		return nil, nil
	}
	return p, nil
}

// sendOffer sends a local member's interest in a remote opportunity to
// the origin node.
func (f *Federation) sendOffer(ctx context.Context, in *node.Interest, o *node.Opportunity) error {
	if o.Origin == "" {
		return nil // the lead is here: nothing to send
	}
	peer, err := f.trustedPeer(ctx, o.Origin)
	if err != nil || peer == nil {
		if err == nil {
			f.log.WarnContext(ctx, "interest not sent: the origin is no longer a trusted peer", "origin", o.Origin, "interest", in.ID)
		}
		return err
	}
	act := vocab.NewActivity("Offer", f.offerID(in), f.uris.Actor(), f.interestObject(in, o.APID)).SetPublished(in.CreatedAt)
	if a, ok := act.AP().(*ap.Activity); ok {
		a.Target = ap.IRI(o.APID)
	}
	act.SetTo(peer.ActorURL)
	body, err := act.Marshal()
	if err != nil {
		return f.unbuilt(ctx, f.offerID(in), err, peer)
	}
	return f.deliverTo(ctx, f.offerID(in), body, []*node.Peer{peer})
}

// sendAnswer sends the lead's Accept or Reject of a remote member's Offer
// back to the member's node.
func (f *Federation) sendAnswer(ctx context.Context, in *node.Interest, accept bool) error {
	if in.Node == "" || in.Node == f.uris.Actor() {
		return nil // a local member: nothing to send
	}
	peer, err := f.trustedPeer(ctx, in.Node)
	if err != nil || peer == nil {
		return err
	}
	typ := "Reject"
	if accept {
		typ = "Accept"
	}
	offer := vocab.NewActivity("Offer", in.OfferID, in.Node, in.APID)
	return f.send(ctx, f.uris.Activity(strings.ToLower(typ)+"-offer-"+shortHash(in.APID)), typ, offer, peer, false)
}

// applyOpportunity stores a peer's opportunity (Create or Update). The
// caller has checked that the object is on the actor's host.
func (f *Federation) applyOpportunity(ctx context.Context, act, obj *vocab.Item, peer *node.Peer) error {
	o, err := remoteOpportunity(obj, peer.ActorURL, peer.Country, f.now().UTC())
	if err != nil {
		return &permanentError{err}
	}
	if node.SourceIsURL(o.Source) {
		o.Source = f.urlCheck(ctx, "opportunity", o.APID).keep("sourceReference", o.Source)
	}
	if o.LeadAPID != "" && !sameHost(o.LeadAPID, peer.ActorURL) {
		return refuse("opportunity %s is led by %s, not a member of %s", o.APID, o.LeadAPID, peer.ActorURL)
	}
	o.Lead = f.localMemberID(ctx, o.LeadAPID)
	for i, e := range o.Consortium {
		o.Consortium[i].Member = f.localMemberID(ctx, e.MemberAPID)
	}
	err = f.store.UpsertRemoteOpportunity(ctx, act.ID(), firstType(act), o)
	if err == nil {
		f.wake()
	}
	return err
}

// localMemberID returns the local id of a member given by its
// ActivityPub id: one of ours, or a peer's that our catalogue holds; ""
// when we do not know it.
func (f *Federation) localMemberID(ctx context.Context, apID string) string {
	if apID == "" {
		return ""
	}
	if id, ok := strings.CutPrefix(apID, f.uris.Member("")); ok && f.uris.Owns(apID) {
		return id
	}
	if m, err := f.store.MemberByAPID(ctx, apID); err == nil {
		return m.ID
	}
	return ""
}

func (f *Federation) wake() {
	if f.committed != nil {
		f.committed()
	}
}

// isOpportunity reports whether a Delete's object stands for an
// opportunity: a Tombstone whose formerType says so, or the id of one we
// hold.
func (f *Federation) isOpportunity(ctx context.Context, obj *vocab.Item) bool {
	var former string
	if obj.Unmarshal("formerType", &former) == nil {
		return former == "Opportunity"
	}
	_, err := f.store.OpportunityByAPID(ctx, obj.ID())
	return err == nil
}

// applyOpportunityDelete removes a peer's opportunity.
func (f *Federation) applyOpportunityDelete(ctx context.Context, act, obj *vocab.Item, actor string) error {
	rev := revisionOf(obj)
	if rev == 0 {
		rev = revisionOf(act)
	}
	return f.store.DeleteRemoteOpportunity(ctx, act.ID(), actor, obj.ID(), rev)
}

// applyOffer records a peer member's interest in one of our
// opportunities. Only a trusted peer offers, for one of its own members,
// in an open opportunity of ours.
func (f *Federation) applyOffer(ctx context.Context, act, obj *vocab.Item, peer *node.Peer) error {
	if obj.IsIRI() || !obj.Is("Interest") {
		return refuse("Offer %s carries no Interest", act.ID())
	}
	target := first(act.IRIs("target"))
	if target == "" {
		target = first(obj.IRIs("inReplyTo"))
	}
	if !f.uris.Owns(target) {
		return refuse("Offer %s is about %q, not an opportunity of this node", act.ID(), target)
	}
	if !sameHost(obj.ID(), peer.ActorURL) {
		return refuse("Offer %s carries an interest of another host (%s)", act.ID(), obj.ID())
	}
	o, err := f.store.OpportunityByAPID(ctx, target)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return refuse("Offer %s: no opportunity %s", act.ID(), target)
	}
	if err != nil {
		return err
	}
	if o.Origin != "" {
		return refuse("Offer %s: opportunity %s is not ours", act.ID(), target)
	}
	now := f.now().UTC()
	if o.Closed(now) {
		// Tell the member's node, whose copy may not show it closed yet,
		// so that its interest does not stay pending.
		offer := vocab.NewActivity("Offer", act.ID(), peer.ActorURL, obj.ID())
		if err := f.send(ctx, f.uris.Activity("reject-offer-"+shortHash(obj.ID())), "Reject", offer, peer, false); err != nil {
			return err
		}
		return refuse("Offer %s: opportunity %s is closed (%s)", act.ID(), o.ID, o.Status)
	}
	in := &node.Interest{ID: "i" + shortHash(obj.ID())[:12], Opportunity: o.ID, Node: peer.ActorURL, APID: obj.ID(), OfferID: act.ID(),
		State: node.InterestPending, CreatedAt: now, UpdatedAt: now, Message: plainText(obj.ContentMap())}
	var role string
	_ = obj.Unmarshal("member", &in.MemberAPID)
	_ = obj.Unmarshal("country", &in.Country)
	_ = obj.Unmarshal("role", &role)
	_ = obj.Unmarshal("lotIds", &in.Lots)
	_ = obj.Unmarshal("competences", &in.Competences)
	in.Role = roleFromWire(role)
	if names := obj.NameMap(); len(names) > 0 {
		in.MemberName = names[defaultLang(names)]
	}
	if in.MemberAPID == "" {
		in.MemberAPID = first(obj.IRIs("attributedTo"))
	}
	if !sameHost(in.MemberAPID, peer.ActorURL) {
		return refuse("Offer %s: member %q is not a member of %s", act.ID(), in.MemberAPID, peer.ActorURL)
	}
	if m, err := f.store.MemberByAPID(ctx, in.MemberAPID); err == nil {
		in.Member, in.MemberName = m.ID, m.Name
		if in.Country == "" {
			in.Country = m.Country
		}
	}
	if in.Country == "" {
		in.Country = peer.Country
	}
	in.Normalize()
	if err := in.Validate(o); err != nil {
		return &permanentError{fmt.Errorf("offer %s: %w", act.ID(), err)}
	}
	err = f.store.RecordRemoteInterest(ctx, act.ID(), in)
	if node.ErrorCode(err) == node.ECONFLICT {
		return &permanentError{err}
	}
	if err == nil {
		f.wake()
	}
	return err
}

// applyOfferAnswer records the origin's Accept or Reject of one of our
// Offers. Only the node that owns the opportunity may answer.
func (f *Federation) applyOfferAnswer(ctx context.Context, act, obj *vocab.Item, peer *node.Peer) error {
	var interest string
	switch {
	case obj.IsIRI():
		interest = "" // an Offer given by id: look the interest up by it
	default:
		if o := obj.Object(); o != nil {
			interest = o.ID()
		}
	}
	if interest == "" {
		offer := obj.ID()
		key, ok := strings.CutPrefix(offer, f.uris.Activity("offer-"))
		if !ok {
			return refuse("%s answers %s, not one of our Offers", act.ID(), offer)
		}
		interest = f.uris.Interest(key)
	}
	if !f.uris.Owns(interest) {
		return refuse("%s answers an interest of another node (%s)", act.ID(), interest)
	}
	state := node.InterestRejected
	if act.Is("Accept") {
		state = node.InterestAccepted
	}
	err := f.store.AnswerRemoteInterest(ctx, act.ID(), peer.ActorURL, interest, state)
	switch node.ErrorCode(err) {
	case "":
		f.wake()
		return nil
	case node.EFORBIDDEN, node.ENOTFOUND:
		return &permanentError{err}
	}
	return err
}

// memberGone withdraws a departed remote member from our opportunities.
func (f *Federation) memberGone(ctx context.Context, memberAPID string) error {
	if err := f.store.MemberGone(ctx, memberAPID); err != nil {
		return err
	}
	f.wake()
	return nil
}

// backfillOpportunities sends a newly accepted peer a Create for every
// open local opportunity.
func (f *Federation) backfillOpportunities(ctx context.Context, peer *node.Peer, epoch string) error {
	opps, err := f.store.OpenLocalOpportunities(ctx)
	if err != nil {
		return err
	}
	for _, o := range opps {
		id := f.uris.Activity("backfill-" + shortHash(peer.ActorURL+"|"+epoch+"|opportunity|"+o.ID+"|"+o.UpdatedAt.String()))
		act := vocab.NewActivity("Create", id, f.uris.Actor(), f.opportunityObject(o)).SetPublished(o.UpdatedAt).SetTo(peer.ActorURL)
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
