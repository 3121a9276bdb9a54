package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	ap "github.com/go-ap/activitypub"
)

// OpportunityStore is what federation needs to keep opportunities, the
// interests in them and their consortia. The SQLite store implements it.
type OpportunityStore interface {
	UpsertRemoteOpportunity(ctx context.Context, activityID, typ string, o *node.Opportunity) error
	DeleteRemoteOpportunity(ctx context.Context, activityID, origin, apID string, revision int64) error
	OpportunityByAPID(ctx context.Context, apID string) (*node.Opportunity, error)
	OpenLocalOpportunities(ctx context.Context) ([]*node.Opportunity, error)
	RecordRemoteInterest(ctx context.Context, activityID string, in *node.Interest) error
	AnswerRemoteInterest(ctx context.Context, activityID, origin, interestAPID string, state node.InterestState) error
	MemberByAPID(ctx context.Context, apID string) (*node.Member, error)
	// MemberGone withdraws a departed member's interests and places in
	// open opportunities (see the SQLite store for the rules).
	MemberGone(ctx context.Context, memberAPID string) error
}

// SubjectOpportunities are the events federation sends on as
// opportunities, Offers and answers.
const SubjectOpportunities = "etoiles.event.opportunity.>"

// wireRole is how a consortium role reads on the wire (spec/vocabulary.md).
var wireRole = map[node.ConsortiumRole]string{
	node.RoleLeadEntity: "leadEntity", node.RoleGroupMember: "groupMember", node.RoleSubcontractor: "subcontractor",
}

func roleFromWire(s string) node.ConsortiumRole {
	for r, w := range wireRole {
		if w == s {
			return r
		}
	}
	return node.ConsortiumRole(s)
}

// htmlText turns plain text into the small HTML subset Mastodon keeps:
// paragraphs on blank lines, <br> on single line breaks.
func htmlText(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for l, t := range m {
		var b strings.Builder
		for _, para := range strings.Split(strings.ReplaceAll(t, "\r\n", "\n"), "\n\n") {
			if para = strings.TrimSpace(para); para == "" {
				continue
			}
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>")
		}
		out[l] = b.String()
	}
	return out
}

// plainText is the reverse of htmlText; other markup is dropped.
func plainText(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for l, h := range m {
		h = strings.NewReplacer("</p><p>", "\n\n", "<br>", "\n", "<br/>", "\n", "<br />", "\n").Replace(h)
		var b strings.Builder
		in := false
		for _, r := range h {
			switch {
			case r == '<':
				in = true
			case r == '>':
				in = false
			case !in:
				b.WriteRune(r)
			}
		}
		if t := strings.TrimSpace(html.UnescapeString(b.String())); t != "" {
			out[l] = t
		}
	}
	return out
}

