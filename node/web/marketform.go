package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

// listingForm is the form a co-op (or an admin, for the group or a
// co-op) posts a listing with, in one language.
type listingForm struct {
	Owner, Side, Kind, Lang, Title, Description, CPV string
	QuantityValue, QuantityUnit                      string
	PriceAmount, PriceCurrency, PricePer             string
	CostAmount, CostCurrency, CostRule               string
	AvailableFrom, AvailableUntil, Deadline          string
	Scope, Country, Region                           string

	Admin   bool
	Members []*node.Member
	Langs   []string
	Units   []string
	Sides   []node.ListingSide
	Kinds   []node.ListingKind
	Scopes  []node.Scope
	Rules   []string
}

// listingUnits are the om2 units the form offers, commonest first.
var listingUnits = []string{"one", "hour", "day", "week", "month", "year", "kilogram", "gigabyte", "kilowattHour", "squareMetre", "second-Time"}

func (s *Server) listingFormPage(w http.ResponseWriter, r *http.Request, rq *request, status int, f *listingForm, errs []fieldProblem) error {
	f.Admin, f.Langs, f.Units = rq.User.Role == auth.RoleAdmin, Languages, listingUnits
	f.Sides, f.Kinds, f.Scopes = listingSides, listingKinds, listingScopes
	f.Rules = []string{node.ShareEqual, node.ShareUnits, node.ShareAttribute}
	if f.Admin {
		var err error
		if f.Members, err = s.localMembers(r.Context()); err != nil {
			return err
		}
	}
	v := s.view(r, rq, "marketform.title")
	v.Errors = errs
	v.D = f
	s.render(w, status, "listingform", v)
	return nil
}

func (s *Server) postListingPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("post listing")
	}
	return s.listingFormPage(w, r, rq, http.StatusOK, &listingForm{Side: "offer", Kind: "service", Lang: rq.L.Tag, QuantityUnit: "one",
		PriceCurrency: "EUR", PricePer: "1", CostCurrency: "EUR", CostRule: node.ShareEqual, Scope: string(node.ScopeNational), Country: s.Info.Country}, nil)
}

// parseMinor reads an amount in a currency's main unit ("1500",
// "1 500,50", "1500.5") as minor units (two decimals).
func parseMinor(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".").Replace(strings.TrimSpace(s))
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, false
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w > node.MaxAmount/100 {
		return 0, false
	}
	return w*100 + f, true
}

// dateOnly is the value format of <input type="date">.
const dateOnly = "2006-01-02"

func (s *Server) postListing(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("post listing")
	}
	pf := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &listingForm{Owner: pf("owner"), Side: pf("side"), Kind: pf("kind"), Lang: pf("lang"), Title: pf("title"), Description: r.PostFormValue("description"),
		CPV: pf("cpv"), QuantityValue: pf("quantity_value"), QuantityUnit: pf("quantity_unit"),
		PriceAmount: pf("price_amount"), PriceCurrency: pf("price_currency"), PricePer: pf("price_per"),
		CostAmount: pf("cost_amount"), CostCurrency: pf("cost_currency"), CostRule: pf("cost_rule"),
		AvailableFrom: pf("available_from"), AvailableUntil: pf("available_until"), Deadline: pf("deadline"),
		Scope: pf("scope"), Country: pf("country"), Region: pf("region")}
	l := rq.L
	var errs []fieldProblem
	bad := func(id, reasonKey string) {
		errs = append(errs, fieldProblem{ID: id, Label: l.T("market.field." + id), Reason: l.T(reasonKey)})
	}
	if !contains(Languages, f.Lang) {
		bad("lang", "newsform.lang.invalid")
	}
	li := &node.Listing{Side: node.ListingSide(f.Side), Kind: node.ListingKind(f.Kind), Title: one(f.Lang, f.Title),
		Description: one(f.Lang, f.Description), CPV: splitList(f.CPV), Quantity: node.Quantity{Unit: f.QuantityUnit},
		Scope: node.Scope(f.Scope), Country: f.Country, Region: f.Region}
	if f.QuantityValue != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(f.QuantityValue, " ", ""), 10, 64)
		if err != nil {
			bad("quantity_value", "market.quantity.invalid")
		}
		li.Quantity.Value = n
	}
	if f.PriceAmount != "" {
		a, ok := parseMinor(f.PriceAmount)
		if !ok {
			bad("price_amount", "market.amount.invalid")
		}
		per, err := strconv.ParseInt(f.PricePer, 10, 64)
		if f.PricePer == "" {
			per, err = 1, nil
		}
		if err != nil {
			bad("price_per", "market.quantity.invalid")
		}
		li.Price = &node.Price{Currency: f.PriceCurrency, Amount: a, Per: per}
	}
	if f.CostAmount != "" {
		a, ok := parseMinor(f.CostAmount)
		if !ok {
			bad("cost_amount", "market.amount.invalid")
		}
		li.CostModel = &node.CostModel{Currency: f.CostCurrency, Amount: a, Rule: f.CostRule}
		if f.CostRule == node.ShareAttribute {
			li.CostModel.Attribute = "headcount"
		}
	}
	for _, d := range []struct {
		id, val, layout string
		to              **time.Time
	}{{"available_from", f.AvailableFrom, dateOnly, &li.AvailableFrom}, {"available_until", f.AvailableUntil, dateOnly, &li.AvailableUntil},
		{"deadline", f.Deadline, dateTimeLocal, &li.Deadline}} {
		if d.val == "" {
			continue
		}
		t, err := time.ParseInLocation(d.layout, d.val, time.UTC)
		if err != nil {
			bad(d.id, "form.datetime.invalid")
			continue
		}
		*d.to = &t
	}
	if errs != nil {
		return s.listingFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	if rq.User.Role == auth.RoleAdmin {
		li.Owner = f.Owner // "" is the national group
	}
	created, err := s.Market.Create(r.Context(), marketActor(rq.User), li)
	if err != nil {
		if errs = listingProblems(l, err); errs == nil {
			return err
		}
		return s.listingFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, listingURL(created.ID, "posted"))
	return nil
}

// listingFields maps the service's field paths to the form's controls.
var listingFields = map[string]string{
	"quantity.value": "quantity_value", "quantity.unit": "quantity_unit", "quantity": "quantity_value",
	"price": "price_amount", "price.amount": "price_amount", "price.currency": "price_currency", "price.per": "price_per",
	"cost_model": "cost_amount", "cost_model.amount": "cost_amount", "cost_model.currency": "cost_currency",
	"cost_model.rule": "cost_rule", "cost_model.attribute": "cost_rule",
}

// listingProblems maps the service's field errors to the form's controls:
// "title.fr" → title, "cpv[0]" → cpv, "price.amount" → price_amount.
func listingProblems(l *Locale, err error) []fieldProblem {
	fields := node.ErrorFields(err)
	if len(fields) == 0 {
		return nil
	}
	known := []string{"owner", "side", "kind", "title", "description", "cpv", "available_from", "available_until", "deadline", "scope", "country", "region"}
	var out []fieldProblem
	seen := map[string]bool{}
	for _, f := range fields {
		id, ok := listingFields[f.Field]
		if !ok {
			id = f.Field
			if i := strings.IndexAny(id, ".["); i >= 0 {
				id = id[:i]
			}
			if !contains(known, id) {
				id = "title"
			}
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, fieldProblem{ID: id, Label: l.T("market.field." + id), Reason: f.Reason, ReasonLang: "en"})
	}
	return out
}
