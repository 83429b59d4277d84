package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/store"
)

// Chart is a line chart drawn as inline SVG by the template: every coordinate is worked out
// here, in Go, so that the page needs no script to draw it. Y is bytes, from 0 at the bottom
// to YMax at the top; X is the snapshots, evenly spaced in time order.
type Chart struct {
	ID            string
	Width, Height int
	Left, Top     float64 // where the plot starts
	PlotW, PlotH  float64
	Right, Bottom float64 // where the plot ends
	LabelX        float64 // where the y axis's labels end
	YMax          int64   // bytes at the top of the plot
	Lines         []ChartLine
	XTicks        []Tick
	YTicks        []Tick
	// The memory limit: a line at LimitY when it is on the scale, else a note at the top
	// edge (LimitOff) that it is above it.
	Limit             int64
	LimitY            float64
	LimitOff          bool
	LimitText         string
	Title, Desc, YLab string
}

// ChartLine is one series: its points as SVG writes them, and a dot per snapshot.
type ChartLine struct {
	Name   string // for the legend and the tooltip, from a dump: escaped by the template
	Class  string // total, kind-incremental, kind-static, kind-undecided
	Color  int    // which of the palette's colours
	Points string // x,y pairs
	Dots   []Dot
}

// Dot is one point of a line, with the value it stands for (data-bytes: the browser test
// checks the drawing against it).
type Dot struct {
	X, Y  float64
	Bytes int64
	Label string
}

// Tick is a label on an axis.
type Tick struct {
	At    float64
	Label string
}

// chartColors is how many colours the palette of html.css has for lines (c0, c1, ...).
const chartColors = 8

// newChart lays out a chart of n snapshots whose largest value is top bytes.
func newChart(id string, snaps []store.Snapshot, top int64) *Chart {
	c := &Chart{ID: id, Width: 760, Height: 260, Left: 78, Top: 16}
	c.PlotW = float64(c.Width) - c.Left - 24
	c.PlotH = float64(c.Height) - c.Top - 44
	c.Right, c.Bottom, c.LabelX = c.Left+c.PlotW, c.Top+c.PlotH, c.Left-6
	c.YMax = niceCeil(top)
	// At most about ten labels, the last always: more would overlap.
	step := (len(snaps) + 9) / 10
	for i, s := range snaps {
		if i%step == 0 && (i+step/2 < len(snaps)-1 || i == len(snaps)-1) || i == len(snaps)-1 {
			c.XTicks = append(c.XTicks, Tick{At: c.x(i, len(snaps)), Label: Clean(s.Label)})
		}
	}
	for k := 0; k <= 4; k++ {
		v := c.YMax * int64(k) / 4
		c.YTicks = append(c.YTicks, Tick{At: c.y(v), Label: Bytes(v)})
	}
	return c
}

// x is where snapshot i of n is drawn.
func (c *Chart) x(i, n int) float64 {
	if n <= 1 {
		return round1(c.Left + c.PlotW/2)
	}
	return round1(c.Left + c.PlotW*float64(i)/float64(n-1))
}

// y is where b bytes are drawn.
func (c *Chart) y(b int64) float64 {
	if c.YMax <= 0 {
		return round1(c.Top + c.PlotH)
	}
	return round1(c.Top + c.PlotH*(1-float64(b)/float64(c.YMax)))
}

// line adds a series.
func (c *Chart) line(name, class string, color int, snaps []store.Snapshot, bytes []int64) {
	l := ChartLine{Name: Clean(name), Class: class, Color: color % chartColors}
	var pts []string
	for i, b := range bytes {
		d := Dot{X: c.x(i, len(bytes)), Y: c.y(b), Bytes: b, Label: fmt.Sprintf("%s: %s", Clean(snaps[i].Label), Bytes(b))}
		l.Dots = append(l.Dots, d)
		pts = append(pts, ftoa(d.X)+","+ftoa(d.Y))
	}
	l.Points = strings.Join(pts, " ")
	c.Lines = append(c.Lines, l)
}

