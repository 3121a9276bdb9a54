package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/market"
)

// marketActor is who the user acts as in the marketplace.
func marketActor(u *auth.User) market.Actor {
	if u.Role == auth.RoleAdmin {
		return market.Actor{Admin: true}
	}
	return market.Actor{Member: u.Member}
}

func (s *Server) noMarket(op string) error {
	return &node.Error{Code: node.ENOTFOUND, Op: op, Message: "this node does not serve the marketplace"}
}

// listingCard is a listing as the list and the detail page show it.
type listingCard struct {
	*node.Listing
	Title, Description Text
	OwnerName          string // the co-op's name, "" for the group
	Mine               bool   // the user may manage it (owner's people, or an admin for a local listing)
	Percent            int    // a group purchase's progress towards its target
}

func (s *Server) listingCard(ctx context.Context, l *Locale, u *auth.User, li *node.Listing) listingCard {
	c := listingCard{Listing: li, Title: l.Pick(li.Title), Description: l.Pick(li.Description), OwnerName: li.Owner}
	if li.Origin == "" && li.Owner != "" {
		if m, err := s.Members.Get(ctx, li.Owner); err == nil {
			c.OwnerName = m.Name
		}
	}
	if c.Title.Text == "" {
		c.Title = Text{Lang: l.Tag, Text: li.ID}
	}
	c.Mine = li.Origin == "" && (u.Role == auth.RoleAdmin || u.Role == auth.RoleMember && li.Owner != "" && li.Owner == u.Member)
	if li.Quantity.Value > 0 {
		c.Percent = int(min(100, li.Committed*100/li.Quantity.Value))
	}
	return c
}

// marketQuery is the list page's filter form, the API's filters.
type marketQuery struct {
	Side, Kind, CPV, Country, Scope, Status, Origin string
	Page                                            int
}

var (
	listingSides    = []node.ListingSide{node.SideOffer, node.SideNeed}
	listingKinds    = []node.ListingKind{node.KindProduct, node.KindService, node.KindSharedService, node.KindGroupPurchase}
	listingScopes   = []node.Scope{node.ScopeLocal, node.ScopeNational, node.ScopeInternational}
	listingStatuses = []node.ListingStatus{node.ListingOpen, node.ListingClosed, node.ListingReached, node.ListingNotReached}
)

