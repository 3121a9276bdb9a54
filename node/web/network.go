package web

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/stats"
)

// ReportSource reads the statistics reports national nodes sent (the
// confederation's store implements it).
type ReportSource interface {
	Reports(ctx context.Context, since time.Time) ([]*node.StatsReport, error)
}

// TrustService admits and revokes national nodes (federation implements
// it on a confederation node).
type TrustService interface {
	Admit(ctx context.Context, actor, country, name string, ttl time.Duration) (*node.Admission, error)
	Revoke(ctx context.Context, jti string) error
	ListAdmissions(ctx context.Context) ([]*node.Admission, error)
}

// confed may see the network pages: the confederation node's admins.
var confed = []string{auth.RoleAdmin, auth.RoleConfederation}

// reportWindow is how far back the dashboard reads reports: two years of
// monthly history.
const reportWindow = 25 * 31 * 24 * time.Hour

func (s *Server) isConfederation() bool { return s.Info.Role == "confederation" && s.Reports != nil }

func (s *Server) notConfederation(op string) error {
	return &node.Error{Code: node.ENOTFOUND, Op: op, Message: "this node is not the confederation; it keeps no network statistics"}
}

// countryRow is one line of the members-by-country table.
type countryRow struct {
	Code, Name, Href string
	Members          int
	Churn            float64
}

// nodeRow is one national node's latest report, in the drill-down.
type nodeRow struct {
	*node.StatsReport
	Host string
}

// divisionRow is a CPV division and its number of active members.
type divisionRow struct {
	Code, Label, Lang string
	Members           int
	Display           string // the count as it reads (suppressed: "fewer than 3")
}

type networkData struct {
	Country, CountryName string
	Net                  *stats.Network
	Countries            []countryRow
	Choices              []countryRow // for the drill-down select
	Members              *barChart
	Statuses             []point
	History              *lineChart
	Divisions            []divisionRow
	Opportunities        []point
	Nodes                []nodeRow
	Suppressed           bool
	l                    *Locale
}

func (s *Server) networkPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !s.isConfederation() {
		return s.notConfederation("network page")
	}
	l := rq.L
	country := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("country")))
	v := s.view(r, rq, "network.title")
	status := http.StatusOK
	if country != "" && !node.ValidCountry(country) {
		v.Errors = []fieldProblem{{ID: "country", Label: l.T("field.country"), Reason: l.T("network.country.invalid")}}
		status, country = http.StatusBadRequest, ""
	}
	reps, err := s.Reports.Reports(r.Context(), time.Now().Add(-reportWindow))
	if err != nil {
		return err
	}
	all := stats.Aggregate(reps, "")
	d := &networkData{Country: country, Net: all, l: l}
	for _, c := range all.Countries {
		d.Choices = append(d.Choices, countryRow{Code: c, Name: l.Country(c)})
	}
	sort.Slice(d.Choices, func(i, j int) bool { return d.Choices[i].Name < d.Choices[j].Name })
	if country != "" {
		d.CountryName = l.Country(country)
		d.Net = stats.Aggregate(reps, country)
		v = s.view(r, rq, "network.country.title", d.CountryName)
		for _, rep := range d.Net.Reports {
			d.Nodes = append(d.Nodes, nodeRow{StatsReport: rep, Host: host(rep.Node)})
			if len(rep.Suppressed) > 0 {
				d.Suppressed = true
			}
		}
		for _, st := range Statuses {
			n := d.Net.Members.ByStatus[string(st)]
			d.Statuses = append(d.Statuses, point{Label: l.T("status." + string(st)), Value: float64(n), Display: d.Fig("members.by_status."+string(st), n).Text})
		}
		d.Members = newBarChart("chart-status", l.T("network.chart.status", d.CountryName), l, d.Statuses)
	} else {
		var points []point
		for _, c := range all.Countries {
			row := countryRow{Code: c, Name: l.Country(c), Members: all.Members.ByCountry[c], Churn: all.Churn.ByCountry[c],
				Href: "/network?country=" + url.QueryEscape(c)}
			d.Countries = append(d.Countries, row)
		}
		sort.Slice(d.Countries, func(i, j int) bool {
			a, b := d.Countries[i], d.Countries[j]
			return a.Members > b.Members || a.Members == b.Members && a.Name < b.Name
		})
		for _, c := range d.Countries {
			points = append(points, point{Label: c.Name, Value: float64(c.Members), Display: d.Fig("members.by_country."+c.Code, c.Members).Text})
		}
		d.Members = newBarChart("chart-countries", l.T("network.chart.countries"), l, points)
		for _, rep := range stats.Latest(reps) {
			if len(rep.Suppressed) > 0 {
				d.Suppressed = true
			}
		}
	}
	d.History = s.history(l, reps, country, d.CountryName)
	// Cells every node suppressed are in no map: show them as such.
	byDivision, opps := maps.Clone(d.Net.ByDivision), maps.Clone(d.Net.Opportunities)
	for key := range d.Net.SuppressedCells {
		if div, ok := strings.CutPrefix(key, "by_division."); ok {
			byDivision[div] += 0
		} else if st, ok := strings.CutPrefix(key, "opportunities."); ok {
			opps[st] += 0
		}
	}
	d.Divisions = s.divisions(r.Context(), l, byDivision)
	for i := range d.Divisions {
		d.Divisions[i].Display = d.Fig("by_division."+d.Divisions[i].Code, d.Divisions[i].Members).Text
	}
	for st, n := range opps {
		label := st
		if l.Has("opportunity.status." + st) {
			label = l.T("opportunity.status." + st)
		}
		d.Opportunities = append(d.Opportunities, point{Label: label, Value: float64(n), Display: d.Fig("opportunities."+st, n).Text})
	}
	sort.Slice(d.Opportunities, func(i, j int) bool { return d.Opportunities[i].Label < d.Opportunities[j].Label })
	v.D = d
	s.render(w, status, "network", v)
	return nil
}

// history returns the line chart of active members per month, of the
// network or of one country.
func (s *Server) history(l *Locale, reps []*node.StatsReport, country, countryName string) *lineChart {
	h, _ := stats.History(reps, "members", "country")
	months := make([]string, 0, len(h))
	for m := range h {
		months = append(months, m)
	}
	sort.Strings(months)
	var points []point
	for _, m := range months {
		n := 0
		for c, v := range h[m] {
			if country == "" || c == country {
				n += v
			}
		}
		points = append(points, point{Label: l.Month(m), Value: float64(n), Display: l.Num(n)})
	}
	title := l.T("network.chart.history")
	if country != "" {
		title = l.T("network.chart.history.country", countryName)
	}
	return newLineChart("chart-history", title, l, points)
}

// divisions lists the CPV divisions by members, largest first, with
// their labels in the reader's language.
func (s *Server) divisions(ctx context.Context, l *Locale, by map[string]int) []divisionRow {
	var out []divisionRow
	for div, n := range by {
		row := divisionRow{Code: div, Members: n}
		if es := s.labelCodes(ctx, []string{div + "000000"}, l.Tag); len(es) == 1 {
			row.Label, row.Lang = es[0].Label, es[0].Lang
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Members > out[j].Members || out[i].Members == out[j].Members && out[i].Code < out[j].Code
	})
	return out
}

func host(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
}

func (s *Server) networkCSV(w http.ResponseWriter, r *http.Request, _ *request) error {
	if !s.isConfederation() {
		return s.notConfederation("network csv")
	}
	reps, err := s.Reports.Reports(r.Context(), time.Now().Add(-reportWindow))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="etoiles-network-stats.csv"`)
	return stats.WriteCSV(w, reps)
}
