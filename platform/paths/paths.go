// Package paths finds Mailbell's per-user runtime folder (for the control
// socket).
package paths

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// AppDir is the name of Mailbell's folder inside the runtime folder.
const AppDir = "mailbell"

// RuntimeDir returns $XDG_RUNTIME_DIR/mailbell when XDG_RUNTIME_DIR names
// an existing absolute folder, else fallback (the caller's choice, such as a
// folder beside the config). The folder is created with mode 0700; an
// existing one must be a real directory owned by this user, and is
// tightened to 0700 if it was looser, since whoever can enter it can talk to
// the control socket.
func RuntimeDir(fallback string) (string, error) {
	dir := ""
	if x := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(x) {
		if fi, err := os.Stat(x); err == nil && fi.IsDir() {
			dir = filepath.Join(x, AppDir)
		}
	}
	if dir == "" {
		if fallback == "" || !filepath.IsAbs(fallback) {
			return "", fmt.Errorf("runtime folder: XDG_RUNTIME_DIR is not usable and the fallback %q is not an absolute path", fallback)
		}
		dir = fallback
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("runtime folder: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("runtime folder: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("runtime folder %s is not a directory (a symlink?)", dir)
	}
	if err := checkOwner(fi); err != nil {
		return "", fmt.Errorf("runtime folder %s: %w", dir, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return "", fmt.Errorf("runtime folder: %w", err)
		}
	}
	return dir, nil
}

// maxSocketPath is the longest unix socket path the OS takes (sun_path less
// its terminating NUL): 108 bytes on Linux, 104 on macOS and the BSDs.
func maxSocketPath() int {
	if runtime.GOOS == "linux" || runtime.GOOS == "windows" {
		return 107
	}
	return 103
}

// SocketPath joins dir and name and checks that the result fits in a unix
// socket address; a deep fallback folder can exceed it.
func SocketPath(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	if len(p) > maxSocketPath() {
		return "", errors.New("socket path " + p + " is too long for a unix socket; set XDG_RUNTIME_DIR or use a shorter config folder")
	}
	return p, nil
}
