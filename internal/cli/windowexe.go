package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// WindowExeName is the window executable's file name (with ".exe" on Windows).
var WindowExeName = "mailbell-window" + exeSuffix()

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// windowExe finds the window executable: beside this one (a build folder,
// or a portable install), then in the install's libexec folder
// (PREFIX/libexec/mailbell, with this one in PREFIX/bin). Links are resolved
// first, so a ~/bin/mailbell link into an install still finds it.
func windowExe() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the window program: %w", err)
	}
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	dir := filepath.Dir(self)
	candidates := []string{
		filepath.Join(dir, WindowExeName),
		filepath.Join(dir, "..", "libexec", "mailbell", WindowExeName),
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return filepath.Clean(c), nil
		}
	}
	return "", fmt.Errorf("the window program %s is not installed (looked in %s and %s)",
		WindowExeName, filepath.Dir(candidates[0]), filepath.Clean(filepath.Dir(candidates[1])))
}

// execWindow is `mailbell window ARGS`: it becomes the window executable with
// the same arguments and environment.
func execWindow(args []string, stderr io.Writer) int {
	exe, err := windowExe()
	if err != nil {
		fmt.Fprintln(stderr, "mailbell:", err)
		return 1
	}
	code, err := replaceProcess(exe, args)
	if err != nil {
		var exit *exitError
		if errors.As(err, &exit) {
			return exit.code
		}
		fmt.Fprintln(stderr, "mailbell:", err)
		return 1
	}
	return code
}

type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