func sameText(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// opportunityObject returns a local opportunity as an
// ["Article", "Opportunity"]: name, summary and content are always there
// so that generic software shows it. Interests are never part of it.
func (f *Federation) opportunityObject(o *node.Opportunity) *vocab.Builder {
	id := f.uris.Opportunity(o.ID)
	summary := o.Summary
	if len(summary) == 0 {
		summary = o.Title
	}
	content := o.Description
	if len(content) == 0 {
		content = summary
	}
	b := vocab.NewObject("Article", id).AddType("Opportunity").
		SetPublished(o.CreatedAt).
		SetUpdated(o.UpdatedAt).
		SetName(defaultLang(o.Title), o.Title).
		SetSummary(defaultLang(summary), summary).
		SetContent(defaultLang(content), htmlText(content)).
		Set("cpvCodes", o.CPVs()).
		Set("country", o.Country).
		Set("opportunityStatus", string(o.Status)).
		Set("reservedExecution", map[bool]string{true: "yes", false: "no"}[o.Flags.Reserved]).
		Set("socialObjective", o.Flags.SocialObjective).
		Set("accessibilityCriteria", o.Flags.AccessibilityCriteria).
		Set("suitableForSME", o.Flags.SMESuitable).
		Set("openToPartnersAbroad", o.OpenAbroad).
		Set(revisionTerm, strconv.FormatInt(o.UpdatedAt.UnixNano(), 10))
	if o.Lead != "" {
		b.SetAttributedTo(f.uris.Member(o.Lead))
	} else {
		b.SetAttributedTo(f.uris.Actor())
	}
	if len(o.Languages) > 0 {
		b.Set("languages", o.Languages)
	}
	if o.Region != "" {
		b.Set("placeOfPerformance", []string{o.Region})
	}
	if o.Deadline != nil {
		b.Set("deadline", *o.Deadline)
	}
	if o.Value != nil {
		b.Set("estimatedValue", o.Value.Amount).Set("currency", o.Value.Currency)
	}
	if o.Outcome != nil {
		b.Set("outcomeValue", o.Outcome.Amount).Set("outcomeCurrency", o.Outcome.Currency)
	}
	if o.Source != "" {
		b.Set("sourceReference", o.Source)
	}
	if len(o.Lots) > 0 {
		lots := make([]*vocab.Builder, len(o.Lots))
		for i, l := range o.Lots {
			codes := append([]string(nil), l.CPV...)
			for _, c := range o.Competences {
				if c.Lot == l.ID {
					codes = append(codes, c.CPV)
				}
			}
			sort.Strings(codes)
			lb := vocab.NewObject("Lot", id+"/lots/"+l.ID).Set("cpvCodes", dedupeSorted(codes))
			if len(l.Title) > 0 {
				lb.SetName(defaultLang(l.Title), l.Title)
			}
			lots[i] = lb
		}
		b.Set("lots", lots)
	}
	parts := make([]map[string]any, len(o.Consortium))
	for i, e := range o.Consortium {
		p := map[string]any{"member": e.MemberAPID, "role": wireRole[e.Role], "name": e.Name, "country": e.Country, "attributedTo": e.Node}
		if len(e.Lots) > 0 {
			p["lotIds"] = e.Lots
		}
		parts[i] = p
	}
	b.Set("consortium", vocab.NewObject("Consortium", id+"#consortium").Set("participants", parts))
	return b
}

func dedupeSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// remoteOpportunity turns a peer's Opportunity into a local copy owned
// by origin (its actor; country is the peer's). It is validated like a
// local one, except for the deadline.
func remoteOpportunity(it *vocab.Item, origin, country string, now time.Time) (*node.Opportunity, error) {
	o := &node.Opportunity{APID: it.ID(), Origin: origin, NodeCountry: country, CreatedAt: now, UpdatedAt: now,
		Title: it.NameMap(), Summary: it.SummaryMap()}
	o.Description = plainText(it.ContentMap())
	if sameText(o.Description, o.Summary) || sameText(o.Description, o.Title) {
		o.Description = nil
	}
	if sameText(o.Summary, o.Title) {
		o.Summary = nil
	}
	get := func(term string, dst any) { _ = it.Unmarshal(term, dst) }
	var status, reserved, deadline, currency, amount, outCurrency, outAmount string
	get("opportunityStatus", &status)
	get("reservedExecution", &reserved)
	get("socialObjective", &o.Flags.SocialObjective)
	get("accessibilityCriteria", &o.Flags.AccessibilityCriteria)
	get("suitableForSME", &o.Flags.SMESuitable)
	get("openToPartnersAbroad", &o.OpenAbroad)
	get("country", &o.Country)
	get("languages", &o.Languages)
	get("sourceReference", &o.Source)
	get("deadline", &deadline)
	get("estimatedValue", &amount)
	get("currency", &currency)
	get("outcomeValue", &outAmount)
	get("outcomeCurrency", &outCurrency)
	o.Status = node.OpportunityStatus(status)
	o.Flags.Reserved = reserved == "yes"
	var places []string
	get("placeOfPerformance", &places)
	if len(places) > 0 {
		o.Region = places[0]
	}
	if deadline != "" {
		d, err := time.Parse(time.RFC3339, deadline)
		if err != nil {
			return nil, fmt.Errorf("opportunity %s: deadline %q: %w", o.APID, deadline, err)
		}
		o.Deadline = &d
	}
	if amount != "" || currency != "" {
		o.Value = &node.Amount{Amount: amount, Currency: currency}
	}
	if outAmount != "" || outCurrency != "" {
		o.Outcome = &node.Amount{Amount: outAmount, Currency: outCurrency}
	}
	var codes []string
	get("cpvCodes", &codes)
	inLot := map[string]bool{}
	for _, l := range it.Items("lots") {
		lotID := l.ID()
		if i := strings.LastIndex(lotID, "/lots/"); i >= 0 {
			lotID = lotID[i+len("/lots/"):]
		}
		lot := node.Lot{ID: lotID, Title: l.NameMap()}
		_ = l.Unmarshal("cpvCodes", &lot.CPV)
		for _, c := range lot.CPV {
			inLot[c] = true
			o.Competences = append(o.Competences, node.RequiredCompetence{CPV: c, Lot: lot.ID})
		}
		o.Lots = append(o.Lots, lot)
	}
	for _, c := range codes {
		if !inLot[c] {
			o.Competences = append(o.Competences, node.RequiredCompetence{CPV: c})
		}
	}
	if lead := it.IRIs("attributedTo"); len(lead) == 1 && lead[0] != origin {
		o.LeadAPID = lead[0]
	}
	if c := it.Items("consortium"); len(c) == 1 {
		var parts []struct {
			Member       string   `json:"member"`
			Role         string   `json:"role"`
			Name         string   `json:"name"`
			Country      string   `json:"country"`
			AttributedTo string   `json:"attributedTo"`
			Lots         []string `json:"lotIds"`
		}
		_ = c[0].Unmarshal("participants", &parts)
		for _, p := range parts {
			e := node.ConsortiumEntry{MemberAPID: p.Member, Name: p.Name, Node: p.AttributedTo, Country: p.Country,
				Role: roleFromWire(p.Role), Lots: p.Lots}
			if e.Role == node.RoleLeadEntity && e.MemberAPID == o.LeadAPID {
				o.LeadName = e.Name
			}
			o.Consortium = append(o.Consortium, e)
		}
	}
	var published time.Time
	if raw := it.Get("published"); raw != nil && json.Unmarshal(raw, &published) == nil && !published.IsZero() {
		o.CreatedAt = published.UTC()
	}
	if raw := it.Get("updated"); raw != nil && json.Unmarshal(raw, &published) == nil && !published.IsZero() {
		o.UpdatedAt = published.UTC()
	}
	o.Revision = revisionOf(it)
	if o.NodeCountry == "" {
		o.NodeCountry = o.Country
	}
	o.Normalize()
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("opportunity %s: %w", o.APID, err)
	}
	return o, nil
}

