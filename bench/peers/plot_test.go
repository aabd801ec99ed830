package peers

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// writeLatencyPlot draws OUT/latency.svg from every OUT/latency-*.json: one
// panel per INBOX shape, one row per client, each message a dot, the box
// from the 25th to the 75th percentile with the median as a bar, on a
// shared logarithmic time axis. No plotting module: SVG by hand.
func writeLatencyPlot(out string) (string, error) {
	files, err := filepath.Glob(filepath.Join(out, "latency-*.json"))
	if err != nil {
		return "", err
	}
	var panels []latencyData
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		var d latencyData
		if err := json.Unmarshal(raw, &d); err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		panels = append(panels, d)
	}
	if len(panels) == 0 {
		return "", nil
	}
	order := map[string]int{smallScenario.key: 0, bigScenario.key: 1}
	slices.SortFunc(panels, func(a, b latencyData) int { return order[a.Key] - order[b.Key] })
	path := filepath.Join(out, "latency.svg")
	return path, os.WriteFile(path, []byte(latencySVG(panels)), 0o644)
}

var clientColors = map[string]string{
	nameMailbell:       "#1f77b4",
	nameMailbellNotify: "#6baed6",
	nameBare:           "#2ca02c",
	nameMailnag:        "#d62728",
	nameMailbellSolo:   "#9ecae1",
	nameBareSolo:       "#a1d99b",
}

func latencySVG(panels []latencyData) string {
	const (
		width   = 960
		left    = 250 // label column
		right   = 30
		rowH    = 34
		titleH  = 30
		axisH   = 34
		headerH = 48
	)
	// A shared log axis covering every value.
	lo, hi := math.Inf(1), 0.0
	for _, p := range panels {
		for _, c := range p.Clients {
			for _, v := range c.MS {
				if v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 1000
	}
	ticks := niceTicks(lo, hi)
	axLo, axHi := ticks[0], ticks[len(ticks)-1]
	plotW := float64(width - left - right)
	x := func(v float64) float64 {
		v = math.Min(math.Max(v, axLo), axHi)
		return float64(left) + plotW*(math.Log(v)-math.Log(axLo))/(math.Log(axHi)-math.Log(axLo))
	}

	height := headerH
	for _, p := range panels {
		height += titleH + rowH*len(p.Clients) + axisH
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">Delivery → notification latency, one dot per message (log scale)</text>`+"\n", 10)
	fmt.Fprintf(&b, `<text x="%d" y="40" fill="#555">Private Dovecot 2.3 on loopback (it holds IDLE pushes ~500 ms). Box: 25th–75th percentile; bar: median. %s</text>`+"\n",
		10, html.EscapeString(time.Now().Format("2006-01-02")))
	y := headerH
	for _, p := range panels {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-size="13" font-weight="bold">%s</text>`+"\n", y+20, html.EscapeString(p.Title))
		y += titleH
		top := y
		for i, c := range p.Clients {
			cy := float64(y + rowH/2)
			if i%2 == 0 {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#f4f4f4"/>`+"\n", left, y, width-left-right, rowH)
			}
			color := clientColors[c.Name]
			if color == "" {
				color = "#444"
			}
			vals := slices.Clone(c.MS)
			slices.Sort(vals)
			label := c.Name
			if len(vals) > 0 {
				label = fmt.Sprintf("%s  %.0f ms", c.Name, quantile(vals, 0.5))
			}
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", left-8, cy, html.EscapeString(label))
			if len(vals) == 0 {
				y += rowH
				continue
			}
			q1, med, q3 := quantile(vals, 0.25), quantile(vals, 0.5), quantile(vals, 0.75)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`+"\n", x(vals[0]), cy, x(vals[len(vals)-1]), cy, color)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s" fill-opacity="0.25" stroke="%s"/>`+"\n",
				x(q1), cy-9, math.Max(x(q3)-x(q1), 1), 18, color, color)
			for j, v := range c.MS {
				jitter := float64((j*37)%11-5) * 1.2
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.2" fill="%s" fill-opacity="0.7"/>`+"\n", x(v), cy+jitter, color)
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="2.5"/>`+"\n", x(med), cy-11, x(med), cy+11)
			y += rowH
		}
		// Axis.
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", left, y, width-right, y)
		for _, t := range ticks {
			tx := x(t)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ccc" stroke-dasharray="2,3"/>`+"\n", tx, top, tx, y)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#333"/>`+"\n", tx, y, tx, y+4)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#333">%s</text>`+"\n", tx, y+16, tickLabel(t))
		}
		y += axisH
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// quantile of sorted values, nearest rank.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// niceTicks are 1-1.5-2-3-5-7 steps covering [lo, hi] (milliseconds).
func niceTicks(lo, hi float64) []float64 {
	var ticks []float64
	start := math.Pow(10, math.Floor(math.Log10(lo)))
	for dec := start; ; dec *= 10 {
		for _, m := range []float64{1, 1.5, 2, 3, 5, 7} {
			t := dec * m
			if t > hi*5 {
				break
			}
			ticks = append(ticks, t)
		}
		if dec*10 > hi*5 {
			break
		}
	}
	// Keep one tick at or below lo and one at or above hi.
	first, last := 0, len(ticks)-1
	for i, t := range ticks {
		if t <= lo {
			first = i
		}
	}
	for i := len(ticks) - 1; i >= 0; i-- {
		if ticks[i] >= hi {
			last = i
		}
	}
	return ticks[first : last+1]
}

func tickLabel(msv float64) string {
	if msv >= 1000 {
		return fmt.Sprintf("%g s", msv/1000)
	}
	return fmt.Sprintf("%g ms", msv)
}
