package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
)

// oppForm is the form a lead posts an opportunity with, in one language.
type oppForm struct {
	Member, Lang, Title, Summary, Description string
	Competences, Country, Region, Deadline    string
	Amount, Currency, Status                  string
	OpenAbroad, Reserved, Social, Access, SME bool
	Members                                   []*node.Member // for an admin: the lead to post for
	Langs                                     []string
	Admin                                     bool
}

func (s *Server) oppFormPage(w http.ResponseWriter, r *http.Request, rq *request, status int, f *oppForm, errs []fieldProblem) error {
	f.Langs, f.Admin = Languages, rq.User.Role == auth.RoleAdmin
	if f.Admin {
		res, err := s.Catalogue.Search(r.Context(), catalogue.Query{Origin: "local", Status: node.StatusMember, Limit: catalogue.MaxLimit})
		if err != nil {
			return err
		}
		f.Members = res.Items
	}
	v := s.view(r, rq, "oppform.title")
	v.Errors = errs
	v.D = f
	s.render(w, status, "oppform", v)
	return nil
}

func (s *Server) postOpportunityPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Opportunities == nil {
		return s.noOpportunities("post opportunity")
	}
	return s.oppFormPage(w, r, rq, http.StatusOK, &oppForm{Lang: rq.L.Tag, Country: s.Info.Country, Currency: "EUR",
		Status: string(node.OpportunityActive), OpenAbroad: true}, nil)
}

func (s *Server) postOpportunity(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Opportunities == nil {
		return s.noOpportunities("post opportunity")
	}
	pf := r.PostFormValue
	f := &oppForm{Member: pf("member"), Lang: pf("lang"), Title: pf("title"), Summary: pf("summary"), Description: pf("description"),
		Competences: pf("competences"), Country: pf("country"), Region: pf("region"), Deadline: strings.TrimSpace(pf("deadline")),
		Amount: strings.TrimSpace(pf("value_amount")), Currency: strings.TrimSpace(pf("value_currency")), Status: pf("status"),
		OpenAbroad: pf("open_abroad") == "on", Reserved: pf("reserved") == "on", Social: pf("social") == "on",
		Access: pf("accessibility") == "on", SME: pf("sme") == "on"}
	l := rq.L
	var errs []fieldProblem
	if !contains(Languages, f.Lang) {
		errs = append(errs, fieldProblem{ID: "lang", Label: l.T("field.lang"), Reason: l.T("newsform.lang.invalid")})
	}
	o := &node.Opportunity{Title: one(f.Lang, f.Title), Summary: one(f.Lang, f.Summary), Description: one(f.Lang, f.Description),
		Country: f.Country, Region: f.Region, Status: node.OpportunityStatus(f.Status), OpenAbroad: f.OpenAbroad,
		Flags: node.Flags{Reserved: f.Reserved, SocialObjective: f.Social, AccessibilityCriteria: f.Access, SMESuitable: f.SME}}
	for _, c := range splitList(f.Competences) {
		o.Competences = append(o.Competences, node.RequiredCompetence{CPV: c})
	}
	if f.Deadline != "" {
		d, err := time.ParseInLocation(dateTimeLocal, f.Deadline, time.UTC)
		if err != nil {
			errs = append(errs, fieldProblem{ID: "deadline", Label: l.T("opportunity.deadline"), Reason: l.T("form.datetime.invalid")})
		}
		o.Deadline = &d
	}
	if f.Amount != "" {
		o.Value = &node.Amount{Amount: strings.ReplaceAll(f.Amount, ",", "."), Currency: f.Currency}
	}
	if errs != nil {
		return s.oppFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	member := f.Member
	if rq.User.Role != auth.RoleAdmin {
		member = rq.User.Member
	}
	created, err := s.Opportunities.Create(r.Context(), viewerOf(rq.User), member, o)
	if err != nil {
		if errs = oppProblems(l, err); errs == nil {
			return err
		}
		return s.oppFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, "/opportunities/"+url.PathEscape(created.ID)+"?done=posted")
	return nil
}

// oppProblems maps the service's field errors to the form's controls:
// "title.fr" → title, "competences[0].cpv" → competences, "value.amount"
// → value_amount.
func oppProblems(l *Locale, err error) []fieldProblem {
	errs := problems(l, err)
	labels := map[string]string{"deadline": "opportunity.deadline", "value_amount": "opportunity.value",
		"value_currency": "field.currency", "status": "field.oppstatus", "description": "field.description", "member": "field.lead"}
	out := errs[:0]
	seen := map[string]bool{}
	for _, e := range errs {
		id := e.ID
		switch {
		case strings.HasPrefix(id, "value-"):
			id = strings.Replace(id, "-", "_", 1)
		default:
			id, _, _ = strings.Cut(id, "-")
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		e.ID, e.Label = id, l.T("field."+id)
		if k, ok := labels[id]; ok {
			e.Label = l.T(k)
		}
		out = append(out, e)
	}
	return out
}

// dateTimeLocal is the value format of <input type="datetime-local">.
const dateTimeLocal = "2006-01-02T15:04"

// one returns a language map with one text, or an empty map.
func one(lang, text string) map[string]string {
	if strings.TrimSpace(text) == "" {
		return map[string]string{}
	}
	return map[string]string{lang: text}
}
