//go:build !windows && !darwin

package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Supported reports whether Enable can work here.
func Supported() bool { return true }

// Path returns where the autostart entry lives.
func Path() (string, error) {
	dir, err := os.UserConfigDir() // $XDG_CONFIG_HOME, else ~/.config
	if err != nil {
		return "", fmt.Errorf("autostart: %w", err)
	}
	return filepath.Join(dir, "autostart", FileName), nil
}

// Enable writes the autostart entry that runs execPath with args at login,
// replacing an earlier one. execPath must be absolute: the session starts
// autostart entries with its own PATH.
func Enable(execPath string, args []string) error {
	if !filepath.IsAbs(execPath) {
		return fmt.Errorf("autostart: program path %q is not absolute", execPath)
	}
	content, err := desktopEntry(append([]string{execPath}, args...))
	if err != nil {
		return err
	}
	path, err := Path()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	// Write then rename: a session starting meanwhile never reads half a file.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mailbell-*.desktop")
	if err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return removeLegacy(path)
}

// removeLegacy removes the entry under its pre-app-ID name beside path.
func removeLegacy(path string) error {
	old := filepath.Join(filepath.Dir(path), legacyFileName)
	if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable removes the autostart entry. Removing an absent one is fine.
func Disable() error {
	path, err := Path()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return removeLegacy(path)
}

// Enabled reports whether the entry exists and is not switched off
// (Hidden=true, X-GNOME-Autostart-enabled=false).
func Enabled() bool {
	path, err := Path()
	if err != nil {
		return false
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		// An entry written before the app ID still starts Mailbell.
		b, err = os.ReadFile(filepath.Join(filepath.Dir(path), legacyFileName))
	}
	if err != nil {
		return false
	}
	return entryEnabled(string(b))
}
