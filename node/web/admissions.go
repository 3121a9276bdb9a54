package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// admissionTTLs are the validity choices of the admit form, in days.
var admissionTTLs = []int{90, 365, 730}

type admissionRow struct {
	*node.Admission
	State string // active, expired or revoked
}

type admissionsData struct {
	Actor, Country, Name string
	TTL                  int
	TTLs                 []int
	Rows                 []admissionRow
	Issued               *node.Admission // just issued: its credential is shown once
}

func (s *Server) admissionsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d := &admissionsData{TTL: 365}
	v := s.view(r, rq, "admissions.title")
	if r.URL.Query().Get("done") == "revoked" {
		v.Notice = rq.L.T("admissions.revoked")
	}
	return s.renderAdmissions(w, r, v, http.StatusOK, d)
}

func (s *Server) renderAdmissions(w http.ResponseWriter, r *http.Request, v *view, status int, d *admissionsData) error {
	if s.Trust == nil || !s.isConfederation() {
		return s.notConfederation("admissions page")
	}
	as, err := s.Trust.ListAdmissions(r.Context())
	if err != nil {
		return err
	}
	now := time.Now()
	for _, a := range as {
		row := admissionRow{Admission: a, State: "active"}
		switch {
		case a.RevokedAt != nil:
			row.State = "revoked"
		case !now.Before(a.ExpiresAt):
			row.State = "expired"
		}
		d.Rows = append(d.Rows, row)
	}
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].IssuedAt.After(d.Rows[j].IssuedAt) })
	d.TTLs = admissionTTLs
	v.D = d
	s.render(w, status, "admissions", v)
	return nil
}

func (s *Server) admit(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Trust == nil || !s.isConfederation() {
		return s.notConfederation("admit")
	}
	d := &admissionsData{Actor: strings.TrimSpace(r.PostFormValue("actor")), Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))),
		Name: r.PostFormValue("name")}
	d.TTL, _ = strconv.Atoi(r.PostFormValue("ttl"))
	v := s.view(r, rq, "admissions.title")
	if !containsInt(admissionTTLs, d.TTL) {
		v.Errors = []fieldProblem{{ID: "ttl", Label: rq.L.T("field.ttl"), Reason: rq.L.T("admissions.ttl.invalid")}}
		d.TTL = 365
		return s.renderAdmissions(w, r, v, http.StatusBadRequest, d)
	}
	a, err := s.Trust.Admit(r.Context(), d.Actor, d.Country, d.Name, time.Duration(d.TTL)*24*time.Hour)
	if err != nil {
		if v.Errors = problems(rq.L, err); v.Errors == nil {
			return err
		}
		for i := range v.Errors {
			if v.Errors[i].ID == "name" {
				v.Errors[i].Label = rq.L.T("field.nodename")
			}
		}
		return s.renderAdmissions(w, r, v, http.StatusBadRequest, d)
	}
	v.Notice = rq.L.T("admissions.issued", a.Name)
	return s.renderAdmissions(w, r, v, http.StatusCreated, &admissionsData{TTL: 365, Issued: a})
}

func (s *Server) revokeAdmission(w http.ResponseWriter, r *http.Request, _ *request) error {
	if s.Trust == nil || !s.isConfederation() {
		return s.notConfederation("revoke")
	}
	if err := s.Trust.Revoke(r.Context(), r.PathValue("jti")); err != nil {
		return err
	}
	redirect(w, r, "/network/admissions?done=revoked")
	return nil
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
