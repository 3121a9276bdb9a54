package web

import (
	"strings"
	"testing"
)

func TestNiceCeil(t *testing.T) {
	for v, want := range map[float64]float64{0: 4, 3: 4, 5: 5, 7: 10, 11: 20, 1234: 2000, 1555: 2000, 2100: 2500, 4000: 5000, 5001: 10000} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}

func TestBarChart(t *testing.T) {
	l := LocaleFor("fr")
	c := newBarChart("c", "Titre", l, []point{{"France", 1000, l.Num(1000)}, {"Italie", 250, l.Num(250)}, {"Malte", 0, "0"}})
	if c.Bars[0].W != 4*c.Bars[1].W || c.Bars[2].W != 0 || c.Bars[1].Y <= c.Bars[0].Y {
		t.Errorf("bars = %+v, want widths proportional to the values", c.Bars)
	}
	if c.Desc != "France : 1\u00a0000; Italie : 250; Malte : 0." {
		t.Errorf("desc = %q", c.Desc)
	}
	if newBarChart("e", "t", l, nil).Desc != l.T("chart.empty") {
		t.Error("an empty chart does not say so")
	}
}

func TestLineChart(t *testing.T) {
	l := LocaleFor("en")
	c := newLineChart("c", "t", l, []point{{"Jan", 0, "0"}, {"Feb", 50, "50"}, {"Mar", 100, "100"}})
	p := c.Points
	if p[0].Y != c.Bottom || p[2].Y >= p[1].Y || p[1].Y >= p[0].Y || p[0].X != c.Left || p[2].X <= p[1].X {
		t.Errorf("points = %+v, want rising left to right from the baseline", p)
	}
	if c.Grid[4].Label != "100" || c.Grid[0].Label != "0" || len(c.Ticks) != 3 || p[0].Anchor != "start" || p[2].Anchor != "end" {
		t.Errorf("grid %+v ticks %+v", c.Grid, c.Ticks)
	}
	if !strings.HasPrefix(c.Polyline, "64,220 ") {
		t.Errorf("polyline = %q", c.Polyline)
	}
}
