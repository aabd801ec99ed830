package tray

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"mailbell/app/view"
	"mailbell/ui/icon"
)

// systrayARGB is fyne.io/systray v1.12.2's argbForImage, as the tray host
// receives it (straight ARGB, per the StatusNotifierItem spec).
func systrayARGB(img image.Image, shift uint) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	data := make([]byte, w*h*4)
	i := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, b, a := img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y).RGBA()
			data[i], data[i+1], data[i+2], data[i+3] = byte(a>>shift), byte(r>>shift), byte(g>>shift), byte(b>>shift)
			i += 4
		}
	}
	return data
}

func TestForSystrayDeliversTheDrawnPixels(t *testing.T) {
	for _, v := range []struct {
		state  view.Icon
		unseen int
	}{{view.IconNormal, 0}, {view.IconUnread, 7}, {view.IconUnread, 150}, {view.IconAttention, 0}, {view.IconPaused, 0}} {
		orig := icon.Variant(v.state, v.unseen, icon.TraySize)
		want, err := png.Decode(bytes.NewReader(orig))
		if err != nil {
			t.Fatal(err)
		}
		wantN := want.(*image.NRGBA)

		// Sent as is, the antialiased edge arrives as noise: the bug this
		// works around.
		if naive := systrayARGB(want, 0); bytes.Equal(naive, argbOf(wantN)) {
			t.Fatalf("state %v: systray's conversion is exact without help; forSystray is no longer needed", v.state)
		}

		fixed, err := forSystray(orig)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(fixed))
		if err != nil {
			t.Fatal(err)
		}
		if got := systrayARGB(img, 0); !bytes.Equal(got, argbOf(wantN)) {
			t.Errorf("state %v: the host would not get the drawn pixels", v.state)
		}
		// A systray that took the high byte would get premultiplied colours
		// within one step.
		hi := systrayARGB(img, 8)
		for i := 0; i < len(wantN.Pix); i += 4 {
			a := int(wantN.Pix[i+3])
			for k := 0; k < 3; k++ {
				p := (int(wantN.Pix[i+k])*a + 127) / 255
				if d := int(hi[i+k+1]) - p; d < -1 || d > 1 {
					t.Fatalf("state %v pixel %d: high byte %d, premultiplied %d", v.state, i/4, hi[i+k+1], p)
				}
			}
		}
	}
}

// argbOf is the straight ARGB the spec wants for img.
func argbOf(img *image.NRGBA) []byte {
	out := make([]byte, len(img.Pix))
	for i := 0; i < len(img.Pix); i += 4 {
		a := img.Pix[i+3]
		if a == 0 {
			continue // colour of a transparent pixel does not matter; systray sends 0
		}
		out[i], out[i+1], out[i+2], out[i+3] = a, img.Pix[i], img.Pix[i+1], img.Pix[i+2]
	}
	return out
}
