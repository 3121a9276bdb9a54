package api

import (
	"context"
	"net/http"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

// TrustService manages admission credentials (federation implements it):
// a confederation admits and revokes national nodes; a national node
// installs its own credential.
type TrustService interface {
	Admit(ctx context.Context, actor, country, name string, ttl time.Duration) (*node.Admission, error)
	Revoke(ctx context.Context, jti string) error
	ListAdmissions(ctx context.Context) ([]*node.Admission, error)
	InstallCredentialAndPeer(ctx context.Context, token string) (*node.Admission, error)
}

func (s *Server) admit(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in struct {
		Actor   string `json:"actor"`
		Country string `json:"country"`
		Name    string `json:"name"`
		TTL     string `json:"ttl"`
	}
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	ttl := 365 * 24 * time.Hour
	if in.TTL != "" {
		d, err := time.ParseDuration(in.TTL)
		if err != nil {
			var p node.Problems
			p.Add("ttl", "must be a duration such as 8760h")
			return p.Err("admit")
		}
		ttl = d
	}
	a, err := s.Trust.Admit(r.Context(), in.Actor, in.Country, in.Name, ttl)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listAdmissions(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	as, err := s.Trust.ListAdmissions(r.Context())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": as})
	return nil
}

func (s *Server) revokeAdmission(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if err := s.Trust.Revoke(r.Context(), r.PathValue("jti")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) installCredential(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in struct {
		Credential string `json:"credential"`
	}
	if err := Decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.Trust.InstallCredentialAndPeer(r.Context(), in.Credential)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, a)
	return nil
}
