package tray

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"testing"
)

func TestPNGToICO(t *testing.T) {
	for _, size := range []int{16, 22, 256} {
		var p bytes.Buffer
		if err := png.Encode(&p, image.NewNRGBA(image.Rect(0, 0, size, size))); err != nil {
			t.Fatal(err)
		}
		ico, err := pngToICO(p.Bytes())
		if err != nil {
			t.Fatalf("%d px: %v", size, err)
		}
		le := binary.LittleEndian
		if le.Uint16(ico[0:]) != 0 || le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 1 {
			t.Fatalf("%d px: ICONDIR % x", size, ico[:6])
		}
		if w, h := int(ico[6]), int(ico[7]); w != size%256 || h != size%256 {
			t.Errorf("%d px: entry says %dx%d", size, w, h)
		}
		n, off := le.Uint32(ico[14:]), le.Uint32(ico[18:])
		if int(n) != p.Len() || off != 22 || !bytes.Equal(ico[off:], p.Bytes()) {
			t.Errorf("%d px: entry size %d offset %d, want the PNG (%d bytes) at 22", size, n, off, p.Len())
		}
	}
	if _, err := pngToICO([]byte("not a png")); err == nil {
		t.Error("garbage became an icon")
	}
}
