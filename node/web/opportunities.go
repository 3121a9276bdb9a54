package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/opportunity"
)

// oppCard is an opportunity as a list shows it.
type oppCard struct {
	*node.Opportunity
	Title, Summary Text
	CrossBorder    bool
	Closed         bool
	Matched        []codes.Entry // the co-op's competences that fit it ("For you")
}

func viewerOf(u *auth.User) opportunity.Viewer {
	if u.Role == auth.RoleAdmin {
		return opportunity.Viewer{Admin: true}
	}
	if u.Role == auth.RoleMember {
		return opportunity.Viewer{Member: u.Member}
	}
	return opportunity.Viewer{}
}

func (s *Server) noOpportunities(op string) error {
	return &node.Error{Code: node.ENOTFOUND, Op: op, Message: "this node does not serve opportunities"}
}

func (s *Server) oppCard(l *Locale, o *node.Opportunity, now time.Time) oppCard {
	return oppCard{Opportunity: o, Title: l.Pick(o.Title), Summary: l.Pick(o.Summary),
		CrossBorder: s.crossBorder(o), Closed: o.Closed(now)}
}

// crossBorder reports whether an opportunity comes from, or takes place
// in, another country than this node's.
func (s *Server) crossBorder(o *node.Opportunity) bool {
	return o.NodeCountry != "" && o.NodeCountry != s.Info.Country || o.Country != "" && o.Country != s.Info.Country
}

// covers reports whether a co-op's competence covers a required CPV code,
// by the network's rule (node.CPVCovers, spec/consortium.md): the same
// code, a code below it, or one above it at group level or deeper.
func covers(competence, required string) bool { return node.CPVCovers(competence, required) }

// openStatuses are the statuses in which a co-op may still join.
var openStatuses = []node.OpportunityStatus{node.OpportunityPlanned, node.OpportunityActive, node.OpportunityForming}

// forYou lists the open opportunities that need one of the co-op's
// competences, cross-border first, soonest deadline first.
func (s *Server) forYou(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Opportunities == nil {
		return s.noOpportunities("for you")
	}
	if rq.User.Role != auth.RoleMember {
		redirect(w, r, "/opportunities")
		return nil
	}
	m, err := s.Members.Get(r.Context(), rq.User.Member)
	if err != nil {
		return err
	}
	now := time.Now()
	found := map[string]*oppCard{}
	for _, c := range m.Competences {
		items, _, err := s.Opportunities.List(r.Context(), opportunity.Query{Competence: c, Status: openStatuses, Limit: opportunity.MaxLimit})
		if err != nil {
			return err
		}
		for _, o := range items {
			if o.Closed(now) || o.Origin == "" && o.Lead == m.ID {
				continue
			}
			if found[o.ID] == nil {
				card := s.oppCard(rq.L, o, now)
				found[o.ID] = &card
			}
		}
	}
	var cross, local []oppCard
	for _, card := range found {
		var matched []string
		for _, c := range m.Competences {
			for _, need := range card.CPVs() {
				if covers(c, need) {
					matched = append(matched, c)
					break
				}
			}
		}
		if len(matched) == 0 {
			continue // the store's relation is wider than the rule
		}
		card.Matched = s.labelCodes(r.Context(), matched, rq.L.Tag)
		if card.CrossBorder {
			cross = append(cross, *card)
		} else {
			local = append(local, *card)
		}
	}
	for _, list := range [][]oppCard{cross, local} {
		sort.Slice(list, func(i, j int) bool { return soonerFirst(list[i].Opportunity, list[j].Opportunity) })
	}
	v := s.view(r, rq, "foryou.title")
	if s.Live != nil {
		v.LiveURL = "/live/foryou"
	}
	v.D = map[string]any{"Cross": cross, "Local": local, "Coop": m, "Competences": len(m.Competences)}
	s.render(w, http.StatusOK, "foryou", v)
	return nil
}

// soonerFirst orders by deadline, those without one last, then by title.
func soonerFirst(a, b *node.Opportunity) bool {
	switch {
	case a.Deadline != nil && b.Deadline != nil && !a.Deadline.Equal(*b.Deadline):
		return a.Deadline.Before(*b.Deadline)
	case a.Deadline != nil && b.Deadline == nil:
		return true
	case a.Deadline == nil && b.Deadline != nil:
		return false
	}
	return a.ID < b.ID
}

