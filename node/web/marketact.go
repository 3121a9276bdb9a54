package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/market"
	"golang.org/x/text/number"
)

// localMembers returns the node's member co-ops, for an admin's choice.
func (s *Server) localMembers(ctx context.Context) ([]*node.Member, error) {
	res, err := s.Catalogue.Search(ctx, catalogue.Query{Origin: "local", Status: node.StatusMember, Limit: catalogue.MaxLimit})
	if err != nil {
		return nil, err
	}
	return res.Items, nil
}

// respondListing answers a listing from the user's co-op (an admin names
// the co-op): a quantity in the listing's unit and terms in the UI
// language.
func (s *Server) respondListing(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("respond to listing")
	}
	l := rq.L
	f := &respondForm{Responder: r.PostFormValue("responder"), Quantity: strings.TrimSpace(r.PostFormValue("quantity")), Terms: r.PostFormValue("terms")}
	resp := &node.Response{Terms: one(l.Tag, f.Terms)}
	if rq.User.Role == auth.RoleAdmin {
		resp.Responder = f.Responder
	}
	var errs []fieldProblem
	n, err := strconv.ParseInt(strings.ReplaceAll(f.Quantity, " ", ""), 10, 64)
	if err != nil {
		errs = append(errs, fieldProblem{ID: "quantity", Label: l.T("market.respond.quantity"), Reason: l.T("market.quantity.invalid")})
	}
	resp.Quantity.Value = n
	if errs != nil {
		return s.renderListing(w, r, rq, http.StatusBadRequest, f, errs)
	}
	id := r.PathValue("id")
	if _, err := s.Market.Respond(r.Context(), marketActor(rq.User), id, resp); err != nil {
		if errs = respondProblems(l, err); errs == nil {
			return err
		}
		return s.renderListing(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, listingURL(id, "responded"))
	return nil
}

// respondProblems maps the service's field errors to the response form:
// quantity.value and quantity.unit → quantity, terms.fr → terms.
func respondProblems(l *Locale, err error) []fieldProblem {
	fields := node.ErrorFields(err)
	if len(fields) == 0 {
		return nil
	}
	var out []fieldProblem
	seen := map[string]bool{}
	for _, f := range fields {
		id, _, _ := strings.Cut(f.Field, ".")
		label := l.T("market.respond." + id)
		if id != "quantity" && id != "terms" && id != "responder" {
			id, label = "quantity", l.T("market.respond.quantity")
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, fieldProblem{ID: id, Label: label, Reason: f.Reason, ReasonLang: "en"})
	}
	return out
}

func (s *Server) answerResponse(w http.ResponseWriter, r *http.Request, rq *request, accept bool) error {
	if s.Market == nil {
		return s.noMarket("answer response")
	}
	id, rid := r.PathValue("id"), r.PathValue("rid")
	var err error
	done := "rejected"
	if accept {
		done = "accepted"
		_, err = s.Market.Accept(r.Context(), marketActor(rq.User), id, rid)
	} else {
		_, err = s.Market.Reject(r.Context(), marketActor(rq.User), id, rid)
	}
	if err != nil {
		return err
	}
	redirect(w, r, listingURL(id, done))
	return nil
}

func (s *Server) acceptResponse(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.answerResponse(w, r, rq, true)
}

func (s *Server) rejectResponse(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.answerResponse(w, r, rq, false)
}

// closeListing closes a listing: its owner's people, or an admin.
func (s *Server) closeListing(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("close listing")
	}
	closed := node.ListingClosed
	id := r.PathValue("id")
	if _, err := s.Market.Update(r.Context(), marketActor(rq.User), id, market.Patch{Status: &closed}); err != nil {
		return err
	}
	redirect(w, r, listingURL(id, "closed"))
	return nil
}

// subscribe subscribes the member's co-op to a shared service.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("subscribe")
	}
	if rq.User.Role != auth.RoleMember {
		return &node.Error{Code: node.EFORBIDDEN, Op: "subscribe", Message: "only a member co-op subscribes, from its own account"}
	}
	l := rq.L
	f := &respondForm{Attribute: strings.TrimSpace(r.PostFormValue("attribute"))}
	var attr int64
	if f.Attribute != "" {
		var err error
		if attr, err = strconv.ParseInt(f.Attribute, 10, 64); err != nil {
			return s.renderListing(w, r, rq, http.StatusBadRequest, f,
				[]fieldProblem{{ID: "attribute", Label: l.T("market.subscribe.attribute"), Reason: l.T("market.quantity.invalid")}})
		}
	}
	id := r.PathValue("id")
	if _, err := s.Market.Subscribe(r.Context(), marketActor(rq.User), id, rq.User.Member, attr); err != nil {
		errs := problems(l, err)
		if errs == nil {
			return err
		}
		errs = []fieldProblem{{ID: "attribute", Label: l.T("market.subscribe.attribute"), Reason: errs[0].Reason, ReasonLang: "en"}}
		return s.renderListing(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, listingURL(id, "subscribed"))
	return nil
}

// unsubscribe ends the member's subscription (an admin's: the co-op named
// in the form).
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("unsubscribe")
	}
	member := rq.User.Member
	if rq.User.Role == auth.RoleAdmin {
		member = r.PostFormValue("member")
	}
	id := r.PathValue("id")
	if _, err := s.Market.Unsubscribe(r.Context(), marketActor(rq.User), id, member); err != nil {
		return err
	}
	redirect(w, r, listingURL(id, "unsubscribed"))
	return nil
}

// sharesCSV is a shared service's statement of a month for the
// accountant, as the API gives it.
func (s *Server) sharesCSV(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Market == nil {
		return s.noMarket("shares")
	}
	st, err := s.Market.Shares(r.Context(), marketActor(rq.User), r.PathValue("id"), r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := market.WriteCSV(&b, st); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="shares-`+st.Period+`.csv"`)
	_, _ = w.Write(b.Bytes())
	return nil
}

// Minor formats an amount in minor units of a currency (two decimals):
// "1 500,00 €", "CHF 12.50" as the language writes it.
func (l *Locale) Minor(amount int64, currency string) string {
	v := float64(amount) / 100
	if currency == "EUR" {
		return l.Money(v)
	}
	return l.printer.Sprint(number.Decimal(v, number.MinFractionDigits(2), number.MaxFractionDigits(2))) + "\u00a0" + currency
}

// Quantity writes n of a unit the language's way, the unit singular or
// plural as n asks ("1 month", "3 months"; French "0 mois", "1 heure").
func (l *Locale) Quantity(n int64, unit string) string {
	key := "market.unit."
	if pluralForm(l.lang, int(n)) == "one" {
		key = "market.unit1."
	}
	return l.Num64(n) + " " + l.T(key+unit)
}

// Num64 formats a whole number the language's way.
func (l *Locale) Num64(n int64) string { return l.printer.Sprint(number.Decimal(n)) }
