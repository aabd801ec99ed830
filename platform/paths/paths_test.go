//go:build unix

package paths

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRuntimeDirXDG(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	dir, err := RuntimeDir(filepath.Join(t.TempDir(), "fallback"))
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(xdg, "mailbell") {
		t.Fatalf("dir %q", dir)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v, %v", fi.Mode().Perm(), err)
	}
	// A looser existing folder is tightened.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := RuntimeDir(""); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v after RuntimeDir, want 0700", fi.Mode().Perm())
	}
}

func TestRuntimeDirFallback(t *testing.T) {
	fallback := filepath.Join(t.TempDir(), "cfg", "run")
	for _, xdg := range []string{"", "relative/dir", "/nonexistent/xdg"} {
		t.Setenv("XDG_RUNTIME_DIR", xdg)
		dir, err := RuntimeDir(fallback)
		if err != nil || dir != fallback {
			t.Errorf("XDG_RUNTIME_DIR=%q: %q, %v; want the fallback", xdg, dir, err)
		}
	}
	if fi, _ := os.Stat(fallback); fi.Mode().Perm() != 0o700 {
		t.Errorf("fallback mode %v", fi.Mode().Perm())
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if _, err := RuntimeDir(""); err == nil {
		t.Error("no XDG_RUNTIME_DIR and no fallback: no error")
	}
	if _, err := RuntimeDir("relative"); err == nil {
		t.Error("relative fallback accepted")
	}
}

func TestRuntimeDirRefusesSymlink(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	if err := os.Symlink(t.TempDir(), filepath.Join(xdg, "mailbell")); err != nil {
		t.Fatal(err)
	}
	if dir, err := RuntimeDir(""); err == nil {
		t.Fatalf("symlinked runtime folder accepted: %q", dir)
	}
}

func TestSocketPath(t *testing.T) {
	if p, err := SocketPath("/run/user/1000/mailbell", "control.sock"); err != nil || p != "/run/user/1000/mailbell/control.sock" {
		t.Errorf("%q, %v", p, err)
	}
	long := "/" + strings.Repeat("d", 120)
	if _, err := SocketPath(long, "control.sock"); err == nil {
		t.Error("over-long socket path accepted")
	}
}
