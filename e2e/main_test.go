// Package e2e runs the real mailbell binary the way a person does, on a
// throw-away desktop (Xvfb, a private D-Bus, dunst, gnome-keyring, a test
// tray host) against a private Dovecot, and checks what the person sees:
// notifications in dunst, the tray menu, the window on the X screen.
//
// It is a plain test package, so `make test` (go test -race ./...) runs it.
// The binary is built once per test process from the module root; the
// artifacts (screenshots, dunst history, logs) go to a folder under
// os.TempDir() whose path the test logs.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// mailbellBinary builds mailbell once (go build from the module root) and returns
// its path. A failed build fails the test; it never skips.
func mailbellBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		buildDir, err = os.MkdirTemp("", "mailbell-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		bin := filepath.Join(buildDir, "mailbell")
		start := time.Now()
		cmd := exec.Command(goBin, "build", "-o", bin, "mailbell")
		cmd.Dir = root
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build mailbell: %w\n%s", err, out.String())
			return
		}
		buildBin = bin
		fmt.Fprintf(os.Stderr, "e2e: built %s in %v\n", bin, time.Since(start).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// moduleRoot is the folder holding go.mod, found upwards from the package.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("e2e: no go.mod above %s", dir)
		}
		dir = parent
	}
}
