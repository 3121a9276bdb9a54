package api

import (
	"net/http"
	"strconv"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/membership"
)

func itoa(n int) string { return strconv.Itoa(n) }

// memberInput is the body of POST /api/v1/members.
type memberInput struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	LegalForm   string            `json:"legal_form"`
	Country     string            `json:"country"`
	Region      string            `json:"region"`
	Website     string            `json:"website"`
	Summary     map[string]string `json:"summary"`
	Languages   []string          `json:"languages"`
	Competences []string          `json:"competences"`
	Tags        []string          `json:"tags"`
	Status      node.MemberStatus `json:"status"`
	Contact     *node.Contact     `json:"contact"`
	// InDirectory defaults to true: a new member shows in the public
	// directory unless it says otherwise.
	InDirectory *bool `json:"in_directory"`
}

func (s *Server) createMember(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in memberInput
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	m := node.Member{ID: in.ID, Name: in.Name, LegalForm: in.LegalForm, Country: in.Country, Region: in.Region,
		Website: in.Website, Summary: in.Summary, Languages: in.Languages, Competences: in.Competences,
		Tags: in.Tags, Status: in.Status, Contact: in.Contact, InDirectory: in.InDirectory == nil || *in.InDirectory}
	created, err := s.Members.Create(r.Context(), &m)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/members/"+created.ID)
	WriteJSON(w, http.StatusCreated, created)
	return nil
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id := r.PathValue("id")
	if err := selfOrAdmin(p, id); err != nil {
		return err
	}
	m, err := s.Members.Get(r.Context(), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) patchMember(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id := r.PathValue("id")
	if err := selfOrAdmin(p, id); err != nil {
		return err
	}
	var patch membership.Patch
	if err := Decode(w, r, &patch); err != nil {
		return err
	}
	m, err := s.Members.Update(r.Context(), id, patch)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) setMemberStatus(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in struct {
		Status node.MemberStatus `json:"status"`
		Note   string            `json:"note"`
	}
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	m, err := s.Members.SetStatus(r.Context(), r.PathValue("id"), in.Status, in.Note)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) memberHistory(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	h, err := s.Members.History(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": h})
	return nil
}

// listMembers lists the node's own members in any status, for admins.
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	q.Origin = "local"
	res, err := s.Catalogue.Search(r.Context(), q)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) searchCatalogue(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	res, err := s.Catalogue.Search(r.Context(), q)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}

func parseQuery(r *http.Request) (catalogue.Query, error) {
	v := r.URL.Query()
	q := catalogue.Query{
		Text: v.Get("q"), Competence: v.Get("competence"), Country: v.Get("country"), Region: v.Get("region"),
		Language: v.Get("language"), Origin: v.Get("origin"), Status: node.MemberStatus(v.Get("status")),
	}
	var p node.Problems
	pageParams(v, &q.Limit, &q.Offset, &p)
	return q, p.Err("parse query")
}

func (s *Server) codeLists(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	lists, err := s.Codes.Store.CodeLists(r.Context())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"lists": lists, "status": codeListStatus(lists)})
	return nil
}

func (s *Server) lookupCodes(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	v := r.URL.Query()
	limit, _ := strconv.Atoi(v.Get("limit"))
	res, err := s.Codes.Lookup(r.Context(), r.PathValue("kind"), v.Get("q"), v.Get("lang"), limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}
