package icon

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"mailbell/app/view"
)

var states = []struct {
	name   string
	state  view.Icon
	unseen int
}{
	{"normal", view.IconNormal, 0},
	{"unread", view.IconUnread, 3},
	{"attention", view.IconAttention, 0},
	{"paused", view.IconPaused, 0},
	{"quiet", view.IconQuiet, 0},
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// diff counts the pixels whose colour differs noticeably.
func diff(a, b image.Image) int {
	n := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			ca := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA)
			cb := color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			if absDiff(ca.R, cb.R)+absDiff(ca.G, cb.G)+absDiff(ca.B, cb.B)+absDiff(ca.A, cb.A) > 48 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestEmbeddedMatchesTopLevelIcon(t *testing.T) {
	top, err := os.ReadFile(filepath.Join("..", "..", "Icon.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(top, PNG()) {
		t.Fatal("ui/icon/Icon.png differs from the top-level Icon.png: run go run ./ui/icon/gen")
	}
	img := decode(t, PNG())
	if img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("base icon is %v, want 256×256", img.Bounds())
	}
	// A transparent background: the corners are see-through.
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Fatalf("corner alpha %d, want transparent", a)
	}
}

func TestVariantSizesAndValidity(t *testing.T) {
	for _, size := range []int{16, 22, 24, 32, 48, 64, 256} {
		for _, s := range states {
			img := decode(t, Variant(s.state, s.unseen, size))
			if img.Bounds().Dx() != size || img.Bounds().Dy() != size {
				t.Errorf("%s at %d: got %v", s.name, size, img.Bounds())
			}
		}
	}
	// Out-of-range sizes are clamped, never a panic or an empty slice.
	for _, size := range []int{-5, 0, 1, 100000} {
		img := decode(t, Variant(view.IconNormal, 0, size))
		want := min(max(size, MinSize), MaxSize)
		if img.Bounds().Dx() != want {
			t.Errorf("size %d: got %d px, want %d", size, img.Bounds().Dx(), want)
		}
	}
}

func TestVariantsDifferPairwise(t *testing.T) {
	for _, size := range []int{22, 32} {
		imgs := make([]image.Image, len(states))
		for i, s := range states {
			imgs[i] = decode(t, Variant(s.state, s.unseen, size))
		}
		for i := range states {
			for j := i + 1; j < len(states); j++ {
				// At least 8 % of the pixels must change for a person to see it.
				if d, min := diff(imgs[i], imgs[j]), size*size*8/100; d < min {
					t.Errorf("%d px: %s and %s differ in %d pixels, want ≥ %d",
						size, states[i].name, states[j].name, d, min)
				}
			}
		}
	}
}

func TestBadgeCount(t *testing.T) {
	for _, size := range []int{22, 32} {
		one := decode(t, Variant(view.IconUnread, 1, size))
		seven := decode(t, Variant(view.IconUnread, 7, size))
		if diff(one, seven) == 0 {
			t.Errorf("%d px: badge 1 and 7 look the same", size)
		}
		tw := decode(t, Variant(view.IconUnread, 12, size))
		if diff(one, tw) == 0 {
			t.Errorf("%d px: badge 1 and 12 look the same", size)
		}
		// Everything over 99 reads "99+": the same picture, not a new one.
		a, b := Variant(view.IconUnread, 150, size), Variant(view.IconUnread, 1000, size)
		if !bytes.Equal(a, b) {
			t.Errorf("%d px: 150 and 1000 should both be 99+", size)
		}
		if bytes.Equal(a, Variant(view.IconUnread, 99, size)) {
			t.Errorf("%d px: 99+ looks like 99", size)
		}
		// Only unread draws a count.
		if !bytes.Equal(Variant(view.IconPaused, 5, size), Variant(view.IconPaused, 0, size)) {
			t.Errorf("%d px: paused icon depends on the count", size)
		}
	}
}

// TestBadgeDigitsArePixelExact draws "99+" and checks the glyphs landed on
// whole pixels in pure white: a blurred count is an unreadable count.
func TestBadgeDigitsArePixelExact(t *testing.T) {
	img := decode(t, Variant(view.IconUnread, 150, 22))
	whites := 0
	for y := 0; y < 22; y++ {
		for x := 0; x < 22; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c == (color.NRGBA{255, 255, 255, 255}) {
				whites++
			}
		}
	}
	// "9" has 12 lit pixels, "+" 5: 29 at scale 1.
	if whites != 29 {
		t.Fatalf("got %d white pixels, want 29 (two 9s and a +)", whites)
	}
}

func TestCache(t *testing.T) {
	a := Variant(view.IconAttention, 0, 30)
	b := Variant(view.IconAttention, 42, 30)
	if &a[0] != &b[0] {
		t.Fatal("second call did not come from the cache")
	}
}

// TestContactSheet writes every variant to PNG files and checks they read
// back. With ICON_SHEET_DIR set it keeps them there and adds sheet.png (each
// size on a light and a dark panel, magnified) for a person to look at:
//
//	ICON_SHEET_DIR=/tmp/icons go test -run ContactSheet ./ui/icon
func TestContactSheet(t *testing.T) {
	dir := os.Getenv("ICON_SHEET_DIR")
	keep := dir != ""
	if !keep {
		dir = t.TempDir()
	}
	sizes := []int{16, 22, 32, 48}
	counts := []int{0, 1, 7, 12, 150}
	type cell struct {
		name  string
		state view.Icon
		n     int
	}
	var cells []cell
	for _, s := range states {
		if s.state == view.IconUnread {
			for _, n := range counts {
				cells = append(cells, cell{fmt.Sprintf("unread-%d", n), s.state, n})
			}
			continue
		}
		cells = append(cells, cell{s.name, s.state, 0})
	}
	const zoom, pad = 4, 8
	cw := 0
	for _, s := range sizes {
		cw += 2 * (s*zoom + pad)
	}
	ch := 48*zoom + pad
	sheet := image.NewNRGBA(image.Rect(0, 0, cw, ch*len(cells)))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.NRGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
	for row, c := range cells {
		x := 0
		for _, size := range sizes {
			b := Variant(c.state, c.n, size)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", c.name, size)), b, 0o644); err != nil {
				t.Fatal(err)
			}
			img := decode(t, b)
			if !keep {
				continue
			}
			for _, bg := range []color.NRGBA{{0xf0, 0xf0, 0xf0, 255}, {0x2a, 0x2a, 0x2e, 255}} {
				r := image.Rect(x, row*ch, x+size*zoom, row*ch+size*zoom)
				draw.Draw(sheet, r, image.NewUniform(bg), image.Point{}, draw.Src)
				// Composite on the background at 1:1, then magnify.
				tile := image.NewNRGBA(image.Rect(0, 0, size, size))
				draw.Draw(tile, tile.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
				draw.Draw(tile, tile.Bounds(), img, image.Point{}, draw.Over)
				for yy := 0; yy < size*zoom; yy++ {
					for xx := 0; xx < size*zoom; xx++ {
						sheet.SetNRGBA(r.Min.X+xx, r.Min.Y+yy, tile.NRGBAAt(xx/zoom, yy/zoom))
					}
				}
				x += size*zoom + pad
			}
		}
	}
	if !keep {
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, sheet); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sheet.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("variants and sheet.png in %s", dir)
}
