//go:build linux && windowexe

package wine

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/proctest"
	"mailbell/internal/testenv/winetest"
)

// TestWindowExeUnderWine runs the two executables of the zip make
// dist-windows built (make test-windows runs this with -tags windowexe and
// MAILBELL_WINDOWS_ZIP), as shipped: -H windowsgui, resources patched in.
// The mingw-built Fyne window executable dials the core over the named
// pipe. Without a core it gives up with "mailbell is not running"; with one
// it connects and opens its settings window on Xvfb (Wine's X11 driver,
// Mesa's software GL), which stays up.
func TestWindowExeUnderWine(t *testing.T) {
	dist := filepath.Join(unpackZip(t), "Mailbell")
	winExe := filepath.Join(dist, "mailbell-window.exe")
	exe := filepath.Join(dist, "mailbell.exe")
	wp := winetest.New(t)
	s, err := desktoptest.Start(desktoptest.Options{X: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Every program of the prefix on the display, the headless core too:
	// Wine's desktop process takes the environment of whichever starts it.
	wp.SetDisplay(t, s.Env())
	bin := t.TempDir()
	sock := `C:\mailbell-test\control.sock`
	env := wp.Env(envSocket + "=" + sock)

	// No core: the window process cannot dial and says so.
	aloneErr := &lockedBuffer{}
	alone := proctest.Start(t, "mailbell-window.exe-alone", "wine", proctest.Options{Env: env, Stderr: aloneErr}, winExe)
	if code, err := alone.Wait(60 * time.Second); err != nil || code == 0 || !strings.Contains(aloneErr.String(), "not running") {
		t.Fatalf("window exe without a core: exit %d, %v, stderr %q; want 'mailbell is not running'", code, err, aloneErr)
	}

	dc := dovecottest.StartT(t, dovecottest.Options{})
	if _, err := wp.Run(dovecottest.DefaultPassword+"\n", winetest.Build(t, bin, "mailbell/internal/testenv/winetest/probe", "probe"), "keyring-set", accountID); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, filepath.Join(wp.AppData(t), "mailbell"), dc)
	core := startCore(t, wp, exe, sock)
	core.waitLine(t, 60*time.Second, `"state":"idle"`)

	stderr := &lockedBuffer{}
	win := proctest.Start(t, "mailbell-window.exe", "wine", proctest.Options{Env: env, Stderr: stderr, Grace: 5 * time.Second}, winExe, "--view", "settings")
	// The settings window mapped on the display (Wine names the X window
	// after the Win32 title, "Mailbell …"), then still up a while later.
	for end := time.Now().Add(60 * time.Second); !hasXWindow(s.Display, "Mailbell"); {
		if win.Exited() || time.Now().After(end) {
			win.Wait(5 * time.Second)
			t.Fatalf("no settings window on the display (exited: %v, %v):\n%s", win.Exited(), win.Err(), stderr)
		}
		time.Sleep(500 * time.Millisecond)
	}
	select {
	case <-win.Done():
		t.Fatalf("window exe with a core running exited after showing its window: %v\n%s", win.Err(), stderr)
	case <-time.After(5 * time.Second):
	}
	if strings.Contains(stderr.String(), "not running") {
		t.Fatalf("window exe did not reach the core:\n%s", stderr)
	}
	shot := filepath.Join(t.TempDir(), "window.png")
	if err := s.Screenshot(shot); err != nil {
		t.Logf("screenshot: %v", err)
	} else {
		t.Logf("the window under Wine: %s", shot)
	}
}

// hasXWindow reports whether display has a window whose name starts with
// prefix.
func hasXWindow(display, prefix string) bool {
	out, _ := exec.Command("xwininfo", "-display", display, "-root", "-tree").Output()
	return strings.Contains(string(out), `"`+prefix)
}
