//go:build linux

// Package winetest runs Mailbell's Windows executables under Wine for
// tests: a private Wine prefix (WINEPREFIX in a temp folder, never
// ~/.wine) with the ProcessPrng stand-in of packaging/windows in its
// system32, cross-builds of the pure-Go executables for windows/amd64, and
// path helpers.
//
// Wine and mingw-w64 come from Debian (make deps installs them, see
// packaging/windows.mk). Without them New skips the test, except under
// CI=true, where it fails: a CI run must not count the Windows checks as
// passed when they never ran.
package winetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/proctest"
)

// Tools the Wine tests need, and the Debian package each comes from.
var tools = map[string]string{
	"wine":                   "wine",
	"wineboot":               "wine",
	"wineserver":             "wine",
	"x86_64-w64-mingw32-gcc": "gcc-mingw-w64-x86-64",
}

// Prefix is a private, initialised Wine prefix.
type Prefix struct {
	Dir string // WINEPREFIX
	env []string
}

// New makes a Wine prefix for t (wineboot, ~30 s) with the ProcessPrng
// stand-in in system32, and removes it (wineserver -k first) when t ends.
func New(t testing.TB) *Prefix {
	t.Helper()
	for tool, pkg := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("winetest: %s not found (Debian package %s; make deps installs it)", tool, pkg)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	dir := t.TempDir()
	p := &Prefix{Dir: filepath.Join(dir, "prefix")}
	p.env = append(withoutVars(os.Environ(), "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "DISPLAY", "WAYLAND_DISPLAY", "WINEARCH"),
		"WINEPREFIX="+p.Dir,
		"WINEDEBUG="+winedebug(),
		// No Mono or Gecko installer dialogs: nothing here needs .NET or a browser.
		"WINEDLLOVERRIDES=mscoree,mshtml=",
	)
	t.Cleanup(func() {
		cmd := exec.Command("wineserver", "-k")
		cmd.Env = p.env
		cmd.Run()
		waitServerGone(p.env)
	})

	dll := filepath.Join(dir, "bcryptprimitives.dll")
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "packaging", "windows")
	run(t, nil, "", "x86_64-w64-mingw32-gcc", "-O2", "-shared", "-s", "-o", dll,
		filepath.Join(src, "processprng.c"), filepath.Join(src, "processprng.def"), "-lbcrypt")

	start := time.Now()
	run(t, p.env, "", "wineboot", "--init")
	run(t, p.env, "", "wineserver", "--wait")
	t.Logf("winetest: prefix ready in %v", time.Since(start).Round(time.Millisecond))
	sys32 := filepath.Join(p.Dir, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "kernel32.dll")); err != nil {
		t.Fatalf("winetest: wineboot made no system32: %v", err)
	}
	copyFile(t, dll, filepath.Join(sys32, "bcryptprimitives.dll"))
	return p
}

// winedebug is the prefix's WINEDEBUG: Wine's err: messages stay on (they
// land in the captured stderr a failing test prints, e.g. "no driver could
// be loaded"), its fixme: chatter is off. MAILBELL_WINEDEBUG overrides it
// for a diagnosis (e.g. "+win,+x11drv").
func winedebug() string {
	if v := os.Getenv("MAILBELL_WINEDEBUG"); v != "" {
		return v
	}
	return "fixme-all"
}