// oppQuery is the list page's filter form.
type oppQuery struct {
	Scope, Competence, Country, Status string
	Page                               int
}

func (s *Server) opportunitiesPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Opportunities == nil {
		return s.noOpportunities("opportunities")
	}
	qv := r.URL.Query()
	f := oppQuery{Scope: qv.Get("scope"), Competence: strings.TrimSpace(qv.Get("competence")), Country: strings.TrimSpace(qv.Get("country")), Status: qv.Get("status")}
	f.Page, _ = strconv.Atoi(qv.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	q := opportunity.Query{Scope: f.Scope, Competence: f.Competence, Country: f.Country, Limit: 20, Offset: (f.Page - 1) * 20}
	switch f.Status {
	case "", "open":
		f.Status, q.Status = "open", openStatuses
	case "all":
	default:
		q.Status = []node.OpportunityStatus{node.OpportunityStatus(f.Status)}
	}
	v := s.view(r, rq, "opportunities.title")
	items, total, err := s.Opportunities.List(r.Context(), q)
	status := http.StatusOK
	if err != nil {
		if v.Errors = problems(rq.L, err); v.Errors == nil {
			return err
		}
		for i := range v.Errors {
			if strings.HasPrefix(v.Errors[i].ID, "status") {
				v.Errors[i].ID, v.Errors[i].Label = "status", rq.L.T("field.oppstatus")
			}
		}
		status = http.StatusBadRequest
	}
	now := time.Now()
	cards := make([]oppCard, 0, len(items))
	for _, o := range items {
		cards = append(cards, s.oppCard(rq.L, o, now))
	}
	d := map[string]any{"Q": f, "Cards": cards, "Total": total, "Statuses": node.OpportunityStatuses,
		"Scopes": []string{opportunity.ScopeAll, opportunity.ScopeCrossBorder, opportunity.ScopeLocal}}
	if f.Page > 1 {
		d["Prev"] = pageLink(r, f.Page-1)
	}
	if q.Offset+len(items) < total {
		d["NextPage"] = pageLink(r, f.Page+1)
	}
	v.D = d
	s.render(w, status, "opportunities", v)
	return nil
}

// oppDetail is what the detail page shows.
type oppDetail struct {
	oppCard
	Description  Text
	Competences  []neededCode
	Lots         []lotView
	IsLead       bool // the user manages it: the lead's people, or an admin here
	MayExpress   bool
	MayTakeOn    bool             // a radar entry without a lead, which the member's co-op may lead
	Own          []*node.Interest // the member's own interests
	Interests    []*node.Interest // every interest, for the lead
	Next         []node.OpportunityStatus
	Coop         []codes.Entry // the member's competences, for the form
	Checked      map[string]bool
	Form         interestForm
	OutcomeValue string
	OutcomeCur   string
	Suggestions  []Suggestion
	SuggestError string
}

type neededCode struct {
	codes.Entry
	Lot string
}

type lotView struct {
	ID    string
	Title Text
	CPV   []codes.Entry
}

type interestForm struct {
	Role    string
	Lots    []string
	Message string
}

func (s *Server) opportunityPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderOpportunity(w, r, rq, http.StatusOK, nil, nil)
}

