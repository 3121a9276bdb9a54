package web

import (
	"slices"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// figure is one figure of the network dashboard as it reads: a number, or
// "fewer than 3" when every node that has it kept it private, or "at least
// 12" when some did. Suppressed links to the explanation on the page.
type figure struct {
	Text       string
	Suppressed bool
}

// Fig renders the network view's figure key of value v.
func (d *networkData) Fig(key string, v int) figure {
	return suppressedFigure(d.l, d.Net.SuppressedCells[key], d.Net.Threshold, v, d.l.Num(v))
}

// Pct is Fig for a rate, such as churn.
func (d *networkData) Pct(key string, v float64) figure {
	n := d.Net.SuppressedCells[key]
	switch {
	case n == 0:
		return figure{Text: d.l.Percent(v)}
	case n >= d.Net.Nodes || strings.HasPrefix(key, "churn.by_country."):
		return figure{Text: d.l.T("network.fig.private"), Suppressed: true}
	}
	// An average over the nodes that could tell it: the figure links to
	// why some are left out.
	return figure{Text: d.l.Percent(v), Suppressed: true}
}

// Money is Fig for an amount in euros.
func (d *networkData) Money(key string, v float64) figure {
	return suppressedFigure(d.l, d.Net.SuppressedCells[key], d.Net.Threshold, int(v), d.l.Money(v))
}

// NodeFig renders a figure of one node's report: cell is the report's
// cell name ("members.member", "consortia", "churn").
func (d *networkData) NodeFig(r *node.StatsReport, cell string, v int) figure {
	if slices.Contains(r.Suppressed, cell) {
		return figure{Text: d.l.T("network.fig.fewer", d.l.Num(r.Threshold)), Suppressed: true}
	}
	return figure{Text: d.l.Num(v)}
}

// NodePct is NodeFig for the churn of a report.
func (d *networkData) NodePct(r *node.StatsReport) figure {
	if slices.Contains(r.Suppressed, "churn") {
		return figure{Text: d.l.T("network.fig.private"), Suppressed: true}
	}
	return figure{Text: d.l.Percent(r.Churn)}
}

func suppressedFigure(l *Locale, nodes, k, v int, text string) figure {
	switch {
	case nodes == 0:
		return figure{Text: text}
	case v == 0:
		return figure{Text: l.T("network.fig.fewer", l.Num(max(k, 1))), Suppressed: true}
	}
	return figure{Text: l.T("network.fig.atleast", text), Suppressed: true}
}
