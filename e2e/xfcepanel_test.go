package e2e

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"mailbell/internal/testenv/proctest"
)

// TestInARealXfcePanel runs the built binary in a real tray host, Xfce's
// panel (xfce4-panel's systray plugin hosts StatusNotifierItems and draws
// their dbusmenu with libdbusmenu-gtk), instead of the test watcher: the
// panel draws the icon the app sends — the faded bell of "hide_when_empty"
// while nothing is unread, the coloured one with a badge after mail comes —
// and a right click (XTEST through xdotool) opens the menu the panel draws,
// where Up and Return choose Quit and the panel's "clicked" event ends the
// app with status 0.
func TestInARealXfcePanel(t *testing.T) {
	w := newWorld(t)
	// The panel is the tray host here: the test watcher gives up its name.
	_ = w.sni.Close()
	setPreferences(t, w, map[string]any{"hide_when_empty": true})
	startXfcePanel(t, w)

	w.startApp(t)
	// The panel's tray sits at its right end, in the 32-px-high strip along
	// the top of the screen.
	look := func(want func(orange, red, drawn int) bool, what, shot string) {
		t.Helper()
		var last string
		err := poll(20*time.Second, 200*time.Millisecond, func() error {
			// dunst shows its pop-ups over the same corner.
			if err := w.s.DunstCloseAll(); err != nil {
				return err
			}
			orange, red, drawn, err := trayPixels(w)
			if err != nil {
				return err
			}
			last = fmt.Sprintf("%d orange, %d red, %d drawn pixels", orange, red, drawn)
			if !want(orange, red, drawn) {
				return fmt.Errorf("tray area: %s", last)
			}
			return nil
		})
		if err != nil {
			screenshot(t, w, shot)
			_, e := w.app.output()
			t.Fatalf("%s: %v; app stderr:\n%s", what, err, tail(e, 30))
		}
		screenshot(t, w, shot) // for a person to look at
		t.Logf("%s: %s", what, last)
	}
	look(func(o, r, d int) bool { return o == 0 && r == 0 && d >= 40 }, "quiet bell, nothing unread", "xfce-quiet.png")
	w.deliver(t, w.nextSubject("in the panel"))
	look(func(o, r, d int) bool { return o >= 40 && r >= 10 }, "coloured bell with a badge", "xfce-unread.png")

	xdo := func(args ...string) {
		t.Helper()
		cmd := exec.Command("xdotool", args...)
		cmd.Env = w.s.Env()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v: %s", args, err, out)
		}
	}
	xdo("mousemove", "1013", "16", "click", "3")
	if err := poll(10*time.Second, 100*time.Millisecond, func() error {
		if !menuShown(w) {
			return fmt.Errorf("no menu below the panel")
		}
		return nil
	}); err != nil {
		screenshot(t, w, "xfce-menu.png")
		t.Fatal(err)
	}
	screenshot(t, w, "xfce-menu.png")
	xdo("key", "Up", "Return") // the last entry: Quit
	code, err := w.app.wait(15 * time.Second)
	if err != nil {
		t.Fatalf("Quit chosen in the panel's menu: %v", err)
	}
	if code != 0 {
		_, e := w.app.output()
		t.Fatalf("exit status %d after Quit; stderr:\n%s", code, tail(e, 30))
	}
	w.app = nil
}

// startXfcePanel starts xfconfd and xfce4-panel in the world's session with
// the panel of internal/testenv/xfcepanel/panel.xml (one top panel, the
// status tray at its end) and waits for the panel's StatusNotifierWatcher.
// The session bus does not start services: xfconfd is started here.
func startXfcePanel(t *testing.T, w *world) {
	t.Helper()
	xml, err := os.ReadFile(filepath.Join("..", "internal", "testenv", "xfcepanel", "panel.xml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(w.s.ConfigHome, "xfce4", "xfconf", "xfce-perchannel-xml")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "xfce4-panel.xml"), xml, 0o600); err != nil {
		t.Fatal(err)
	}
	xfconfd, _ := filepath.Glob("/usr/lib/*/xfce4/xfconf/xfconfd")
	if len(xfconfd) != 1 {
		t.Fatalf("xfconfd: found %v, want one (Debian package xfconf)", xfconfd)
	}
	env := append(w.s.Env(), "NO_AT_BRIDGE=1", "SESSION_MANAGER=")
	start := func(name, bin string, args ...string) {
		out, err := os.Create(w.art.path(name + ".log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { out.Close() })
		p := proctest.Start(t, name, bin, proctest.Options{Env: env, Dir: w.s.Home, Stdout: out, Stderr: out, Grace: 3 * time.Second}, args...)
		w.art.notePID(name, p.PID())
	}
	start("xfconfd", xfconfd[0])
	waitName(t, w, "org.xfce.Xfconf")
	start("xfce4-panel", "xfce4-panel", "--disable-wm-check")
	waitName(t, w, "org.kde.StatusNotifierWatcher")
}

func waitName(t *testing.T, w *world, name string) {
	t.Helper()
	if err := poll(20*time.Second, 50*time.Millisecond, func() error {
		ok, err := w.s.NameHasOwner(name)
		if err != nil || !ok {
			return fmt.Errorf("%s not on the bus (%v)", name, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// trayPixels reads the screen's top-right 40×32 pixels, where the panel
// shows the one tray icon, and counts the bell's orange, the badge's red,
// and every pixel that is not the panel's own background.
func trayPixels(w *world) (orange, red, drawn int, err error) {
	img, err := grab(w)
	if err != nil {
		return 0, 0, 0, err
	}
	b := img.Bounds()
	bg := img.At(b.Max.X-60, 16)
	br, bgG, bb, _ := bg.RGBA()
	for y := 0; y < 32; y++ {
		for x := b.Max.X - 40; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			switch {
			case r > 200 && g > 90 && g < 200 && bl < 90:
				orange++
			case r > 180 && g < 70 && bl < 70:
				red++
			}
			if absDiff8(r, br>>8)+absDiff8(g, bgG>>8)+absDiff8(bl, bb>>8) > 24 {
				drawn++
			}
		}
	}
	return orange, red, drawn, nil
}

// menuShown reports whether a menu covers the screen below the panel's
// right end: the session's root is black, a menu is not.
func menuShown(w *world) bool {
	img, err := grab(w)
	if err != nil {
		return false
	}
	b := img.Bounds()
	lit := 0
	for y := 60; y < 200; y += 10 {
		r, g, bl, _ := img.At(b.Max.X-100, y).RGBA()
		if r>>8+g>>8+bl>>8 > 300 {
			lit++
		}
	}
	return lit >= 10
}

func grab(w *world) (image.Image, error) {
	path := w.art.path("xfce-screen.png")
	if err := w.s.Screenshot(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

func absDiff8(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