// renderOpportunity shows an opportunity; form is the interest form sent
// back with its errors, or nil.
func (s *Server) renderOpportunity(w http.ResponseWriter, r *http.Request, rq *request, status int, form *interestForm, errs []fieldProblem) error {
	if s.Opportunities == nil {
		return s.noOpportunities("opportunity")
	}
	ctx, l := r.Context(), rq.L
	o, err := s.Opportunities.Get(ctx, viewerOf(rq.User), r.PathValue("id"))
	if err != nil {
		return err
	}
	now := time.Now()
	d := &oppDetail{oppCard: s.oppCard(l, o, now), Description: l.Pick(o.Description), Checked: map[string]bool{}}
	for _, c := range o.Competences {
		d.Competences = append(d.Competences, neededCode{Entry: s.labelCodes(ctx, []string{c.CPV}, l.Tag)[0], Lot: c.Lot})
	}
	for _, lot := range o.Lots {
		d.Lots = append(d.Lots, lotView{ID: lot.ID, Title: l.Pick(lot.Title), CPV: s.labelCodes(ctx, lot.CPV, l.Tag)})
	}
	u := rq.User
	d.IsLead = o.Origin == "" && (u.Role == auth.RoleAdmin || u.Role == auth.RoleMember && u.Member == o.Lead)
	if d.IsLead {
		d.Interests = o.Interests
		d.Next = o.Status.Next()
	}
	if u.Role == auth.RoleMember {
		busy := false
		for _, in := range o.Interests {
			if in.Member == u.Member {
				d.Own = append(d.Own, in)
				busy = busy || in.State == node.InterestPending || in.State == node.InterestAccepted
			}
		}
		radar := o.Lead == "" && o.LeadAPID == ""
		d.MayTakeOn = radar && !d.Closed && o.Status.Open()
		d.MayExpress = !d.Closed && !busy && !radar && !(o.Origin == "" && o.Lead == u.Member)
		if d.MayExpress {
			m, err := s.Members.Get(ctx, u.Member)
			if err != nil {
				return err
			}
			d.Coop = s.labelCodes(ctx, m.Competences, l.Tag)
			for _, c := range m.Competences {
				for _, need := range o.CPVs() {
					if covers(c, need) {
						d.Checked[c] = true
					}
				}
			}
		}
	}
	d.Form = interestForm{Role: string(node.RoleGroupMember)}
	if r.Method == http.MethodPost {
		d.OutcomeValue, d.OutcomeCur = r.PostFormValue("outcome_amount"), r.PostFormValue("outcome_currency")
	}
	if form != nil {
		d.Form = *form
		d.Checked = map[string]bool{}
		for _, c := range r.PostForm["competences"] {
			d.Checked[c] = true
		}
	}
	if s.Suggest != nil && d.IsLead && o.Status.Open() {
		d.Suggestions, err = s.Suggest.Suggest(ctx, o.ID, 3, o.OpenAbroad)
		if err != nil {
			s.Logger.WarnContext(ctx, "consortium suggestions", "opportunity", o.ID, "err", err)
			d.SuggestError = l.T("opportunity.suggest.failed")
		}
	}
	v := s.view(r, rq, "opportunity.title", d.Title.Text)
	if d.Title.Lang != rq.L.Tag {
		v.TitleLang = d.Title.Lang
	}
	v.Errors = errs
	if s.Live != nil {
		v.LiveURL = "/live/opportunities/" + url.PathEscape(o.ID)
	}
	switch r.URL.Query().Get("done") {
	case "interest", "accepted", "rejected", "status", "posted", "taken":
		v.Notice = l.T("opportunity.done." + r.URL.Query().Get("done"))
	}
	v.D = d
	s.render(w, status, "opportunity", v)
	return nil
}

