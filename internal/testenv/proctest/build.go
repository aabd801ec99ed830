// Package proctest builds the mailbell binary once per test process and runs
// it (or any program) as a child in a process group of its own, for e2e/,
// bench/peers/ and reliability/. A failed build fails the test; it never
// skips. Children are stopped in the test's cleanup, group and all, by PID.
package proctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

// Binary builds Mailbell's two executables into one folder the first time it
// is called in this test process and returns the background one's path:
// mailbell (CGO_ENABLED=0, as shipped) and, beside it where the background
// process looks first, mailbell-window. About 10 s with a warm build cache;
// the first cgo build of Fyne takes minutes. Call RemoveBinary from TestMain
// once the tests are done.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "mailbell-bin-"); buildErr != nil {
			return
		}
		start := time.Now()
		if buildBin, buildErr = BuildInto(buildDir, ""); buildErr == nil {
			fmt.Fprintf(os.Stderr, "proctest: built %s in %v\n", buildBin, time.Since(start).Round(time.Millisecond))
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildBin
}

// BuildInto builds both executables into dir, as Binary does, with extra
// -ldflags (e.g. "-X mailbell/app/oauth.googleClientID=…"; "" for none),
// and returns the background one's path.
func BuildInto(dir, ldflags string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	// The go command on PATH, as `go test` was run; a test binary run by
	// hand without it on PATH cannot build anyway.
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("proctest: no go command on PATH to build mailbell: %w", err)
	}
	bin := filepath.Join(dir, "mailbell")
	for _, b := range []struct {
		out, pkg string
		cgo      bool
	}{
		{bin, "mailbell", false},
		{filepath.Join(dir, "mailbell-window"), "mailbell/cmd/mailbell-window", true},
	} {
		args := []string{"build", "-o", b.out}
		if ldflags != "" {
			args = append(args, "-ldflags", ldflags)
		}
		cmd := exec.Command(goBin, append(args, b.pkg)...)
		cmd.Dir = root
		if !b.cgo {
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("go build %s: %w\n%s", b.pkg, err, out.String())
		}
	}
	return bin, nil
}

// RemoveBinary deletes what Binary built. For TestMain, after m.Run.
func RemoveBinary() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// ModuleRoot is the folder holding go.mod, found upwards from the working
// directory (a test runs in its package's folder).
func ModuleRoot() (string, error) {
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
			return "", fmt.Errorf("proctest: no go.mod above %s", dir)
		}
		dir = parent
	}
}
