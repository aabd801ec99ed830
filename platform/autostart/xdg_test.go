//go:build !windows && !darwin

package autostart

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sandbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	return filepath.Join(dir, "config", "autostart", FileName)
}

func TestEnableDisable(t *testing.T) {
	want := sandbox(t)
	if !Supported() {
		t.Fatal("Supported() = false on an XDG system")
	}
	if p, err := Path(); err != nil || p != want {
		t.Fatalf("Path() = %q, %v; want %q", p, err, want)
	}
	if Enabled() {
		t.Fatal("enabled before Enable")
	}
	if err := Disable(); err != nil {
		t.Fatalf("Disable with nothing to remove: %v", err)
	}
	if err := Enable("/usr/bin/mailbell", nil); err != nil {
		t.Fatal(err)
	}
	if !Enabled() {
		t.Fatal("not enabled after Enable")
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"[Desktop Entry]\n", "Type=Application\n", "Name=Mailbell\n", "Exec=/usr/bin/mailbell\n"} {
		if !strings.Contains(string(b), line) {
			t.Errorf("entry lacks %q:\n%s", line, b)
		}
	}
	if fi, _ := os.Stat(want); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}

	// Enable again replaces, leaving no temp files.
	if err := Enable("/opt/mail bell/mailbell", []string{"--config-dir", "/home/ann/My Mail"}); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(want)
	if !strings.Contains(string(b), `Exec="/opt/mail bell/mailbell" --config-dir "/home/ann/My Mail"`+"\n") {
		t.Errorf("entry:\n%s", b)
	}
	if entries, _ := os.ReadDir(filepath.Dir(want)); len(entries) != 1 {
		t.Errorf("autostart folder holds %d files", len(entries))
	}

	// Switched off by the desktop's own settings.
	if err := os.WriteFile(want, append(b, []byte("Hidden=true\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if Enabled() {
		t.Error("Hidden=true entry counts as enabled")
	}

	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if Enabled() {
		t.Error("enabled after Disable")
	}
	if _, err := os.Stat(want); !os.IsNotExist(err) {
		t.Errorf("entry still there: %v", err)
	}

	if err := Enable("mailbell", nil); err == nil {
		t.Error("relative program path accepted")
	}
	if err := Enable("/usr/bin/mailbell", []string{"a\nb"}); err == nil {
		t.Error("newline argument accepted")
	}
}

func TestDefaultConfigHome(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", dir)
	if p, err := Path(); err != nil || p != filepath.Join(dir, ".config", "autostart", FileName) {
		t.Fatalf("Path() = %q, %v", p, err)
	}
}

// TestGioLaunch has GLib, the desktop's own launcher, run the entry: the
// program must receive exactly the arguments given to Enable.
func TestGioLaunch(t *testing.T) {
	gio, err := exec.LookPath("gio")
	if err != nil {
		// make deps installs libglib2.0-bin: under CI a missing gio is a
		// broken setup, not a reason to count this test as passed.
		if os.Getenv("CI") == "true" {
			t.Fatalf("gio (libglib2.0-bin) not installed under CI=true: run make deps (%v)", err)
		}
		t.Skip("gio (libglib2.0-bin) not installed; TestExecLineRoundTrip covers the quoting")
	}
	path := sandbox(t)
	dir := filepath.Dir(filepath.Dir(filepath.Dir(path)))
	progDir := filepath.Join(dir, "my progs (x86)")
	if err := os.MkdirAll(progDir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "argv")
	prog := filepath.Join(progDir, "rec'order")
	script := "#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$REC_OUT.tmp\" && mv \"$REC_OUT.tmp\" \"$REC_OUT\"\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	args := hostileArgs[1:]
	if err := Enable(prog, args); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gio, "launch", path)
	cmd.Env = append(os.Environ(), "REC_OUT="+out,
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(dir, "no-bus")) // never a real session
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gio launch: %v\n%s", err, b)
	}
	var got []byte
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, err = os.ReadFile(out); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(path)
			t.Fatalf("the program never ran; entry:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	parts := strings.Split(string(bytes.TrimSuffix(got, []byte{0})), "\x00")
	if !reflect.DeepEqual(parts, args) {
		b, _ := os.ReadFile(path)
		t.Fatalf("program got %q\nwant %q\nentry:\n%s", parts, args, b)
	}
}

// An entry under the name used before the app ID counts as enabled, and
// Enable or Disable removes it, so an upgrade never starts Mailbell twice.
func TestLegacyEntryMigrates(t *testing.T) {
	path := sandbox(t)
	legacy := filepath.Join(filepath.Dir(path), "mailbell.desktop")
	if err := os.MkdirAll(filepath.Dir(legacy), 0o755); err != nil {
		t.Fatal(err)
	}
	writeLegacy := func() {
		t.Helper()
		if err := os.WriteFile(legacy, []byte("[Desktop Entry]\nType=Application\nName=Mailbell\nExec=/usr/bin/mailbell\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeLegacy()
	if !Enabled() {
		t.Fatal("a legacy entry should count as enabled")
	}
	if err := Enable("/usr/bin/mailbell", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Fatalf("Enable left the legacy entry: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Enable wrote no %s: %v", FileName, err)
	}
	writeLegacy()
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, legacy} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("Disable left %s: %v", p, err)
		}
	}
	if Enabled() {
		t.Error("still enabled after Disable")
	}
}
