//go:build windows

package autostart

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// On Windows Mailbell starts at login through the current user's Run key,
// which Explorer reads at every sign-in: no installer and no admin rights.
const (
	runKey = `Software\Microsoft\Windows\CurrentVersion\Run`
	// approvedKey is where Task Manager's Startup tab records an entry the
	// person turned off; the entry stays in the Run key.
	approvedKey = `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run`
	// ValueName is the Run key's value for Mailbell.
	ValueName = "Mailbell"
)

// Supported reports whether Enable can work here.
func Supported() bool { return true }

// Path names the registry value that holds the command line.
func Path() (string, error) { return `HKEY_CURRENT_USER\` + runKey + `\` + ValueName, nil }

// commandLine quotes argv the way CommandLineToArgvW reads it back.
func commandLine(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = windows.EscapeArg(a)
	}
	return strings.Join(words, " ")
}

// Enable writes the Run value that starts execPath with args at login,
// replacing an earlier one, and clears a "turned off" mark Task Manager may
// have left for it. execPath must be absolute.
func Enable(execPath string, args []string) error {
	if !filepath.IsAbs(execPath) {
		return fmt.Errorf("autostart: program path %q is not absolute", execPath)
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("autostart: open the Run key: %w", err)
	}
	defer k.Close()
	if err := k.SetStringValue(ValueName, commandLine(append([]string{execPath}, args...))); err != nil {
		return fmt.Errorf("autostart: write the Run value: %w", err)
	}
	if a, err := registry.OpenKey(registry.CURRENT_USER, approvedKey, registry.SET_VALUE); err == nil {
		a.DeleteValue(ValueName)
		a.Close()
	}
	return nil
}

// Disable removes the Run value; none is not an error.
func Disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("autostart: open the Run key: %w", err)
	}
	defer k.Close()
	if err := k.DeleteValue(ValueName); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("autostart: delete the Run value: %w", err)
	}
	return nil
}

// Enabled reports whether the Run value exists and Task Manager has not
// turned it off (StartupApproved data whose first byte is odd, 0x03).
func Enabled() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	if v, _, err := k.GetStringValue(ValueName); err != nil || v == "" {
		return false
	}
	if a, err := registry.OpenKey(registry.CURRENT_USER, approvedKey, registry.QUERY_VALUE); err == nil {
		defer a.Close()
		if b, _, err := a.GetBinaryValue(ValueName); err == nil && len(b) > 0 && b[0]&1 == 1 {
			return false
		}
	}
	return true
}