// marketPage lists the listings with the API's filters, and the user's
// marketplace notices above them.
func (s *Server) marketPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("marketplace")
	}
	ctx, l := r.Context(), rq.L
	qv := r.URL.Query()
	f := marketQuery{Side: qv.Get("side"), Kind: qv.Get("kind"), CPV: strings.TrimSpace(qv.Get("cpv")),
		Country: strings.ToUpper(strings.TrimSpace(qv.Get("country"))), Scope: qv.Get("scope"), Status: qv.Get("status"), Origin: qv.Get("origin")}
	if !qv.Has("status") {
		f.Status = string(node.ListingOpen)
	}
	f.Page, _ = strconv.Atoi(qv.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	v := s.view(r, rq, "market.title")
	var errs []fieldProblem
	check := func(id, val string, ok bool) {
		if val != "" && !ok {
			errs = append(errs, fieldProblem{ID: id, Label: l.T("market.field." + id), Reason: l.T("market.filter.invalid")})
		}
	}
	check("side", f.Side, contains([]string{"offer", "need"}, f.Side))
	check("kind", f.Kind, contains([]string{"product", "service", "shared-service", "group-purchase"}, f.Kind))
	check("scope", f.Scope, contains([]string{"local", "national", "international"}, f.Scope))
	check("status", f.Status, contains([]string{"open", "closed", "reached", "not-reached"}, f.Status))
	check("origin", f.Origin, contains([]string{"local", "remote"}, f.Origin))
	_, cpvOK := node.NormalizeCPV(f.CPV)
	check("cpv", f.CPV, cpvOK)
	check("country", f.Country, len(f.Country) == 2 && strings.Trim(f.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "")
	status := http.StatusOK
	var cards []listingCard
	total := 0
	q := market.Query{Side: node.ListingSide(f.Side), Kind: node.ListingKind(f.Kind), CPV: f.CPV, Country: f.Country,
		Scope: node.Scope(f.Scope), Status: node.ListingStatus(f.Status), Origin: f.Origin, Limit: 20, Offset: (f.Page - 1) * 20}
	if errs != nil {
		v.Errors, status = errs, http.StatusBadRequest
	} else {
		items, n, err := s.Market.List(ctx, q)
		if err != nil {
			return err
		}
		total = n
		for _, li := range items {
			cards = append(cards, s.listingCard(ctx, l, rq.User, li))
		}
	}
	member := ""
	if rq.User.Role == auth.RoleMember {
		member = rq.User.Member
	}
	ns, err := s.marketNotices(ctx, member)
	if err != nil {
		return err
	}
	d := map[string]any{"Q": f, "Cards": cards, "Total": total, "Notices": s.noticeViews(l, ns),
		"Sides": listingSides, "Kinds": listingKinds, "Scopes": listingScopes, "Statuses": listingStatuses}
	if f.Page > 1 {
		d["Prev"] = pageLink(r, f.Page-1)
	}
	if q.Offset+len(cards) < total {
		d["NextPage"] = pageLink(r, f.Page+1)
	}
	v.D = d
	s.render(w, status, "market", v)
	return nil
}

// NoticeLister lists a member's notices, newest first ("" is the
// group's); the notice service implements it.
type NoticeLister interface {
	List(ctx context.Context, member string, before int64, limit int) ([]*node.Notice, error)
}

// marketNotices returns the ten newest marketplace notices of a member
// (the node's notices of kind listing), none without Notices.
func (s *Server) marketNotices(ctx context.Context, member string) ([]*node.Notice, error) {
	if s.Notices == nil {
		return nil, nil
	}
	var out []*node.Notice
	before := int64(0)
	for range 5 { // at most 1000 notices back
		ns, err := s.Notices.List(ctx, member, before, 200)
		if err != nil || len(ns) == 0 {
			return out, err
		}
		for _, n := range ns {
			if n.Kind == node.NoticeListing {
				if out = append(out, n); len(out) == 10 {
					return out, nil
				}
			}
			before = n.ID
		}
	}
	return out, nil
}

// noticeView is a marketplace notice as the list page shows it.
type noticeView struct {
	Title        Text
	Kind, Reason string
	Listing      string // the local id of the listing it is about
	Other        string // the matching listing, for a match
	At           time.Time
}

func (s *Server) noticeViews(l *Locale, ns []*node.Notice) []noticeView {
	out := make([]noticeView, 0, len(ns))
	for _, n := range ns {
		listing, kind, other := market.ParseNoticeRef(n.Ref)
		nv := noticeView{Title: l.Pick(n.Title), Kind: kind, Reason: n.Reason, Listing: listing, At: n.CreatedAt}
		if kind == market.NoticeMatch {
			nv.Other = other
		}
		if !contains([]string{market.NoticeMatch, market.NoticeResponse, market.NoticeAccepted, market.NoticeRejected, market.NoticeClosed, market.NoticeLeft}, kind) {
			nv.Kind = "other"
		}
		out = append(out, nv)
	}
	return out
}

// listingDetail is what the detail page shows.
type listingDetail struct {
	listingCard
	Card        listingCard // the same, for the facts partial
	CPV         []codes.Entry
	Responses   []responseView
	MayRespond  bool
	Members     []*node.Member // for an admin: the co-op to answer for
	Form        respondForm
	Shared      bool // a local shared service: subscribers and shares
	Subscribers []subscriberView
	Subscribed  bool
	Period      string
	Statement   *market.Statement
	StatementOf map[string]string // member id → name
}

type responseView struct {
	*node.Response
	Name  string
	Terms Text
}

type subscriberView struct {
	*market.Subscription
	Name string
}

type respondForm struct {
	Responder, Quantity, Terms, Attribute string
}

func (s *Server) listingPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderListing(w, r, rq, http.StatusOK, nil, nil)
}