// SetDisplay gives every later Windows program of the prefix the X display
// in env (its DISPLAY and XAUTHORITY, e.g. a desktoptest session's Env()),
// headless ones included, and stops the prefix's wineserver so that the
// next program starts afresh. Why all of them: Wine starts one desktop
// process per wineserver (explorer.exe /desktop) with the environment of
// the first program that needs it (the headless mailbell.exe does), and
// every later window is drawn through that desktop's driver. A headless
// core started without DISPLAY thus left a desktop without a display, and
// a window opened after it failed in glfwInit ("no driver could be
// loaded"), which Fyne 2.7.1 turns into a panic.
func (p *Prefix) SetDisplay(t testing.TB, env []string) {
	t.Helper()
	var x []string
	display := false
	for _, kv := range env {
		if strings.HasPrefix(kv, "DISPLAY=") || strings.HasPrefix(kv, "XAUTHORITY=") {
			x = append(x, kv)
			display = display || strings.HasPrefix(kv, "DISPLAY=")
		}
	}
	if !display {
		t.Fatal("winetest: SetDisplay without a DISPLAY")
	}
	kill := exec.Command("wineserver", "-k")
	kill.Env = p.env
	kill.Run() // fails when no wineserver runs: nothing to stop
	waitServerGone(p.env)
	p.env = append(withoutVars(p.env, "DISPLAY", "XAUTHORITY"), x...)
}

// Env is the environment for a Windows program in this prefix.
func (p *Prefix) Env(extra ...string) []string {
	return append(append([]string(nil), p.env...), extra...)
}

// Command runs exe (a Windows executable) with args under wine.
func (p *Prefix) Command(exe string, args ...string) *exec.Cmd {
	cmd := exec.Command("wine", append([]string{exe}, args...)...)
	cmd.Env = p.Env()
	// A wine that has to start wineserver leaves it running with our
	// stdout and stderr: stop waiting for them shortly after wine exits.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// Run runs exe under wine with stdin and returns its stdout; a failure
// carries stderr.
func (p *Prefix) Run(stdin string, exe string, args ...string) (string, error) {
	cmd := p.Command(exe, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { done <- IgnoreWaitDelay(cmd.Wait()) }()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), fmt.Errorf("%s %s: %w: %s", filepath.Base(exe), strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
		}
		return out.String(), nil
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("%s %s: no exit within 90 s: %s", filepath.Base(exe), strings.Join(args, " "), errb.String())
	}
}

// IgnoreWaitDelay drops exec.ErrWaitDelay: the program exited well, only a
// wineserver or explorer.exe it started still holds its output pipes.
func IgnoreWaitDelay(err error) error {
	if errors.Is(err, exec.ErrWaitDelay) {
		return nil
	}
	return err
}

// AppData is the Unix path of the Windows user's %APPDATA% in the prefix
// (drive_c/users/<user>/AppData/Roaming).
func (p *Prefix) AppData(t testing.TB) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(p.Dir, "drive_c", "users", "*", "AppData", "Roaming"))
	for _, d := range m {
		if !strings.Contains(d, string(filepath.Separator)+"Public"+string(filepath.Separator)) {
			return d
		}
	}
	t.Fatalf("winetest: no user AppData\\Roaming in %s", p.Dir)
	return ""
}

// WindowsPath is how a program under Wine names the Unix path p: Wine maps
// drive Z: to /.
func WindowsPath(p string) string {
	return `Z:` + strings.ReplaceAll(filepath.Clean(p), "/", `\`)
}

// Build cross-builds package pkg (an import path) for windows/amd64
// without cgo into dir and returns the .exe's path.
func Build(t testing.TB, dir, pkg, name string) string {
	t.Helper()
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".exe")
	env := append(withoutVars(os.Environ(), "GOOS", "GOARCH", "CGO_ENABLED"), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	start := time.Now()
	run(t, env, root, "go", "build", "-o", out, pkg)
	t.Logf("winetest: built %s in %v", filepath.Base(out), time.Since(start).Round(time.Millisecond))
	return out
}

func run(t testing.TB, env []string, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Dir = env, dir
	cmd.WaitDelay = 2 * time.Second // see Command
	out, err := cmd.CombinedOutput()
	if err := IgnoreWaitDelay(err); err != nil {
		t.Fatalf("winetest: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitServerGone waits (up to 10 s) until wineserver -k's server has gone,
// so the prefix folder can be removed.
func waitServerGone(env []string) {
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
		cmd := exec.Command("wineserver", "--wait")
		cmd.Env = env
		if cmd.Run() == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func withoutVars(env []string, names ...string) []string {
	out := env[:0:0]
	for _, kv := range env {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}
