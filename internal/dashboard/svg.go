package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/wiretap-hq/wiretap/jobs"
)

// Charts are SVG drawn on the server: they need no script, print, work
// offline and inside the one-file report. Every string from the data goes
// through esc; numbers are formatted by us.

// palette is Okabe and Ito's, readable with the common colour-vision
// deficiencies; offices take colours in alphabetical order.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999933"}

const (
	colourAccent = "#0072B2"
	colourBand   = "#a6c8e0"
	colourGrid   = "#d0d7de"
	colourText   = "#3b4451"
)

func esc(s string) string { return template.HTMLEscapeString(s) }

// heatColour is a blue of intensity x in [0, 1].
func heatColour(x float64) string {
	x = math.Max(0, math.Min(1, x))
	// From a pale #f0f5fa to a deep #08306b.
	lerp := func(a, b float64) int { return int(math.Round(a + (b-a)*x)) }
	return fmt.Sprintf("#%02x%02x%02x", lerp(0xf0, 0x08), lerp(0xf5, 0x30), lerp(0xfa, 0x6b))
}

type svg struct{ strings.Builder }

func (s *svg) open(w, h int, label string) {
	fmt.Fprintf(s, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" class="chart">`, w, h, esc(label))
}

func (s *svg) text(x, y float64, anchor, class, t string) {
	fmt.Fprintf(s, `<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, class, esc(t))
}

func (s *svg) html() template.HTML {
	s.WriteString("</svg>")
	return template.HTML(s.String()) //nolint:gosec // built from escaped parts
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
func niceMax(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// lineChart draws messages per day, one line per office (only office's
// when it is set).
func lineChart(series *Series, office string) (template.HTML, []LegendItem) {
	const w, h, left, right, top, bottom = 760, 260, 56, 16, 12, 40
	offices := series.Offices()
	if office != "" {
		offices = []string{office}
	}
	var max int64
	for _, o := range offices {
		for _, n := range series.Messages[o] {
			max = maxInt(max, n)
		}
	}
	ymax := niceMax(float64(max))
	n := len(series.Days)
	x := func(i int) float64 {
		if n == 1 {
			return left + (w-left-right)/2
		}
		return left + float64(i)*(w-left-right)/float64(n-1)
	}
	y := func(v float64) float64 { return top + (h-top-bottom)*(1-v/ymax) }
	var s svg
	s.open(w, h, "Messages per day for each office")
	for i := 0; i <= 5; i++ {
		v := ymax * float64(i) / 5
		fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, left, w-right, y(v), y(v), colourGrid)
		s.text(left-6, y(v)+4, "end", "tick", thousands(int64(v)))
	}
	step := max1(n / 8)
	for i, d := range series.Days {
		if i%step == 0 || i == n-1 {
			s.text(x(i), h-bottom+18, anchorAt(i, n), "tick", d.Start().Format("2 Jan"))
		}
	}
	fmt.Fprintf(&s, `<text x="14" y="%d" class="axis" transform="rotate(-90 14 %d)" text-anchor="middle">messages</text>`, (h-bottom+top)/2, (h-bottom+top)/2)
	var legend []LegendItem
	for k, o := range offices {
		c := palette[k%len(palette)]
		legend = append(legend, LegendItem{Label: o, Colour: c})
		var pts []string
		for i, v := range series.Messages[o] {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(float64(v))))
		}
		fmt.Fprintf(&s, `<polyline fill="none" stroke="%s" stroke-width="2.5" points="%s"/>`, c, strings.Join(pts, " "))
		for i, v := range series.Messages[o] {
			fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s, %s: %s</title></circle>`,
				x(i), y(float64(v)), c, esc(o), series.Days[i].Start().Format("Mon 2 Jan"), esc(plural(v, "message", "messages")))
		}
	}
	return s.html(), legend
}

