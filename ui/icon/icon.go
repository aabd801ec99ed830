// Package icon draws Mailbell's tray icons: the app's bell (Icon.png, made
// by ./gen) scaled to the size asked for, with a mark per state drawn on top
// in code — an unread count, a warning, a pause sign. Each variant is drawn
// at its final size so marks and digits sit on whole pixels.
package icon

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"math"
	"sync"

	"mailbell/app/view"
)

// basePNG is a copy of the module root's Icon.png (go:embed cannot reach
// above this folder); ./gen writes both and a test checks they match.
//
//go:embed Icon.png
var basePNG []byte

// TraySize is the edge in pixels of the icon handed to the tray. Hosts scale
// the one pixmap systray sends: 32 px stays crisp at its own size and the
// 2-pixel strokes of its digits survive being shrunk to 22 or 16.
const TraySize = 32

// Sizes outside [MinSize, MaxSize] are clamped.
const (
	MinSize = 8
	MaxSize = 512
)

// PNG returns the base icon (256×256). The slice is shared: do not modify it.
func PNG() []byte { return basePNG }

var (
	baseOnce     sync.Once
	baseW, baseH int
	basePix      []px
	baseErr      error

	cacheMu sync.Mutex
	cache   = map[key][]byte{}
)

type key struct {
	state view.Icon
	badge string
	size  int
}

