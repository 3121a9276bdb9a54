package web

import (
	"fmt"
	"strings"
)

// Charts are drawn by the templates (chart.html) from the geometry
// computed here: no chart library, no script. Each chart is an <svg
// role="img"> with a <title> and a <desc> that reads out every value,
// and the page shows the same figures in a table.

// point is one value of a chart, with its label and display text.
type point struct {
	Label   string // what the value is of: a country, a month
	Value   float64
	Display string // the value formatted for the locale
}

// barChart is a horizontal bar chart: one row a point.
type barChart struct {
	ID, Title, Desc string
	Width, Height   int
	LabelWidth      int
	LabelX          int // where the labels end, right-aligned
	Bars            []bar
}

type bar struct {
	point
	Y, W, TextX, TextY int
}

const (
	chartWidth = 640
	barRow     = 30
	barHeight  = 20
)

// newBarChart lays out points as bars scaled to the largest value.
func newBarChart(id, title string, l *Locale, points []point) *barChart {
	c := &barChart{ID: id, Title: title, Width: chartWidth, LabelWidth: 150, LabelX: 142}
	max := 0.0
	for _, p := range points {
		if p.Value > max {
			max = p.Value
		}
	}
	room := c.Width - c.LabelWidth - 90 // keep space for the value after the bar
	for i, p := range points {
		w := 0
		if max > 0 {
			w = int(p.Value / max * float64(room))
		}
		if w < 2 && p.Value > 0 {
			w = 2
		}
		y := 8 + i*barRow
		c.Bars = append(c.Bars, bar{point: p, Y: y, W: w, TextX: c.LabelWidth + w + 8, TextY: y + barHeight - 5})
	}
	c.Height = 16 + len(points)*barRow
	c.Desc = describe(l, points)
	return c
}

// lineChart is a series over time: months on x, values on y from zero.
type lineChart struct {
	ID, Title, Desc string
	Width, Height   int
	Left, Bottom    int // the plot area's left edge and baseline
	Points          []linePoint
	Polyline        string
	Grid            []gridLine
	Ticks           []linePoint // the x labels shown
}

type linePoint struct {
	point
	X, Y   int
	Anchor string // of the x label: start, middle or end, to stay inside
}

type gridLine struct {
	Y     int
	Label string
}

// newLineChart lays out points left to right with 0 at the bottom and
// the largest value (rounded up) at the top.
func newLineChart(id, title string, l *Locale, points []point) *lineChart {
	c := &lineChart{ID: id, Title: title, Width: chartWidth, Height: 260, Left: 64, Bottom: 220}
	top, right := 16, c.Width-24
	max := 0.0
	for _, p := range points {
		if p.Value > max {
			max = p.Value
		}
	}
	scale := niceCeil(max)
	for i := 0; i <= 4; i++ {
		v := scale * float64(i) / 4
		y := c.Bottom - int(float64(c.Bottom-top)*float64(i)/4)
		c.Grid = append(c.Grid, gridLine{Y: y, Label: l.Dec(v)})
	}
	var coords []string
	step := 0.0
	if len(points) > 1 {
		step = float64(right-c.Left) / float64(len(points)-1)
	}
	every := (len(points) + 5) / 6 // at most about six x labels
	if every < 1 {
		every = 1
	}
	for i, p := range points {
		x := c.Left + int(step*float64(i))
		if len(points) == 1 {
			x = (c.Left + right) / 2
		}
		y := c.Bottom - int(p.Value/scale*float64(c.Bottom-top))
		lp := linePoint{point: p, X: x, Y: y, Anchor: "middle"}
		switch {
		case len(points) == 1:
		case i == 0:
			lp.Anchor = "start"
		case i == len(points)-1:
			lp.Anchor = "end"
		}
		c.Points = append(c.Points, lp)
		coords = append(coords, fmt.Sprintf("%d,%d", x, y))
		if i%every == 0 || i == len(points)-1 {
			c.Ticks = append(c.Ticks, lp)
		}
	}
	c.Polyline = strings.Join(coords, " ")
	c.Desc = describe(l, points)
	return c
}

// niceCeil rounds a maximum up to 1, 2, 2.5 or 5 times a power of ten,
// so that the grid lines fall on round values; at least 4.
func niceCeil(v float64) float64 {
	if v <= 4 {
		return 4
	}
	p := 1.0
	for p*10 < v {
		p *= 10
	}
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// describe reads every point out, for the chart's <desc>.
func describe(l *Locale, points []point) string {
	if len(points) == 0 {
		return l.T("chart.empty")
	}
	parts := make([]string, 0, len(points))
	for _, p := range points {
		parts = append(parts, l.T("chart.item", p.Label, p.Display))
	}
	return strings.Join(parts, l.T("chart.sep")) + "."
}
