package icon

import (
	"image/color"
	"testing"

	"mailbell/app/view"
)

// The quiet icon keeps the bell's shape, grey and see-through: every pixel
// of the normal bell is there, at most quietAlpha opaque, with no colour.
func TestQuietIsAFadedGreyBell(t *testing.T) {
	for _, size := range []int{16, 22, 32} {
		normal := decode(t, Variant(view.IconNormal, 0, size))
		quiet := decode(t, Variant(view.IconQuiet, 0, size))
		shape, maxA := 0, uint8(0)
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				n := color.NRGBAModel.Convert(normal.At(x, y)).(color.NRGBA)
				q := color.NRGBAModel.Convert(quiet.At(x, y)).(color.NRGBA)
				if (n.A > 0) != (q.A > 0) && n.A > 2 {
					t.Fatalf("%d px: at %d,%d normal alpha %d, quiet %d: not the same shape", size, x, y, n.A, q.A)
				}
				if q.A > 0 {
					shape++
					maxA = max(maxA, q.A)
					if absDiff(q.R, q.G) > 1 || absDiff(q.G, q.B) > 1 {
						t.Fatalf("%d px: at %d,%d colour %v, want grey", size, x, y, q)
					}
				}
			}
		}
		if limit := uint8(quietAlpha*255 + 1); maxA > limit || maxA < limit/2 {
			t.Errorf("%d px: most opaque pixel %d, want about %d", size, maxA, limit)
		}
		if shape < size*size/4 {
			t.Errorf("%d px: only %d pixels drawn", size, shape)
		}
	}
}