// Variant returns the PNG bytes of the icon for state at size×size pixels.
// For view.IconUnread it carries a red badge with view.Badge(unseen) ("1" …
// "99+"; a plain dot when unseen ≤ 0); unseen is ignored for the other
// states. Results are cached; the returned slice is shared: do not modify it.
func Variant(state view.Icon, unseen int, size int) []byte {
	size = min(max(size, MinSize), MaxSize)
	k := key{state: state, size: size}
	if state == view.IconUnread {
		k.badge = view.Badge(unseen)
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if b, ok := cache[k]; ok {
		return b
	}
	b, err := render(k)
	if err != nil {
		// Only a broken build gets here (the embedded PNG does not decode);
		// the plain icon is better than no icon.
		slog.Error("drawing tray icon", "err", err)
		return basePNG
	}
	cache[k] = b
	return b
}

// Image is Variant decoded, for callers that draw it themselves.
func Image(state view.Icon, unseen int, size int) (image.Image, error) {
	return png.Decode(bytes.NewReader(Variant(state, unseen, size)))
}

func render(k key) ([]byte, error) {
	baseOnce.Do(func() {
		img, err := png.Decode(bytes.NewReader(basePNG))
		if err != nil {
			baseErr = fmt.Errorf("decoding the embedded Icon.png: %w", err)
			return
		}
		baseW, baseH, basePix = pixels(img)
	})
	if baseErr != nil {
		return nil, baseErr
	}
	c := resample(baseW, baseH, basePix, k.size)
	switch k.state {
	case view.IconUnread:
		c.unreadBadge(k.badge)
	case view.IconAttention:
		c.warning()
	case view.IconPaused:
		c.grey()
		c.pauseMark()
	case view.IconQuiet:
		c.grey()
		c.fade() // quiet.go
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.image()); err != nil {
		return nil, fmt.Errorf("encoding icon: %w", err)
	}
	return buf.Bytes(), nil
}

// Badge colours: the usual "unread" red, an amber-on-dark warning that
// cannot be mistaken for it, and a calm slate for pause.
var (
	white     = opaque(0xff, 0xff, 0xff)
	red       = opaque(0xe0, 0x1b, 0x24)
	warnFill  = opaque(0xff, 0xd0, 0x1f)
	warnInk   = opaque(0x20, 0x18, 0x10)
	slate     = opaque(0x45, 0x55, 0x66)
	slateMark = opaque(0xf2, 0xf4, 0xf6)
)

// scale is the font's pixel size at this icon size: 1 below 28 px, 2 up to
// 43, and so on.
func (c *canvas) scale() int { return max(1, (c.n+4)/16) }

// gap is the transparent margin around a badge.
func (c *canvas) gap() float64 { return math.Max(1, float64(c.n)/24) }

// unreadBadge draws a red pill in the top-right corner with the count in
// white; a single digit makes it a circle. Top-right is where people look for
// a count, and it keeps the bell's rim visible under a wide "99+"; the other
// marks sit bottom-right, so position alone already tells them apart.
func (c *canvas) unreadBadge(text string) {
	n := float64(c.n)
	if text == "" {
		r := n * 0.2
		dot := func(x, y float64) float64 { return sdCircle(x, y, n-r, r, r) }
		box := image.Rect(int(n-2*r)-1, 0, c.n, int(2*r)+1)
		c.erase(box, dot, c.gap())
		c.fill(box, dot, red)
		return
	}
	k := c.scale()
	tw, th := textWidth(text, k), glyphH*k
	pad := max(2, c.n/10)
	h := th + 2*pad
	w := max(h, tw+2*pad)
	x0, y0 := c.n-w, 0
	pill := func(x, y float64) float64 {
		return sdRoundBox(x, y, float64(x0), 0, n, float64(h), float64(h)/2)
	}
	box := image.Rect(x0, 0, c.n, h)
	c.erase(box, pill, c.gap())
	c.fill(box, pill, red)
	c.text(text, x0+(w-tw+1)/2, y0+pad, k, white)
}

// warning draws a yellow triangle with a dark exclamation mark.
func (c *canvas) warning() {
	n := float64(c.n)
	side := math.Round(n * 0.66)
	height := math.Round(side * 0.9)
	cx := n - side/2
	a, b, d := [2]float64{cx, n - height}, [2]float64{n - side, n}, [2]float64{n, n}
	// Rounded corners: shrink the triangle, then grow it back by r.
	r := math.Max(0.8, n/24)
	inset := func(p [2]float64) [2]float64 {
		// Move each corner towards the centroid by r·2 (a fair approximation).
		gx, gy := (a[0]+b[0]+d[0])/3, (a[1]+b[1]+d[1])/3
		l := math.Hypot(gx-p[0], gy-p[1])
		return [2]float64{p[0] + (gx-p[0])*2*r/l, p[1] + (gy-p[1])*2*r/l}
	}
	ai, bi, di := inset(a), inset(b), inset(d)
	tri := func(x, y float64) float64 { return sdTriangle(x, y, ai, bi, di) - r }
	box := image.Rect(int(n-side)-1, int(n-height)-1, c.n, c.n)
	c.erase(box, tri, c.gap())
	c.fill(box, tri, warnInk) // a dark edge keeps the yellow visible on light panels
	edge := math.Max(0.9, n/28)
	c.fill(box, func(x, y float64) float64 { return tri(x, y) + edge }, warnFill)

	bw := max(1, int(math.Round(n/11)))
	x0 := int(math.Round(cx - float64(bw)/2))
	top := int(math.Round(n - height*0.68))
	dot := c.n - int(math.Round(height*0.12)) - bw
	barEnd := dot - max(1, bw/2)
	c.rect(x0, top, x0+bw, barEnd, warnInk)
	c.rect(x0, dot, x0+bw, dot+bw, warnInk)
}

// pauseMark draws a slate disc with two light bars.
func (c *canvas) pauseMark() {
	n := float64(c.n)
	d := math.Round(n * 0.58)
	cx, cy := n-d/2, n-d/2
	disc := func(x, y float64) float64 { return sdCircle(x, y, cx, cy, d/2) }
	box := image.Rect(int(n-d)-1, int(n-d)-1, c.n, c.n)
	c.erase(box, disc, c.gap())
	c.fill(box, disc, slate)

	bw := max(2, int(math.Round(d/5)))
	bh := int(math.Round(d * 0.5))
	x0 := int(math.Round(cx - 1.5*float64(bw)))
	y0 := int(math.Round(cy - float64(bh)/2))
	c.rect(x0, y0, x0+bw, y0+bh, slateMark)
	c.rect(x0+2*bw, y0, x0+3*bw, y0+bh, slateMark)
}
