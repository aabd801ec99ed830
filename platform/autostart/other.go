//go:build darwin

package autostart

// Supported reports whether Enable can work here: not yet on this OS.
func Supported() bool { return false }

// Path returns ErrUnsupported.
func Path() (string, error) { return "", ErrUnsupported }

// Enable returns ErrUnsupported.
func Enable(string, []string) error { return ErrUnsupported }

// Disable returns ErrUnsupported.
func Disable() error { return ErrUnsupported }

// Enabled reports false.
func Enabled() bool { return false }
