package open

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// xdgSandbox is a private set of XDG folders, pointed to by the
// environment for the test (so DirsFromEnv and a zero Launcher use it).
type xdgSandbox struct {
	root, configHome, configDir, dataHome, dataDir, bin string
}

func newXDGSandbox(t *testing.T) *xdgSandbox {
	t.Helper()
	// A blank in the path: Exec quoting and argv must cope with it.
	root := filepath.Join(t.TempDir(), "x dg")
	s := &xdgSandbox{
		root:       root,
		configHome: filepath.Join(root, "config"),
		configDir:  filepath.Join(root, "etc-xdg"),
		dataHome:   filepath.Join(root, "data"),
		dataDir:    filepath.Join(root, "usr-share"),
		bin:        filepath.Join(root, "bin"),
	}
	for _, d := range []string{s.configHome, s.configDir, s.dataHome + "/applications", s.dataDir + "/applications", s.bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", s.configHome)
	t.Setenv("XDG_CONFIG_DIRS", s.configDir)
	t.Setenv("XDG_DATA_HOME", s.dataHome)
	t.Setenv("XDG_DATA_DIRS", s.dataDir)
	t.Setenv("XDG_CURRENT_DESKTOP", "")
	return s
}

func (s *xdgSandbox) write(t *testing.T, rel, content string) string {
	t.Helper()
	p := filepath.Join(s.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// recorder writes an executable script called name into the sandbox's
// bin folder. Each run writes its arguments, NUL-terminated (so a newline
// inside an argument stays visible), to <out>.argv and then a line
// "pid sid cwd" to <out>.info, renamed into place last so that the
// info file's presence means "done".
func (s *xdgSandbox) recorder(t *testing.T, name, out string) string {
	t.Helper()
	script := fmt.Sprintf(`#!/bin/sh
out='%s'
for a in "$@"; do printf '%%s\0' "$a"; done > "$out.argv"
sid=$(cut -d' ' -f6 /proc/$$/stat)
printf '%%s %%s %%s\n' "$$" "$sid" "$(pwd)" > "$out.info.tmp"
mv "$out.info.tmp" "$out.info"
`, out)
	p := filepath.Join(s.bin, name)
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// recorded is one run of a recorder.
type recorded struct {
	args     []string
	pid, sid string
	cwd      string
}

// waitRecorded waits (deadline 10 s) for the recorder writing to out to
// have run, and returns what it recorded.
func waitRecorded(t *testing.T, out string) recorded {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := os.ReadFile(out + ".info")
		if err == nil {
			argv, err := os.ReadFile(out + ".argv")
			if err != nil {
				t.Fatalf("recorder wrote info but no argv: %v", err)
			}
			var r recorded
			if len(argv) > 0 {
				r.args = strings.Split(string(bytes.TrimSuffix(argv, []byte{0})), "\x00")
			}
			f := strings.SplitN(strings.TrimSuffix(string(info), "\n"), " ", 3)
			if len(f) != 3 {
				t.Fatalf("recorder info %q", info)
			}
			r.pid, r.sid, r.cwd = f[0], f[1], f[2]
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program was not started within 10 s (no %s.info)", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func equalArgs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
