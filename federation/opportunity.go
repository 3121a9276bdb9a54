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
	// DeleteRemoteOpportunitiesOf purges every opportunity a peer
	// published (it was blocked or its admission ended), with the
	// interests in them and their notices.
	DeleteRemoteOpportunitiesOf(ctx context.Context, origin string) error
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
	if o.Tender != nil {
		b.Set("tender", o.Tender) // a JSON literal (@json in /ns): node.Tender's fields
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
	get("tender", &o.Tender)
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
	if o.Country == "" && len(o.Region) >= 2 {
		// placeOfPerformance alone: the NUTS code names the country
		// (NUTS writes Greece EL and the United Kingdom UK).
		o.Country = map[string]string{"EL": "GR", "UK": "GB"}[o.Region[:2]]
		if o.Country == "" {
			o.Country = o.Region[:2]
		}
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