func (s *Server) memberName(ctx context.Context, id string) string {
	if m, err := s.Members.Get(ctx, id); err == nil {
		return m.Name
	}
	return id
}

// renderListing shows a listing; form is the response form sent back
// with its errors, or nil.
func (s *Server) renderListing(w http.ResponseWriter, r *http.Request, rq *request, status int, form *respondForm, errs []fieldProblem) error {
	if s.Market == nil {
		return s.noMarket("listing")
	}
	ctx, l, u := r.Context(), rq.L, rq.User
	li, err := s.Market.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if li.Status == node.ListingWithdrawn {
		return &node.Error{Code: node.ENOTFOUND, Op: "listing", Message: "listing " + li.ID + " was withdrawn"}
	}
	card := s.listingCard(ctx, l, u, li)
	d := &listingDetail{listingCard: card, Card: card, CPV: s.labelCodes(ctx, li.CPV, l.Tag)}
	rs, err := s.Market.Responses(ctx, marketActor(u), li.ID)
	if err != nil {
		return err
	}
	for _, resp := range rs {
		name := resp.Responder
		if resp.ResponderNode == "" {
			name = s.memberName(ctx, resp.Responder)
		}
		d.Responses = append(d.Responses, responseView{Response: resp, Name: name, Terms: l.Pick(resp.Terms)})
	}
	d.Shared = li.Origin == "" && li.Kind == node.KindSharedService && li.Side == node.SideOffer && li.CostModel != nil
	own := li.Origin == "" && u.Role == auth.RoleMember && li.Owner == u.Member
	d.MayRespond = li.Status.Open() && !d.Shared && !own && (u.Role == auth.RoleMember || u.Role == auth.RoleAdmin)
	if d.MayRespond && u.Role == auth.RoleAdmin {
		if d.Members, err = s.localMembers(ctx); err != nil {
			return err
		}
	}
	if form != nil {
		d.Form = *form
	}
	if d.Shared {
		subs, err := s.Market.Store.Subscriptions(ctx, li.ID)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			d.Subscribers = append(d.Subscribers, subscriberView{Subscription: sub, Name: s.memberName(ctx, sub.Member)})
			if sub.End == nil && u.Role == auth.RoleMember && sub.Member == u.Member {
				d.Subscribed = true
			}
		}
		d.Period = r.URL.Query().Get("period")
		if d.Period == "" {
			d.Period = time.Now().UTC().Format("2006-01")
		}
		st, err := s.Market.Shares(ctx, marketActor(u), li.ID, d.Period)
		if node.ErrorCode(err) == node.EFORBIDDEN {
			err = nil // the shares are for the owner, the admins and the subscribers
		} else if err != nil {
			pe := problems(l, err)
			if pe == nil {
				return err
			}
			errs = append(errs, fieldProblem{ID: "period", Label: l.T("market.shares.period"), Reason: pe[0].Reason, ReasonLang: "en"})
			status = http.StatusBadRequest
		} else {
			d.Statement, d.StatementOf = st, map[string]string{}
			for _, ln := range st.Lines {
				d.StatementOf[ln.Member] = s.memberName(ctx, ln.Member)
			}
		}
	}
	v := s.view(r, rq, "market.listing.title", d.Title.Text)
	if d.Title.Lang != l.Tag {
		v.TitleLang = d.Title.Lang
	}
	v.Errors = errs
	switch done := r.URL.Query().Get("done"); done {
	case "posted", "responded", "accepted", "rejected", "closed", "subscribed", "unsubscribed":
		v.Notice = l.T("market.done." + done)
	}
	v.D = d
	s.render(w, status, "listing", v)
	return nil
}

// listingURL is the page of a listing, with what was just done.
func listingURL(id, done string) string {
	return "/market/" + url.PathEscape(id) + "?done=" + done
}