// heatmaps draws one 7×24 grid per office.
func heatmaps(hours map[string][]int64, order []string) template.HTML {
	const cell, gap, left, top = 18, 2, 40, 18
	gridW := 24 * (cell + gap)
	gridH := 7*(cell+gap) + top + 22
	var offices []string
	for _, o := range order {
		if hours[o] != nil {
			offices = append(offices, o)
		}
	}
	// Two grids a row, also for one office, so that a grid keeps its size.
	const cols = 2
	rows := (len(offices) + cols - 1) / cols
	w, h := cols*(left+gridW+20), rows*(gridH+8)
	var s svg
	s.open(w, h, "Messages by hour of the week for each office, in its local time")
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	for k, o := range offices {
		ox, oy := (k%cols)*(left+gridW+20), (k/cols)*(gridH+8)
		var max int64
		for _, v := range hours[o] {
			max = maxInt(max, v)
		}
		s.text(float64(ox), float64(oy+12), "start", "heading", o)
		for d := range 7 {
			s.text(float64(ox+left-6), float64(oy+top+d*(cell+gap)+13), "end", "tick", days[d])
			for hr := range 24 {
				v := hours[o][d*24+hr]
				frac := 0.0
				if max > 0 {
					frac = float64(v) / float64(max)
				}
				fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s, %s %02d:00: %s</title></rect>`,
					ox+left+hr*(cell+gap), oy+top+d*(cell+gap), cell, cell, heatColour(frac), esc(o), days[d], hr, esc(plural(v, "message", "messages")))
			}
		}
		for hr := 0; hr < 24; hr += 6 {
			s.text(float64(ox+left+hr*(cell+gap)), float64(oy+top+7*(cell+gap)+12), "start", "tick", fmt.Sprintf("%02d:00", hr))
		}
	}
	return s.html()
}

// moodCharts draws each office's mood with its 95 % interval, and the mood
// per day with its interval as a band.
func moodCharts(sum *jobs.Summary, series *Series, office string) template.HTML {
	const w, left, right, rowH = 760, 110, 24, 26
	var b strings.Builder
	// Per office: a dot and an interval on a -1..1 axis zoomed to the data.
	lo, hi := -0.1, 0.1
	for _, o := range sum.Offices {
		lo = math.Min(lo, o.Sentiment.Mean-o.Sentiment.CI95)
		hi = math.Max(hi, o.Sentiment.Mean+o.Sentiment.CI95)
	}
	lo, hi = math.Floor(lo*10)/10, math.Ceil(hi*10)/10
	h := 30 + len(sum.Offices)*rowH + 24
	x := func(v float64) float64 { return left + (w-left-right)*(v-lo)/(hi-lo) }
	var s svg
	s.open(w, h, "Average mood of each office with its 95 % interval")
	s.text(left, 14, "start", "heading", "By office (average and 95 % interval)")
	for v := lo; v <= hi+1e-9; v += 0.1 {
		stroke := colourGrid
		if math.Abs(v) < 1e-9 {
			stroke = "#8c959f"
		}
		fmt.Fprintf(&s, `<line x1="%.1f" x2="%.1f" y1="24" y2="%d" stroke="%s"/>`, x(v), x(v), h-20, stroke)
		s.text(x(v), float64(h-6), "middle", "tick", fmt.Sprintf("%+.1f", v))
	}
	for i, o := range sum.Offices {
		cy := float64(30 + i*rowH + rowH/2)
		m, ci := o.Sentiment.Mean, o.Sentiment.CI95
		s.text(left-8, cy+4, "end", "label", o.Office)
		fmt.Fprintf(&s, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="6" stroke-linecap="round"/>`, x(m-ci), x(m+ci), cy, cy, colourBand)
		fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s: %s (%s)</title></circle>`, x(m), cy, colourAccent, esc(o.Office), esc(moodNumber(o.Sentiment)), esc(plural(o.Sentiment.N, "message", "messages")))
		s.text(x(m+ci)+8, cy+4, "start", "tick", moodNumber(o.Sentiment))
	}
	b.WriteString(string(s.html()))
	if series == nil || len(series.Days) == 0 {
		return template.HTML(b.String()) //nolint:gosec // escaped parts
	}
	// Per day: the mean of every message of the scope, with a band.
	days := series.Sentiment[office]
	const dh, top, bottom = 200, 30, 34
	lo, hi = 0, 0
	for _, d := range days {
		if d.N > 0 {
			lo = math.Min(lo, d.Mean()-d.CI95())
			hi = math.Max(hi, d.Mean()+d.CI95())
		}
	}
	lo, hi = math.Floor(lo*10)/10, math.Ceil(hi*10)/10
	if hi-lo < 0.2 {
		hi = lo + 0.2
	}
	n := len(series.Days)
	xd := func(i int) float64 {
		if n == 1 {
			return left + (w-left-right)/2
		}
		return left + float64(i)*(w-left-right)/float64(n-1)
	}
	yd := func(v float64) float64 { return top + (dh-top-bottom)*(1-(v-lo)/(hi-lo)) }
	var t svg
	t.open(w, dh, "Average mood per day with its 95 % interval")
	scope := "all offices"
	if office != "" {
		scope = office
	}
	t.text(left, 14, "start", "heading", "Day by day ("+scope+")")
	for v := lo; v <= hi+1e-9; v += 0.1 {
		fmt.Fprintf(&t, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, yd(v), yd(v), colourGrid)
		t.text(left-6, yd(v)+4, "end", "tick", fmt.Sprintf("%+.1f", v))
	}
	var upper, lower, mid []string
	for i, d := range days {
		if d.N == 0 {
			continue
		}
		upper = append(upper, fmt.Sprintf("%.1f,%.1f", xd(i), yd(d.Mean()+d.CI95())))
		lower = append([]string{fmt.Sprintf("%.1f,%.1f", xd(i), yd(d.Mean()-d.CI95()))}, lower...)
		mid = append(mid, fmt.Sprintf("%.1f,%.1f", xd(i), yd(d.Mean())))
	}
	if len(mid) > 0 {
		fmt.Fprintf(&t, `<polygon fill="%s" fill-opacity="0.6" points="%s"/>`, colourBand, strings.Join(append(upper, lower...), " "))
		fmt.Fprintf(&t, `<polyline fill="none" stroke="%s" stroke-width="2.5" points="%s"/>`, colourAccent, strings.Join(mid, " "))
	}
	step := max1(n / 8)
	for i, d := range days {
		day := series.Days[i].Start().Format("Mon 2 Jan")
		if i%step == 0 || i == n-1 {
			t.text(xd(i), dh-bottom+18, anchorAt(i, n), "tick", series.Days[i].Start().Format("2 Jan"))
		}
		if d.N > 0 {
			fmt.Fprintf(&t, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %+.2f ± %.2f (%s)</title></circle>`, xd(i), yd(d.Mean()), colourAccent, day, d.Mean(), d.CI95(), esc(plural(d.N, "message", "messages")))
		}
	}
	b.WriteString(string(t.html()))
	return template.HTML(b.String()) //nolint:gosec // escaped parts
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// anchorAt keeps the first and last axis labels inside the chart.
func anchorAt(i, n int) string {
	switch {
	case n == 1:
		return "middle"
	case i == 0:
		return "start"
	case i == n-1:
		return "end"
	}
	return "middle"
}
