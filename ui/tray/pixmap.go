package tray

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"runtime"
	"sync"
)

// systray v1.12.2 turns the icon PNG into the StatusNotifierItem's ARGB
// pixmap with byte(c) of each 16-bit premultiplied channel from
// color.RGBA(): the low byte, not the high one (fyne-io/systray#92). For
// opaque 8-bit pixels the two bytes are equal; for the antialiased edge of
// an icon they are noise, and the tray shows green and magenta fringes.
//
// forSystray re-encodes an icon as a 16-bit PNG whose premultiplied channels
// carry two values at once: the high byte is the correct premultiplied
// colour, the low byte the straight colour that the SNI pixmap format
// expects. systray's low-byte conversion then sends exactly the pixels we
// drew, and a fixed systray reading the high byte would still send sensible
// ones. The end-to-end test compares what the tray host receives with the
// icon, so a systray upgrade that changes this shows up there.
func forSystray(pngBytes []byte) ([]byte, error) {
	if runtime.GOOS == "windows" {
		return pngToICO(pngBytes) // LoadImage wants an .ico (ico.go)
	}
	if runtime.GOOS == "darwin" {
		return pngBytes, nil // systray hands the file to the OS there
	}
	pixmapMu.Lock()
	defer pixmapMu.Unlock()
	if b, ok := pixmapCache[string(pngBytes)]; ok {
		return b, nil
	}
	src, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return nil, fmt.Errorf("tray: decoding icon: %w", err)
	}
	in := image.NewNRGBA(src.Bounds())
	draw.Draw(in, in.Bounds(), src, src.Bounds().Min, draw.Src)
	out := image.NewNRGBA64(in.Bounds())
	for i := 0; i < len(in.Pix); i += 4 {
		a8 := in.Pix[i+3]
		if a8 == 0 {
			continue
		}
		a16 := uint32(a8) * 0x101
		c := color.NRGBA64{A: uint16(a16)}
		ch := [3]*uint16{&c.R, &c.G, &c.B}
		for k := 0; k < 3; k++ {
			*ch[k] = encodeChannel(in.Pix[i+k], a8, a16)
		}
		j := i * 2
		out.Pix[j+0], out.Pix[j+1] = uint8(c.R>>8), uint8(c.R)
		out.Pix[j+2], out.Pix[j+3] = uint8(c.G>>8), uint8(c.G)
		out.Pix[j+4], out.Pix[j+5] = uint8(c.B>>8), uint8(c.B)
		out.Pix[j+6], out.Pix[j+7] = uint8(c.A>>8), uint8(c.A)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("tray: encoding icon: %w", err)
	}
	if len(pixmapCache) > 64 {
		clear(pixmapCache) // a handful of states and counts; never grows for long
	}
	pixmapCache[string(pngBytes)] = buf.Bytes()
	return buf.Bytes(), nil
}

var (
	pixmapMu    sync.Mutex
	pixmapCache = map[string][]byte{}
)

// encodeChannel returns the 16-bit straight channel value R16 for which
// color.NRGBA64.RGBA() — r = R16·A16/0xffff — yields r = P·256 + s: high
// byte P, the premultiplied value, low byte s, the straight one.
func encodeChannel(s, a8 uint8, a16 uint32) uint16 {
	p := uint32(math.Round(float64(s) * float64(a8) / 255))
	r := p<<8 | uint32(s)
	if r > a16 { // only when p == a8 and s > a8: one step less premultiplied
		r -= 256
	}
	// The smallest R16 with R16·A16/0xffff ≥ r; since A16 ≤ 0xffff the
	// floor lands exactly on r.
	r16 := (r*0xffff + a16 - 1) / a16
	return uint16(min(r16, 0xffff))
}
