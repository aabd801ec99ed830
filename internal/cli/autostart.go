package cli

import (
	"fmt"
	"os"

	"mailbell/platform/autostart"
)

// autostartAdapter is platform/autostart as the core's app.Autostart: the
// core applies preferences.start_at_login, starting this program at login.
type autostartAdapter struct{}

func (autostartAdapter) Supported() bool        { return autostart.Supported() }
func (autostartAdapter) Enabled() (bool, error) { return autostart.Enabled(), nil }
func (autostartAdapter) Disable() error         { return autostart.Disable() }
func (autostartAdapter) Enable() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("autostart: cannot find this program: %w", err)
	}
	return autostart.Enable(exe, nil)
}