// timelineChart draws a process's total heap per snapshot and, when a limit is given, the
// limit: on the scale when it is no more than three times the largest heap, else noted above
// it.
func timelineChart(p HTMLProcess) *Chart {
	var top int64
	bytes := make([]int64, len(p.Snapshots))
	for i, s := range p.Snapshots {
		bytes[i] = s.Bytes
		top = max(top, s.Bytes)
	}
	onScale := p.Limit > 0 && p.Limit <= 3*top
	if onScale {
		top = max(top, p.Limit)
	}
	c := newChart(fmt.Sprintf("timeline-%d", p.Index), p.Snapshots, top)
	c.Title = "heap in use per snapshot"
	c.line("heap in use", "total", 0, p.Snapshots, bytes)
	if p.Limit > 0 {
		c.Limit = p.Limit
		c.LimitText = "memory limit " + Bytes(p.Limit)
		if t := toLimitText(p); t != "" {
			c.LimitText += ": " + t
		}
		if onScale {
			c.LimitY = c.y(p.Limit)
		} else {
			c.LimitOff = true
			c.LimitY = c.Top
			c.LimitText += " (above the scale)"
		}
	}
	return c
}

// leaksChart draws each finding shown as a line of what it holds per snapshot, on a scale of
// its own: incremental, static and undecided drawn differently (html.css).
func leaksChart(p HTMLProcess, fs []leak.Finding) *Chart {
	var top int64
	for _, f := range fs {
		for _, pt := range f.Points {
			top = max(top, pt.Bytes)
		}
	}
	c := newChart(fmt.Sprintf("leaks-%d", p.Index), p.Snapshots, top)
	c.Title = "what each leak holds per snapshot"
	for i, f := range fs {
		bytes := make([]int64, len(f.Points))
		for j, pt := range f.Points {
			bytes[j] = pt.Bytes
		}
		c.line(fmt.Sprintf("%d. %s held by %s", i+1, f.What, f.Holder), "kind-"+string(f.Kind), i+1, p.Snapshots, bytes)
	}
	return c
}

// Bar is one bar of a bar chart.
type Bar struct {
	Y, W   float64
	Bytes  int64
	Label  string
	Over   bool
	TextAt float64
}

// BarChart is check's chart: what grew most, a bar per key.
type BarChart struct {
	Width, Height int
	Left          float64
	PlotW         float64
	Max           int64
	Bars          []Bar
	BarH          float64
}

// checkChart draws the growth of the keys check shows, a horizontal bar each.
func checkChart(r *leak.CheckResult, n int) *BarChart {
	keys := checkKeys(r, n)
	c := &BarChart{Width: 760, Left: 8, BarH: 18}
	c.PlotW = float64(c.Width) - c.Left - 110
	for _, k := range keys {
		c.Max = max(c.Max, k.Delta.Bytes)
	}
	for i, k := range keys {
		w := 0.0
		if c.Max > 0 && k.Delta.Bytes > 0 {
			w = round1(c.PlotW * float64(k.Delta.Bytes) / float64(c.Max))
		}
		name := Clean(k.Key)
		if len(k.Stack) > 0 {
			name = SiteText(cleanAll(k.Stack), SiteFrames)
		}
		c.Bars = append(c.Bars, Bar{Y: float64(i) * (c.BarH + 6), W: w, Bytes: k.Delta.Bytes, Label: name,
			Over: k.Over, TextAt: c.Left + w + 6})
	}
	c.Height = int(float64(len(keys))*(c.BarH+6)) + 4
	return c
}

// niceCeil rounds b up to a number that reads well on an axis: 1, 2 or 5 times a power of
// two's binary unit step (KiB, MiB) or of ten.
func niceCeil(b int64) int64 {
	if b <= 0 {
		return 1024
	}
	unit := int64(1)
	for unit*1024 <= b {
		unit *= 1024
	}
	f := float64(b) / float64(unit)
	step := math.Pow(10, math.Floor(math.Log10(f)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if m*step >= f {
			return int64(m * step * float64(unit))
		}
	}
	return int64(10 * step * float64(unit))
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
