//go:build unix

package cli

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A window process that has left the socket but not exited yet (its last
// window just closed) is replaced once it exits: a launch right after
// closing the window must show one.
func TestSpawnerReplacesAWindowOnItsWayOut(t *testing.T) {
	dir := t.TempDir()
	starts := filepath.Join(dir, "starts")
	exe := filepath.Join(dir, "mailbell-window")
	// Each start appends a line; the process then lingers 300 ms, like a
	// window process finishing its exit.
	script := "#!/bin/sh\necho started >> " + starts + "\nsleep 0.3\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	o := options{findWindow: func() (string, error) { return exe, nil }}
	spawn := spawner(dir, filepath.Join(dir, "s.sock"), o, slog.New(slog.NewTextHandler(io.Discard, nil)))
	count := func() int {
		b, _ := os.ReadFile(starts)
		return strings.Count(string(b), "started")
	}
	if err := spawn("recent", ""); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first window process", func() bool { return count() == 1 })
	// Asked again while the first is still running: nothing at once (it
	// may be coming up), a new one as soon as the first has exited.
	if err := spawn("recent", ""); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d window processes started while the first still ran", n)
	}
	waitUntil(t, "a second window process after the first exited", func() bool { return count() == 2 })
}