func (s *Server) expressInterest(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Opportunities == nil {
		return s.noOpportunities("express interest")
	}
	if err := r.ParseForm(); err != nil {
		return &node.Error{Code: node.EINVALID, Op: "express interest", Message: "the form could not be read"}
	}
	f := &interestForm{Role: r.PostFormValue("role"), Lots: r.PostForm["lots"], Message: r.PostFormValue("message")}
	in := opportunity.InterestInput{Role: node.ConsortiumRole(f.Role), Lots: f.Lots, Competences: r.PostForm["competences"]}
	if strings.TrimSpace(f.Message) != "" {
		in.Message = map[string]string{rq.L.Tag: f.Message}
	}
	id := r.PathValue("id")
	if _, err := s.Opportunities.Express(r.Context(), viewerOf(rq.User), id, in); err != nil {
		errs := problems(rq.L, err)
		if errs == nil {
			return err
		}
		for i := range errs {
			if strings.HasPrefix(errs[i].ID, "message") {
				errs[i].ID, errs[i].Label = "message", rq.L.T("field.message")
			}
		}
		return s.renderOpportunity(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, "/opportunities/"+url.PathEscape(id)+"?done=interest")
	return nil
}

// takeOn makes the member's co-op the lead of a tender radar entry; a
// peer's entry becomes a new opportunity of this node (see
// opportunity.Service.TakeOn), whose page it then shows.
func (s *Server) takeOn(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Opportunities == nil {
		return s.noOpportunities("take on opportunity")
	}
	o, err := s.Opportunities.TakeOn(r.Context(), viewerOf(rq.User), "", r.PathValue("id"))
	if err != nil {
		return err
	}
	redirect(w, r, "/opportunities/"+url.PathEscape(o.ID)+"?done=taken")
	return nil
}

func (s *Server) answerInterest(w http.ResponseWriter, r *http.Request, rq *request, accept bool) error {
	if s.Opportunities == nil {
		return s.noOpportunities("answer interest")
	}
	id := r.PathValue("id")
	if _, _, err := s.Opportunities.Answer(r.Context(), viewerOf(rq.User), id, r.PathValue("iid"), accept); err != nil {
		return err
	}
	done := "rejected"
	if accept {
		done = "accepted"
	}
	redirect(w, r, "/opportunities/"+url.PathEscape(id)+"?done="+done)
	return nil
}

func (s *Server) acceptInterest(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.answerInterest(w, r, rq, true)
}

func (s *Server) rejectInterest(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.answerInterest(w, r, rq, false)
}

func (s *Server) setOpportunityStatus(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Opportunities == nil {
		return s.noOpportunities("set status")
	}
	id := r.PathValue("id")
	to := node.OpportunityStatus(r.PostFormValue("status"))
	var outcome *node.Amount
	if a := strings.TrimSpace(r.PostFormValue("outcome_amount")); a != "" {
		cur := strings.TrimSpace(r.PostFormValue("outcome_currency"))
		if cur == "" {
			cur = "EUR"
		}
		outcome = &node.Amount{Amount: strings.ReplaceAll(a, ",", "."), Currency: cur}
	}
	if _, err := s.Opportunities.SetStatus(r.Context(), viewerOf(rq.User), id, to, outcome); err != nil {
		var errs []fieldProblem
		switch node.ErrorCode(err) {
		case node.EINVALID:
			errs = problems(rq.L, err)
			for i := range errs {
				switch {
				case strings.HasPrefix(errs[i].ID, "outcome"):
					errs[i].ID, errs[i].Label = "outcome_amount", rq.L.T("field.outcome")
				case errs[i].ID == "status":
					errs[i].Label = rq.L.T("field.oppstatus")
				}
			}
		case node.ECONFLICT:
			errs = []fieldProblem{{ID: "status", Label: rq.L.T("field.oppstatus"), Reason: node.ErrorMessage(err), ReasonLang: "en"}}
		}
		if errs == nil {
			return err
		}
		return s.renderOpportunity(w, r, rq, http.StatusBadRequest, nil, errs)
	}
	redirect(w, r, "/opportunities/"+url.PathEscape(id)+"?done=status")
	return nil
}

// Amount formats a sum of money for the locale: euros with the symbol
// where the language puts it, other currencies with their code.
func (l *Locale) Amount(a *node.Amount) string {
	if a == nil {
		return ""
	}
	v, err := strconv.ParseFloat(a.Amount, 64)
	if err != nil {
		return a.Amount + " " + a.Currency
	}
	if a.Currency == "EUR" {
		return l.Money(v)
	}
	return l.Dec(v) + "\u00a0" + a.Currency
}

// Suggestion is a consortium the node proposes for an opportunity, with
// what it is ranked on, so that the page explains it in the reader's
// language.
type Suggestion struct {
	Complete bool
	Members  []SuggestedMember
	// Missing are the required CPV codes no member covers.
	Missing []string
	// Needs, Covered, Countries and InLanguage are the score: required
	// codes, those covered, distinct countries, members working in a
	// language of the opportunity.
	Needs, Covered, Countries, InLanguage int
	// Summary is the same explanation as an English sentence.
	Summary string
}

// SuggestedMember is one co-op of a suggestion.
type SuggestedMember struct {
	ID, Name, Country, Node string
	// Covers are the required CPV codes it brings.
	Covers []string
	// Language is the opportunity language it works in, or "".
	Language string
	// Included is true for the lead and the partners already accepted,
	// who belong to every suggestion.
	Included bool
}

// Suggester proposes consortia for an opportunity (the consortium
// service, wired by the composition root); nil hides the section.
type Suggester interface {
	Suggest(ctx context.Context, opportunityID string, k int, crossBorder bool) ([]Suggestion, error)
}
