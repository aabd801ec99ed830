package e2e

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"mailbell/internal/testenv/desktoptest"
)

// xWindow is a top-level window as xwininfo reports it.
type xWindow struct {
	ID       uint32
	Name     string
	Viewable bool // Map State: IsViewable
	X, Y     int  // absolute upper-left corner
	W, H     int
}

var treeLine = regexp.MustCompile(`^\s*(0x[0-9a-fA-F]+) "((?:[^"\\]|\\.)*)"`)

// findWindows lists the windows named name (exactly), with their map state
// and geometry, from `xwininfo -root -tree`.
func findWindows(env []string, name string) ([]xWindow, error) {
	cmd := exec.Command("xwininfo", "-root", "-tree")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("xwininfo -root -tree: %w: %s", err, out)
	}
	var wins []xWindow
	for _, line := range strings.Split(string(out), "\n") {
		m := treeLine.FindStringSubmatch(line)
		if m == nil || m[2] != name {
			continue
		}
		id, err := strconv.ParseUint(m[1], 0, 32)
		if err != nil {
			continue
		}
		w, err := windowInfo(env, uint32(id))
		if err != nil {
			continue // gone in between
		}
		w.Name = m[2]
		wins = append(wins, w)
	}
	return wins, nil
}

func windowInfo(env []string, id uint32) (xWindow, error) {
	cmd := exec.Command("xwininfo", "-id", fmt.Sprintf("0x%x", id))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return xWindow{}, fmt.Errorf("xwininfo -id 0x%x: %w: %s", id, err, out)
	}
	w := xWindow{ID: id}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		n, _ := strconv.Atoi(v)
		switch k {
		case "Absolute upper-left X":
			w.X = n
		case "Absolute upper-left Y":
			w.Y = n
		case "Width":
			w.W = n
		case "Height":
			w.H = n
		case "Map State":
			w.Viewable = v == "IsViewable"
		}
	}
	return w, nil
}

// viewableWindow returns the first viewable window called name.
func viewableWindow(env []string, name string) (xWindow, error) {
	wins, err := findWindows(env, name)
	if err != nil {
		return xWindow{}, err
	}
	for _, w := range wins {
		if w.Viewable {
			return w, nil
		}
	}
	return xWindow{}, fmt.Errorf("no viewable window %q (found %d unmapped)", name, len(wins))
}

