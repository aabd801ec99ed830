package e2e

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// xInput types into and clicks on the X screen the way a person does, with
// the XTEST extension's FakeInput: the server turns it into real key and
// button events for whichever window has the focus (Xvfb has XTEST; there
// is no window manager, so the test gives the focus itself). Spoken in the
// X11 wire protocol over the display's socket, like closeWindow: no X
// library or xdotool is needed.
type xInput struct {
	conn    net.Conn
	xtest   byte             // XTEST's major opcode
	keys    map[rune][2]byte // rune → keycode, 1 when Shift is needed
	special map[uint32]byte  // keysym → keycode (Tab, Return, Shift_L)
	le      binary.ByteOrder
}

// Keysyms of the keys typed besides Latin-1 characters.
const (
	keysymTab    = 0xff09
	keysymReturn = 0xff0d
	keysymShiftL = 0xffe1
)

func dialXInput(display string) (*xInput, error) {
	num := strings.TrimPrefix(display, ":")
	if i := strings.IndexByte(num, '.'); i >= 0 {
		num = num[:i]
	}
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 3*time.Second)
	if err != nil {
		return nil, fmt.Errorf("x11: %w", err)
	}
	x := &xInput{conn: conn, le: binary.LittleEndian, keys: map[rune][2]byte{}, special: map[uint32]byte{}}
	if err := x.setup(); err != nil {
		conn.Close()
		return nil, err
	}
	return x, nil
}

func (x *xInput) Close() error { return x.conn.Close() }

func (x *xInput) deadline() { _ = x.conn.SetDeadline(time.Now().Add(5 * time.Second)) }

func (x *xInput) setup() error {
	x.deadline()
	req := make([]byte, 12)
	req[0] = 'l'
	x.le.PutUint16(req[2:], 11)
	if _, err := x.conn.Write(req); err != nil {
		return fmt.Errorf("x11 setup: %w", err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(x.conn, head); err != nil {
		return fmt.Errorf("x11 setup reply: %w", err)
	}
	rest := make([]byte, int(x.le.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(x.conn, rest); err != nil {
		return fmt.Errorf("x11 setup reply: %w", err)
	}
	if head[0] != 1 {
		return fmt.Errorf("x11 setup refused (status %d)", head[0])
	}
	minKey, maxKey := rest[26], rest[27]

	// XTEST's opcode.
	name := "XTEST"
	pad := (4 - len(name)%4) % 4
	q := make([]byte, 8+len(name)+pad)
	q[0] = 98 // QueryExtension
	x.le.PutUint16(q[2:], uint16(len(q)/4))
	x.le.PutUint16(q[4:], uint16(len(name)))
	copy(q[8:], name)
	b, _, err := x.request(q)
	if err != nil {
		return fmt.Errorf("x11 QueryExtension XTEST: %w", err)
	}
	if b[8] == 0 {
		return fmt.Errorf("the X server has no XTEST extension")
	}
	x.xtest = b[9]

	// The keyboard map: which keycode (and Shift or not) types each rune.
	count := int(maxKey) - int(minKey) + 1
	m := make([]byte, 8)
	m[0] = 101 // GetKeyboardMapping
	x.le.PutUint16(m[2:], 2)
	m[4], m[5] = minKey, byte(count)
	b, extra, err := x.request(m)
	if err != nil {
		return fmt.Errorf("x11 GetKeyboardMapping: %w", err)
	}
	per := int(b[1])
	for i := 0; i < count; i++ {
		code := byte(int(minKey) + i)
		for level := 0; level < per && level < 2; level++ {
			off := (i*per + level) * 4
			if off+4 > len(extra) {
				break
			}
			sym := x.le.Uint32(extra[off:])
			switch {
			case sym == keysymTab || sym == keysymReturn || sym == keysymShiftL:
				if _, ok := x.special[sym]; !ok {
					x.special[sym] = code
				}
			case sym >= 0x20 && sym <= 0x7e:
				if _, ok := x.keys[rune(sym)]; !ok {
					x.keys[rune(sym)] = [2]byte{code, byte(level)}
				}
			}
		}
	}
	return nil
}

// request sends a request that has a reply and returns the reply's 32-byte
// head and what follows it.
func (x *xInput) request(req []byte) (head, extra []byte, err error) {
	x.deadline()
	if _, err := x.conn.Write(req); err != nil {
		return nil, nil, err
	}
	for {
		b := make([]byte, 32)
		if _, err := io.ReadFull(x.conn, b); err != nil {
			return nil, nil, err
		}
		switch b[0] {
		case 0:
			return nil, nil, fmt.Errorf("x11 error code %d (request %d)", b[1], b[10])
		case 1:
			extra := make([]byte, int(x.le.Uint32(b[4:]))*4)
			if _, err := io.ReadFull(x.conn, extra); err != nil {
				return nil, nil, err
			}
			return b, extra, nil
		}
		// an event: none were asked for; skip it
	}
}

// sync waits until the server has handled every request sent before
// (GetInputFocus has a reply; an error of an earlier request comes first).
func (x *xInput) sync() error {
	req := make([]byte, 4)
	req[0] = 43
	x.le.PutUint16(req[2:], 1)
	_, _, err := x.request(req)
	return err
}

// focus gives the keyboard focus to window id (a window manager would on a
// click).
func (x *xInput) focus(id uint32) error {
	req := make([]byte, 12)
	req[0] = 42 // SetInputFocus
	req[1] = 1  // revert to PointerRoot
	x.le.PutUint16(req[2:], 3)
	x.le.PutUint32(req[4:], id)
	x.deadline()
	if _, err := x.conn.Write(req); err != nil {
		return err
	}
	return x.sync()
}

// fake sends one XTEST FakeInput event: 2/3 key press/release, 4/5 button
// press/release, 6 pointer motion to (px, py).
func (x *xInput) fake(typ, detail byte, px, py int16) error {
	req := make([]byte, 36)
	req[0] = x.xtest
	req[1] = 2 // X_XTestFakeInput
	x.le.PutUint16(req[2:], 9)
	req[4], req[5] = typ, detail
	x.le.PutUint16(req[24:], uint16(px))
	x.le.PutUint16(req[26:], uint16(py))
	x.deadline()
	_, err := x.conn.Write(req)
	return err
}

func (x *xInput) key(code byte, shift bool) error {
	if shift {
		if err := x.fake(2, x.special[keysymShiftL], 0, 0); err != nil {
			return err
		}
	}
	if err := x.fake(2, code, 0, 0); err != nil {
		return err
	}
	if err := x.fake(3, code, 0, 0); err != nil {
		return err
	}
	if shift {
		if err := x.fake(3, x.special[keysymShiftL], 0, 0); err != nil {
			return err
		}
	}
	if err := x.sync(); err != nil {
		return err
	}
	time.Sleep(5 * time.Millisecond) // a typist's pace: the client reads in order anyway
	return nil
}

// typeText types s (printable ASCII only).
func (x *xInput) typeText(s string) error {
	for _, r := range s {
		k, ok := x.keys[r]
		if !ok {
			return fmt.Errorf("no key types %q on this keyboard map", r)
		}
		if err := x.key(k[0], k[1] == 1); err != nil {
			return fmt.Errorf("typing %q: %w", r, err)
		}
	}
	return nil
}

// press presses a special key by keysym (keysymTab, keysymReturn).
func (x *xInput) press(sym uint32) error {
	code, ok := x.special[sym]
	if !ok {
		return fmt.Errorf("no key for keysym 0x%x", sym)
	}
	return x.key(code, false)
}
