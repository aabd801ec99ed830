package icon

import (
	"image"
	"math"
)

// px is a premultiplied colour with float channels in 0..1; compositing in
// floats keeps repeated draws on a tiny icon from drifting.
type px struct{ r, g, b, a float64 }

func opaque(r, g, b uint8) px {
	return px{float64(r) / 255, float64(g) / 255, float64(b) / 255, 1}
}

// over paints c with coverage cov (0..1) over d.
func (d px) over(c px, cov float64) px {
	k := cov * c.a
	if k <= 0 {
		return d
	}
	return px{
		c.r*cov + d.r*(1-k),
		c.g*cov + d.g*(1-k),
		c.b*cov + d.b*(1-k),
		k + d.a*(1-k),
	}
}

// canvas is a square image being drawn at its final size, so that marks and
// digits land on whole pixels instead of being blurred by a later scale.
type canvas struct {
	n   int
	pix []px
}

// pixels converts img to premultiplied float pixels, row by row.
func pixels(img image.Image) (w, h int, out []px) {
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	out = make([]px, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			out[y*w+x] = px{float64(r) / 0xffff, float64(g) / 0xffff, float64(bl) / 0xffff, float64(a) / 0xffff}
		}
	}
	return w, h, out
}

// resample scales the sw×sh image in to n×n by area averaging (a box filter
// over the exact source footprint of each destination pixel), which is what
// keeps a 256 px bell clean at 22 px.
func resample(sw, sh int, in []px, n int) *canvas {
	// Horizontal pass into tmp (n × sh), then vertical into out (n × n).
	tmp := make([]px, n*sh)
	wx := weights(sw, n)
	for y := 0; y < sh; y++ {
		for x := 0; x < n; x++ {
			var acc px
			for _, w := range wx[x] {
				s := in[y*sw+w.i]
				acc = px{acc.r + s.r*w.w, acc.g + s.g*w.w, acc.b + s.b*w.w, acc.a + s.a*w.w}
			}
			tmp[y*n+x] = acc
		}
	}
	c := &canvas{n: n, pix: make([]px, n*n)}
	wy := weights(sh, n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var acc px
			for _, w := range wy[y] {
				s := tmp[w.i*n+x]
				acc = px{acc.r + s.r*w.w, acc.g + s.g*w.w, acc.b + s.b*w.w, acc.a + s.a*w.w}
			}
			c.pix[y*n+x] = acc
		}
	}
	return c
}

type weight struct {
	i int
	w float64
}

// weights lists, for each of the n destination pixels, the source pixels it
// covers and by how much (normalised to sum to 1).
func weights(src, n int) [][]weight {
	f := float64(src) / float64(n)
	out := make([][]weight, n)
	for d := 0; d < n; d++ {
		lo, hi := float64(d)*f, float64(d+1)*f
		for i := int(lo); i < src && float64(i) < hi; i++ {
			w := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
			if w > 0 {
				out[d] = append(out[d], weight{i, w / f})
			}
		}
	}
	return out
}

// coverage samples sd (a signed distance in pixels, negative inside) on a
// 4×4 grid in pixel (x, y) and returns the fraction inside.
func coverage(sd func(x, y float64) float64, x, y int) float64 {
	const ss = 4
	hit := 0
	for j := 0; j < ss; j++ {
		for i := 0; i < ss; i++ {
			if sd(float64(x)+(float64(i)+0.5)/ss, float64(y)+(float64(j)+0.5)/ss) < 0 {
				hit++
			}
		}
	}
	return float64(hit) / ss / ss
}

// fill paints c wherever sd < 0 inside box, antialiased.
func (c *canvas) fill(box image.Rectangle, sd func(x, y float64) float64, col px) {
	box = box.Intersect(image.Rect(0, 0, c.n, c.n))
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if cov := coverage(sd, x, y); cov > 0 {
				c.pix[y*c.n+x] = c.pix[y*c.n+x].over(col, cov)
			}
		}
	}
}

// erase makes the image transparent within gap pixels of the shape sd, so a
// badge stands apart from the bell on any panel colour. box bounds the shape
// (before growing it by gap).
func (c *canvas) erase(box image.Rectangle, sd func(x, y float64) float64, gap float64) {
	grown := func(x, y float64) float64 { return sd(x, y) - gap }
	g := int(math.Ceil(gap))
	box = box.Inset(-g).Intersect(image.Rect(0, 0, c.n, c.n))
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if cov := coverage(grown, x, y); cov > 0 {
				p := c.pix[y*c.n+x]
				k := 1 - cov
				c.pix[y*c.n+x] = px{p.r * k, p.g * k, p.b * k, p.a * k}
			}
		}
	}
}

// rect paints whole pixels [x0,x1)×[y0,y1) with col.
func (c *canvas) rect(x0, y0, x1, y1 int, col px) {
	for y := max(y0, 0); y < min(y1, c.n); y++ {
		for x := max(x0, 0); x < min(x1, c.n); x++ {
			c.pix[y*c.n+x] = c.pix[y*c.n+x].over(col, 1)
		}
	}
}

// grey turns the image into lightened greys, keeping its alpha: the look of
// something switched off.
func (c *canvas) grey() {
	for i, p := range c.pix {
		if p.a == 0 {
			continue
		}
		l := 0.299*p.r + 0.587*p.g + 0.114*p.b // premultiplied luma
		l = l*0.8 + 0.12*p.a
		c.pix[i] = px{l, l, l, p.a}
	}
}

func (c *canvas) image() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, c.n, c.n))
	for i, p := range c.pix {
		if to8(p.a) == 0 {
			continue // fully transparent: no stray colour
		}
		img.Pix[i*4+0] = to8(p.r / p.a)
		img.Pix[i*4+1] = to8(p.g / p.a)
		img.Pix[i*4+2] = to8(p.b / p.a)
		img.Pix[i*4+3] = to8(p.a)
	}
	return img
}

func to8(v float64) uint8 {
	return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255))
}

// Signed distances, in pixels.

func sdCircle(x, y, cx, cy, r float64) float64 { return math.Hypot(x-cx, y-cy) - r }

func sdRoundBox(x, y, x0, y0, x1, y1, r float64) float64 {
	hx, hy := (x1-x0)/2-r, (y1-y0)/2-r
	qx := math.Abs(x-(x0+x1)/2) - hx
	qy := math.Abs(y-(y0+y1)/2) - hy
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - r
}

// sdTriangle is the distance to the triangle a, b, c (any winding).
func sdTriangle(x, y float64, a, b, c [2]float64) float64 {
	edge := func(p, q [2]float64) (dist, side float64) {
		ex, ey := q[0]-p[0], q[1]-p[1]
		wx, wy := x-p[0], y-p[1]
		t := math.Max(0, math.Min(1, (wx*ex+wy*ey)/(ex*ex+ey*ey)))
		dx, dy := wx-ex*t, wy-ey*t
		return math.Hypot(dx, dy), ex*wy - ey*wx
	}
	d0, s0 := edge(a, b)
	d1, s1 := edge(b, c)
	d2, s2 := edge(c, a)
	d := math.Min(d0, math.Min(d1, d2))
	if (s0 >= 0 && s1 >= 0 && s2 >= 0) || (s0 <= 0 && s1 <= 0 && s2 <= 0) {
		return -d
	}
	return d
}
