//go:build linux

package wine

import (
	"fmt"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/proctest"
	"mailbell/internal/testenv/winetest"
)

// trayUnderWine runs mailbell.exe as a person starts it (tray, no
// --headless) on Xvfb, where Wine's explorer.exe is the Windows shell and
// draws the notification area as its "Wine System Tray" window: the icon
// must be drawn there (fyne.io/systray's Shell_NotifyIcon path, fed an
// .ico), the pipe must answer, and quit must end the process cleanly.
func trayUnderWine(t *testing.T, wp *winetest.Prefix, exe, probe string) {
	if _, err := wp.Run(dovecottest.DefaultPassword+"\n", probe, "keyring-set", accountID); err != nil {
		t.Fatal(err)
	}
	s, err := desktoptest.Start(desktoptest.Options{X: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A fresh wineserver, so explorer.exe starts with the display.
	wp.SetDisplay(t, s.Env())
	sock := `C:\mailbell-test\tray.sock`
	env := []string{envSocket + "=" + sock}
	stderr := &lockedBuffer{}
	p := proctest.Start(t, "mailbell.exe-tray", "wine", proctest.Options{Env: wp.Env(env...), Stderr: stderr, Grace: 5 * time.Second}, exe)

	call := func(cmd string) error {
		c := wp.Command(probe, "call", sock, cmd)
		c.Env = wp.Env(env...)
		out, err := c.CombinedOutput()
		if err := winetest.IgnoreWaitDelay(err); err != nil {
			return &callError{string(out), err}
		}
		return nil
	}
	deadline := time.Now().Add(60 * time.Second)
	for err := call("check_now"); err != nil; err = call("check_now") {
		if time.Now().After(deadline) || p.Exited() {
			t.Fatalf("tray-mode core never answered check_now: %v\nstderr:\n%s", err, stderr)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The icon in Wine's tray window: some saturated (orange) pixels.
	trayWin := regexp.MustCompile(`(0x[0-9a-f]+) "Wine System Tray"`)
	var lastErr string
	for end := time.Now().Add(20 * time.Second); ; {
		out, _ := exec.Command("xwininfo", "-display", s.Display, "-root", "-tree").Output()
		if m := trayWin.FindStringSubmatch(string(out)); m != nil {
			n, err := colouredPixels(s, m[1])
			if err == nil && n >= 20 {
				t.Logf("Wine's tray window %s holds %d coloured pixels: the bell", m[1], n)
				break
			}
			lastErr = fmt.Sprintf("%d coloured pixels, %v", n, err)
		} else {
			lastErr = "no Wine System Tray window"
		}
		if time.Now().After(end) {
			t.Fatalf("no tray icon drawn under Wine (%s)\nstderr:\n%s", lastErr, stderr)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "unable to set icon") && !strings.Contains(l, "not ready") {
			t.Errorf("systray: %s", l)
		}
	}

	if err := call("quit"); err != nil {
		t.Logf("quit: %v", err) // the reply can lose the race with the exit
	}
	if code, err := p.Wait(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("tray-mode mailbell.exe after quit: exit %d, %v\nstderr:\n%s", code, err, stderr)
	}
}

// colouredPixels captures X window id and counts its clearly coloured
// pixels (not white, grey or black).
func colouredPixels(s *desktoptest.Session, id string) (int, error) {
	path := filepath.Join(os.TempDir(), "mailbell-wine-tray-"+id+".png")
	defer os.Remove(path)
	if out, err := exec.Command("import", "-display", s.Display, "-window", id, path).CombinedOutput(); err != nil {
		return 0, &callError{string(out), err}
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return 0, err
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			hi, lo := max(r, g, bl)>>8, min(r, g, bl)>>8
			if hi-lo > 80 {
				n++
			}
		}
	}
	return n, nil
}

type callError struct {
	out string
	err error
}

func (e *callError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.out) }
