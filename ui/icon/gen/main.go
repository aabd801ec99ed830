// Command gen draws Mailbell's app icon — a warm amber bell on a transparent
// background — and writes it as Icon.png at the module root (for FyneApp.toml
// and packaging) and as ui/icon/Icon.png (embedded by package icon, which
// cannot reach files above its own folder). Both files get the same bytes.
//
//	go run ./ui/icon/gen          # from the module root
//
// The bell is described by signed-distance functions and rendered with
// supersampling, so the edges are antialiased without any graphics library.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math"
	"os"
	"path/filepath"
)

// Size is the edge of the generated icon in pixels.
const Size = 256

// Colours of the bell. Warm, saturated and with a dark outline so the shape
// reads on light and dark panels alike.
var (
	outline   = rgb(0x8a, 0x3f, 0x00)
	fillTop   = rgb(0xff, 0xd1, 0x4a)
	fillBot   = rgb(0xf2, 0x8c, 0x0f)
	rimTop    = rgb(0xf7, 0xa1, 0x1a)
	rimBot    = rgb(0xd9, 0x6a, 0x00)
	clapper   = rgb(0xb8, 0x55, 0x00)
	knobFill  = rgb(0xf5, 0x9e, 0x16)
	highlight = rgb(0xff, 0xf3, 0xc4)
)

type fcolor struct{ r, g, b float64 }

func rgb(r, g, b uint8) fcolor {
	return fcolor{float64(r) / 255, float64(g) / 255, float64(b) / 255}
}

func mix(a, b fcolor, t float64) fcolor {
	t = math.Max(0, math.Min(1, t))
	return fcolor{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

// Geometry, in units of the icon's edge (0..1, y down).
const (
	cx = 0.5

	knobY, knobR = 0.115, 0.062

	domeY, domeR = 0.385, 0.225 // the bell's crown: a half circle
	flareY       = 0.745        // where the sides meet the rim
	flareW       = 0.365        // half-width there

	rimX0, rimX1 = 0.085, 0.915
	rimY0, rimY1 = 0.715, 0.815
	rimR         = 0.05

	clapY, clapR = 0.845, 0.085

	lineW = 0.03 // outline width
)

// sideW is the body's half-width at y below the crown's centre: the sides
// start straight down from the crown and flare out towards the rim.
func sideW(y float64) float64 {
	t := (y - domeY) / (flareY - domeY)
	return domeR + (flareW-domeR)*math.Pow(t, 2.4)
}

func sideSlope(y float64) float64 {
	t := (y - domeY) / (flareY - domeY)
	if t <= 0 {
		return 0
	}
	return (flareW - domeR) * 2.4 * math.Pow(t, 1.4) / (flareY - domeY)
}

func sdCircle(x, y, ox, oy, r float64) float64 { return math.Hypot(x-ox, y-oy) - r }

func sdRoundBox(x, y, x0, y0, x1, y1, r float64) float64 {
	hx, hy := (x1-x0)/2-r, (y1-y0)/2-r
	qx := math.Abs(x-(x0+x1)/2) - hx
	qy := math.Abs(y-(y0+y1)/2) - hy
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - r
}

// sdBody approximates the distance to the body's edge: exact on the crown,
// the horizontal distance corrected for the slope along the sides.
func sdBody(x, y float64) float64 {
	if y <= domeY {
		return sdCircle(x, y, cx, domeY, domeR)
	}
	side := (math.Abs(x-cx) - sideW(y)) / math.Hypot(1, sideSlope(y))
	bottom := y - (rimY0+rimY1)/2 // hidden under the rim
	return math.Max(side, bottom)
}

// layer is one shape painted over the ones before, with its own outline so
// the parts stay apart (clapper under rim under body under nothing).
type layer struct {
	sd   func(x, y float64) float64
	fill func(x, y float64) fcolor
}

var layers = []layer{
	{func(x, y float64) float64 { return sdCircle(x, y, cx, knobY, knobR) },
		func(x, y float64) fcolor { return knobFill }},
	{func(x, y float64) float64 { return sdCircle(x, y, cx, clapY, clapR) },
		func(x, y float64) fcolor { return clapper }},
	{sdBody, bodyFill},
	{func(x, y float64) float64 { return sdRoundBox(x, y, rimX0, rimY0, rimX1, rimY1, rimR) },
		func(x, y float64) fcolor { return mix(rimTop, rimBot, (y-rimY0)/(rimY1-rimY0)) }},
}

// bodyFill is a vertical gradient with a soft highlight down the left side,
// which gives the bell some roundness at large sizes and vanishes harmlessly
// at tray sizes.
func bodyFill(x, y float64) fcolor {
	c := mix(fillTop, fillBot, (y-(domeY-domeR))/(flareY-(domeY-domeR)))
	var w float64
	if y <= domeY {
		w = math.Sqrt(math.Max(0, domeR*domeR-(y-domeY)*(y-domeY)))
	} else {
		w = sideW(y)
	}
	if w <= 0 {
		return c
	}
	u := (x - cx) / w // -1 at the left edge, 1 at the right
	band := math.Exp(-math.Pow((u+0.5)/0.16, 2))
	fade := math.Max(0, math.Min(1, (0.66-y)/0.12)) * math.Max(0, math.Min(1, (y-0.2)/0.06))
	return mix(c, highlight, 0.55*band*fade)
}

// Render draws the icon at size×size with ss×ss samples per pixel.
func Render(size, ss int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64 // premultiplied sums
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/float64(ss)) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/float64(ss)) / float64(size)
					c, ok := sample(x, y)
					if ok {
						r, g, b, a = r+c.r, g+c.g, b+c.b, a+1
					}
				}
			}
			if a == 0 {
				continue
			}
			n := float64(ss * ss)
			img.SetNRGBA(px, py, color.NRGBA{
				R: to8(r / a), G: to8(g / a), B: to8(b / a), A: to8(a / n),
			})
		}
	}
	return img
}

func sample(x, y float64) (fcolor, bool) {
	var c fcolor
	hit := false
	for _, l := range layers {
		d := l.sd(x, y)
		if d >= 0 {
			continue
		}
		hit = true
		if d > -lineW {
			c = outline
		} else {
			c = l.fill(x, y)
		}
	}
	return c, hit
}

func to8(v float64) uint8 {
	return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255))
}

// Encode renders the icon and returns its PNG bytes.
func Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, Render(Size, 6)); err != nil {
		return nil, fmt.Errorf("encoding icon: %w", err)
	}
	return buf.Bytes(), nil
}

func main() {
	root := flag.String("root", ".", "module root: Icon.png and ui/icon/Icon.png are written below it")
	flag.Parse()
	if err := run(*root); err != nil {
		slog.Error("gen", "err", err)
		os.Exit(1)
	}
}

func run(root string) error {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("%s does not look like the module root: %w", root, err)
	}
	data, err := Encode()
	if err != nil {
		return err
	}
	for _, p := range []string{"Icon.png", filepath.Join("ui", "icon", "Icon.png")} {
		if err := os.WriteFile(filepath.Join(root, p), data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}
