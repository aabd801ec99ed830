package tray

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/png"
)

// pngToICO wraps a PNG in a one-image .ico container (the PNG stored as is,
// which Windows reads since Vista). On Windows systray.SetIcon hands its
// bytes to LoadImage(IMAGE_ICON), which takes .ico only: a bare PNG leaves
// the tray without an icon ("unable to set icon").
func pngToICO(pngBytes []byte) ([]byte, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(pngBytes))
	if err != nil {
		return nil, err
	}
	if cfg.Width > 256 || cfg.Height > 256 {
		return nil, errors.New("tray: icon larger than 256 px does not fit an .ico entry")
	}
	dim := func(n int) byte { return byte(n % 256) } // 256 is written as 0
	var b bytes.Buffer
	b.Grow(22 + len(pngBytes))
	le := binary.LittleEndian
	b.Write(le.AppendUint16(nil, 0)) // reserved
	b.Write(le.AppendUint16(nil, 1)) // type: icon
	b.Write(le.AppendUint16(nil, 1)) // one image
	b.WriteByte(dim(cfg.Width))
	b.WriteByte(dim(cfg.Height))
	b.WriteByte(0)                    // no palette
	b.WriteByte(0)                    // reserved
	b.Write(le.AppendUint16(nil, 1))  // colour planes
	b.Write(le.AppendUint16(nil, 32)) // bits per pixel
	b.Write(le.AppendUint32(nil, uint32(len(pngBytes))))
	b.Write(le.AppendUint32(nil, 22)) // the image follows the 6+16 byte header
	b.Write(pngBytes)
	return b.Bytes(), nil
}