// interestObject is what an Offer carries: the member's participation.
func (f *Federation) interestObject(in *node.Interest, opportunityAPID string) *vocab.Builder {
	b := vocab.NewObject("Interest", in.APID).
		SetAttributedTo(in.MemberAPID).
		SetPublished(in.CreatedAt).
		SetName("und", map[string]string{"und": in.MemberName}).
		Set("member", in.MemberAPID).
		Set("country", in.Country).
		Set("role", wireRole[in.Role])
	if len(in.Message) > 0 {
		b.SetContent(defaultLang(in.Message), htmlText(in.Message))
	}
	if len(in.Lots) > 0 {
		b.Set("lotIds", in.Lots)
	}
	if len(in.Competences) > 0 {
		b.Set("competences", in.Competences)
	}
	if o, ok := b.AP().(*ap.Object); ok {
		o.InReplyTo = ap.IRI(opportunityAPID)
	}
	return b
}

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
		return &permanentError{err}
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
		return &permanentError{fmt.Errorf("Offer %s: %w", act.ID(), err)}
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
func (f *Federation) backfillOpportunities(ctx context.Context, peer *node.Peer) error {
	opps, err := f.store.OpenLocalOpportunities(ctx)
	if err != nil {
		return err
	}
	for _, o := range opps {
		id := f.uris.Activity("backfill-" + shortHash(peer.ActorURL+"|opportunity|"+o.ID+"|"+o.UpdatedAt.String()))
		act := vocab.NewActivity("Create", id, f.uris.Actor(), f.opportunityObject(o)).SetPublished(o.UpdatedAt).SetTo(peer.ActorURL)
		body, err := act.Marshal()
		if err != nil {
			return &permanentError{err}
		}
		if err := f.deliverTo(ctx, id, body, []*node.Peer{peer}); err != nil {
			return err
		}
	}
	return nil
}
