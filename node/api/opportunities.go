package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/opportunity"
)

// memberOnly is a member token (interest is expressed by the co-op itself).
var memberOnly = []string{auth.RoleMember}

func viewer(p *auth.Principal) opportunity.Viewer {
	if p.Is(auth.RoleAdmin) {
		return opportunity.Viewer{Admin: true}
	}
	if p.Is(auth.RoleMember) {
		return opportunity.Viewer{Member: p.Member}
	}
	return opportunity.Viewer{}
}

// opportunityInput is the body of POST /api/v1/opportunities.
type opportunityInput struct {
	Member      string                    `json:"member"`
	Title       map[string]string         `json:"title"`
	Summary     map[string]string         `json:"summary"`
	Description map[string]string         `json:"description"`
	Languages   []string                  `json:"languages"`
	Competences []node.RequiredCompetence `json:"competences"`
	Lots        []node.Lot                `json:"lots"`
	Country     string                    `json:"country"`
	Region      string                    `json:"region"`
	Deadline    string                    `json:"deadline"`
	Value       *node.Amount              `json:"value"`
	Flags       node.Flags                `json:"flags"`
	OpenAbroad  bool                      `json:"open_abroad"`
	Source      string                    `json:"source"`
	Status      node.OpportunityStatus    `json:"status"`
}

func (s *Server) createOpportunity(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in opportunityInput
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	o := &node.Opportunity{Title: in.Title, Summary: in.Summary, Description: in.Description, Languages: in.Languages,
		Competences: in.Competences, Lots: in.Lots, Country: in.Country, Region: in.Region, Value: in.Value,
		Flags: in.Flags, OpenAbroad: in.OpenAbroad, Source: in.Source, Status: in.Status}
	if in.Deadline != "" {
		d, err := time.Parse(time.RFC3339, in.Deadline)
		if err != nil {
			var pr node.Problems
			pr.Add("deadline", "must be an RFC 3339 date-time such as 2027-03-31T12:00:00Z")
			return pr.Err("create opportunity")
		}
		o.Deadline = &d
	}
	created, err := s.Opportunities.Create(r.Context(), viewer(p), in.Member, o)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/opportunities/"+created.ID)
	WriteJSON(w, http.StatusCreated, created)
	return nil
}

func (s *Server) listOpportunities(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	v := r.URL.Query()
	q := opportunity.Query{Scope: v.Get("scope"), Competence: v.Get("competence"), Country: v.Get("country")}
	for _, st := range v["status"] {
		for _, one := range strings.Split(st, ",") {
			if one = strings.TrimSpace(one); one != "" {
				q.Status = append(q.Status, node.OpportunityStatus(one))
			}
		}
	}
	var pr node.Problems
	pageParams(v, &q.Limit, &q.Offset, &pr)
	if err := pr.Err("parse query"); err != nil {
		return err
	}
	items, total, err := s.Opportunities.List(r.Context(), q)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
	return nil
}

func (s *Server) getOpportunity(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.Opportunities.Get(r.Context(), viewer(p), r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) expressInterest(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in opportunity.InterestInput
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	it, err := s.Opportunities.Express(r.Context(), viewer(p), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, it)
	return nil
}

func (s *Server) acceptInterest(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return s.answerInterest(w, r, p, true)
}

func (s *Server) rejectInterest(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return s.answerInterest(w, r, p, false)
}

func (s *Server) answerInterest(w http.ResponseWriter, r *http.Request, p *auth.Principal, accept bool) error {
	in, o, err := s.Opportunities.Answer(r.Context(), viewer(p), r.PathValue("id"), r.PathValue("iid"), accept)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"interest": in, "opportunity": o})
	return nil
}

func (s *Server) setOpportunityStatus(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in struct {
		Status  node.OpportunityStatus `json:"status"`
		Outcome *node.Amount           `json:"outcome"`
	}
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.Opportunities.SetStatus(r.Context(), viewer(p), r.PathValue("id"), in.Status, in.Outcome)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, o)
	return nil
}

// takeOnOpportunity makes a member co-op the lead of a tender radar
// entry (201 with a new local opportunity when the entry is a peer's,
// 200 with the entry itself when it is this node's).
func (s *Server) takeOnOpportunity(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in struct {
		Member string `json:"member"`
	}
	if r.ContentLength != 0 {
		if err := Decode(w, r, &in); err != nil {
			return err
		}
	}
	id := r.PathValue("id")
	o, err := s.Opportunities.TakeOn(r.Context(), viewer(p), in.Member, id)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if o.ID != id {
		status = http.StatusCreated
	}
	WriteJSON(w, status, o)
	return nil
}