// closeWindow asks the window's client to close it, as a window manager does
// when the person clicks the close button: a WM_PROTOCOLS client message
// carrying WM_DELETE_WINDOW. Spoken in the X11 wire protocol directly over
// the display's Unix socket, since no X library is among the module's
// dependencies and Debian's x11-utils have no tool that sends it.
func closeWindow(display string, id uint32) error {
	num := strings.TrimPrefix(display, ":")
	if i := strings.IndexByte(num, '.'); i >= 0 {
		num = num[:i]
	}
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 3*time.Second)
	if err != nil {
		return fmt.Errorf("x11: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	le := binary.LittleEndian

	// Connection setup, no authorization (Xvfb started without -auth).
	setup := make([]byte, 12)
	setup[0] = 'l'
	le.PutUint16(setup[2:], 11)
	if _, err := conn.Write(setup); err != nil {
		return fmt.Errorf("x11 setup: %w", err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(conn, head); err != nil {
		return fmt.Errorf("x11 setup reply: %w", err)
	}
	rest := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(conn, rest); err != nil {
		return fmt.Errorf("x11 setup reply: %w", err)
	}
	if head[0] != 1 {
		return fmt.Errorf("x11 setup refused (status %d): %q", head[0], rest)
	}

	reply := func() ([]byte, error) {
		b := make([]byte, 32)
		if _, err := io.ReadFull(conn, b); err != nil {
			return nil, err
		}
		if b[0] == 0 {
			return nil, fmt.Errorf("x11 error code %d", b[1])
		}
		if extra := le.Uint32(b[4:]); b[0] == 1 && extra > 0 {
			if _, err := io.CopyN(io.Discard, conn, int64(extra)*4); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	intern := func(name string) (uint32, error) {
		pad := (4 - len(name)%4) % 4
		req := make([]byte, 8+len(name)+pad)
		req[0] = 16 // InternAtom
		req[1] = 0  // only-if-exists: false
		le.PutUint16(req[2:], uint16(len(req)/4))
		le.PutUint16(req[4:], uint16(len(name)))
		copy(req[8:], name)
		if _, err := conn.Write(req); err != nil {
			return 0, err
		}
		b, err := reply()
		if err != nil {
			return 0, fmt.Errorf("x11 InternAtom %s: %w", name, err)
		}
		return le.Uint32(b[8:]), nil
	}
	protocols, err := intern("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	deleteWin, err := intern("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}

	req := make([]byte, 44)
	req[0] = 25 // SendEvent
	req[1] = 0  // propagate: false
	le.PutUint16(req[2:], 11)
	le.PutUint32(req[4:], id) // destination
	le.PutUint32(req[8:], 0)  // event mask 0: to the window's creator
	ev := req[12:]
	ev[0] = 33 // ClientMessage
	ev[1] = 32 // format
	le.PutUint32(ev[4:], id)
	le.PutUint32(ev[8:], protocols)
	le.PutUint32(ev[12:], deleteWin)
	le.PutUint32(ev[16:], 0) // CurrentTime
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("x11 SendEvent: %w", err)
	}
	// GetInputFocus has a reply: once it comes, the server has handled the
	// SendEvent (or reported an error for it first).
	sync := make([]byte, 4)
	sync[0] = 43
	le.PutUint16(sync[2:], 1)
	if _, err := conn.Write(sync); err != nil {
		return fmt.Errorf("x11 GetInputFocus: %w", err)
	}
	if _, err := reply(); err != nil {
		return fmt.Errorf("x11 SendEvent to 0x%x: %w", id, err)
	}
	return nil
}

// connectedGreen is Fyne's success colour (the same in its light and dark
// themes), which the window uses for the dot of a connected account.
var connectedGreen = [3]uint8{0x43, 0xf4, 0x36}

// shotStats decodes the PNG at path and, inside rect (the whole image when
// rect is empty), counts the distinct colours and the pixels within a small
// distance of near.
func shotStats(path string, rect image.Rectangle, near [3]uint8) (distinct, nearCount int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return 0, 0, fmt.Errorf("decoding %s: %w", path, err)
	}
	b := img.Bounds()
	if !rect.Empty() {
		b = b.Intersect(rect)
	}
	if b.Empty() {
		return 0, 0, errors.New("empty region")
	}
	close := func(a uint32, b uint8) bool {
		d := int(a>>8) - int(b)
		return d >= -8 && d <= 8
	}
	seen := map[[4]uint32]struct{}{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = struct{}{}
			if close(r, near[0]) && close(g, near[1]) && close(bl, near[2]) {
				nearCount++
			}
		}
	}
	return len(seen), nearCount, nil
}

// waitScreenChange takes screenshots into shot until one differs from the
// screenshot ref: a click or a scroll has been drawn.
func waitScreenChange(s *desktoptest.Session, ref, shot string) error {
	a, err := os.ReadFile(ref)
	if err != nil {
		return err
	}
	return poll(10*time.Second, 100*time.Millisecond, func() error {
		if err := s.Screenshot(shot); err != nil {
			return err
		}
		b, err := os.ReadFile(shot)
		if err != nil {
			return err
		}
		if bytes.Equal(a, b) {
			return fmt.Errorf("the screen did not change")
		}
		return nil
	})
}

// waitScreenStill takes screenshots into shot until two in a row are the
// same: what was drawing (a hover effect, a scroll) has settled.
func waitScreenStill(s *desktoptest.Session, shot string) error {
	var prev []byte
	return poll(10*time.Second, 100*time.Millisecond, func() error {
		if err := s.Screenshot(shot); err != nil {
			return err
		}
		b, err := os.ReadFile(shot)
		if err != nil {
			return err
		}
		same := bytes.Equal(prev, b)
		prev = b
		if !same {
			return fmt.Errorf("the screen is still changing")
		}
		return nil
	})
}
