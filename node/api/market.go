package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/market"
)

// marketActor is who a token speaks for in the marketplace.
func marketActor(p *auth.Principal) market.Actor {
	return market.Actor{Admin: p.Is(auth.RoleAdmin), Member: p.Member}
}

// listingInput is the body of POST /api/v1/listings.
type listingInput struct {
	Side           node.ListingSide  `json:"side"`
	Kind           node.ListingKind  `json:"kind"`
	Title          map[string]string `json:"title"`
	Description    map[string]string `json:"description"`
	CPV            []string          `json:"cpv"`
	Quantity       node.Quantity     `json:"quantity"`
	Price          *node.Price       `json:"price"`
	CostModel      *node.CostModel   `json:"cost_model"`
	AvailableFrom  *time.Time        `json:"available_from"`
	AvailableUntil *time.Time        `json:"available_until"`
	Deadline       *time.Time        `json:"deadline"`
	Scope          node.Scope        `json:"scope"`
	Country        string            `json:"country"`
	Region         string            `json:"region"`
	Owner          string            `json:"owner"`
}

func (s *Server) createListing(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in listingInput
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	l := node.Listing{Side: in.Side, Kind: in.Kind, Title: in.Title, Description: in.Description, CPV: in.CPV,
		Quantity: in.Quantity, Price: in.Price, CostModel: in.CostModel, AvailableFrom: in.AvailableFrom,
		AvailableUntil: in.AvailableUntil, Deadline: in.Deadline, Scope: in.Scope, Country: in.Country, Region: in.Region, Owner: in.Owner}
	created, err := s.Market.Create(r.Context(), marketActor(p), &l)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/listings/"+created.ID)
	WriteJSON(w, http.StatusCreated, created)
	return nil
}

func (s *Server) listListings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	v := r.URL.Query()
	q := market.Query{Side: node.ListingSide(v.Get("side")), Kind: node.ListingKind(v.Get("kind")), CPV: v.Get("cpv"),
		Country: v.Get("country"), Scope: node.Scope(v.Get("scope")), Status: node.ListingStatus(v.Get("status")),
		Owner: v.Get("owner"), Origin: v.Get("origin")}
	var pr node.Problems
	pageParams(v, &q.Limit, &q.Offset, &pr)
	if err := pr.Err("list listings"); err != nil {
		return err
	}
	items, total, err := s.Market.List(r.Context(), q)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
	return nil
}

func (s *Server) getListing(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	l, err := s.Market.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) patchListing(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var patch market.Patch
	if err := Decode(w, r, &patch); err != nil {
		return err
	}
	l, err := s.Market.Update(r.Context(), marketActor(p), r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) deleteListing(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := s.Market.Delete(r.Context(), marketActor(p), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// responseInput is the body of POST /api/v1/listings/{id}/respond.
type responseInput struct {
	Responder string            `json:"responder"`
	Quantity  node.Quantity     `json:"quantity"`
	Terms     map[string]string `json:"terms"`
}

func (s *Server) respondListing(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in responseInput
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	resp := node.Response{Responder: in.Responder, Quantity: in.Quantity, Terms: in.Terms}
	out, err := s.Market.Respond(r.Context(), marketActor(p), r.PathValue("id"), &resp)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/listings/"+r.PathValue("id")+"/responses/"+out.ID)
	WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) listResponses(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rs, err := s.Market.Responses(r.Context(), marketActor(p), r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": rs})
	return nil
}

func (s *Server) acceptResponse(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	out, err := s.Market.Accept(r.Context(), marketActor(p), r.PathValue("id"), r.PathValue("rid"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) rejectResponse(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	out, err := s.Market.Reject(r.Context(), marketActor(p), r.PathValue("id"), r.PathValue("rid"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in struct {
		Member    string `json:"member"`
		Attribute int64  `json:"attribute"`
	}
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	if in.Member == "" {
		in.Member = p.Member
	}
	sub, err := s.Market.Subscribe(r.Context(), marketActor(p), r.PathValue("id"), in.Member, in.Attribute)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, sub)
	return nil
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	sub, err := s.Market.Unsubscribe(r.Context(), marketActor(p), r.PathValue("id"), r.PathValue("member"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, sub)
	return nil
}

func (s *Server) recordUsage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in struct {
		Member string `json:"member"`
		Period string `json:"period"`
		Units  int64  `json:"units"`
	}
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Market.SetUsage(r.Context(), marketActor(p), r.PathValue("id"), in.Member, in.Period, in.Units); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listingShares(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	st, err := s.Market.Shares(r.Context(), marketActor(p), r.PathValue("id"), r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) listingSharesCSV(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	st, err := s.Market.Shares(r.Context(), marketActor(p), r.PathValue("id"), r.URL.Query().Get("period"))
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
