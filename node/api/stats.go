package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/stats"
)

// historyWindow is how far back the network view reads reports.
const historyWindow = 25 * 31 * 24 * time.Hour

// ownStats shows a node's admins their own figures in full; with
// ?report=true, the report the confederation receives, small cells
// suppressed.
func (s *Server) ownStats(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	svc := *s.Stats
	switch r.URL.Query().Get("report") {
	case "true":
	case "", "false":
		svc.Threshold = 1 // the node's own figures: nothing leaves the node
	default:
		var p node.Problems
		p.Add("report", "must be true or false")
		return p.Err("own stats")
	}
	rep, err := svc.Report(r.Context())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) reports(r *http.Request) ([]*node.StatsReport, error) {
	if s.Reports == nil {
		return nil, &node.Error{Code: node.ENOTFOUND, Message: "this node keeps no network statistics; it is not a confederation"}
	}
	return s.Reports.Reports(r.Context(), time.Now().Add(-historyWindow))
}

func (s *Server) networkStats(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	country := strings.ToUpper(r.URL.Query().Get("country"))
	if country != "" && !node.ValidCountry(country) {
		var p node.Problems
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", country)
		return p.Err("network stats")
	}
	reps, err := s.reports(r)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, stats.Aggregate(reps, country))
	return nil
}

func (s *Server) networkHistory(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	reps, err := s.reports(r)
	if err != nil {
		return err
	}
	metric := r.URL.Query().Get("metric")
	if metric == "" {
		metric = "members"
	}
	h, err := stats.History(reps, metric, r.URL.Query().Get("by"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"metric": metric, "months": h})
	return nil
}

func (s *Server) networkCSV(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	reps, err := s.reports(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="etoiles-network-stats.csv"`)
	return stats.WriteCSV(w, reps)
}
