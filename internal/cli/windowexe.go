package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"mailbell/app/config"
	"mailbell/app/l10n"
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
// the same arguments and environment, plus the language of the user's
// preference (execWindowEnv).
func execWindow(args []string, stderr io.Writer) int {
	exe, err := windowExe()
	if err != nil {
		fmt.Fprintln(stderr, "mailbell:", err)
		return 1
	}
	code, err := replaceProcess(exe, args, execWindowEnv(os.Environ(), args, l10n.System))
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

// execWindowEnv is env for `mailbell window ARGS`: the window speaks the
// language config.json's preferences name ("" or an unreadable file: the
// system's: system, l10n.System but in tests), as it does when the
// background process starts it (windowEnv). The config folder is ARGS' --config-dir, else
// $MAILBELL_CONFIG_DIR, else the default.
func execWindowEnv(env, args []string, system func() []string) []string {
	pref := ""
	if dir, err := config.Dir(configDirArg(args)); err == nil {
		if cfg, err := config.Load(dir); err == nil {
			pref = cfg.Preferences.Language
		}
	}
	return l10n.ChildEnv(env, l10n.Resolve(pref, system()))
}

// configDirArg is the value of --config-dir (or -config-dir, "=" or not)
// in the window program's arguments, "" without one.
func configDirArg(args []string) string {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config-dir" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
