package window

import (
	"fmt"
	"os"

	"mailbell/platform/autostart"
)

// SystemAutostart is platform/autostart as an Autostart: at login the
// session runs execPath with args ("" execPath: this program, found when
// the entry is written).
func SystemAutostart(execPath string, args []string) Autostart {
	return sysAutostart{exe: execPath, args: append([]string(nil), args...)}
}

type sysAutostart struct {
	exe  string
	args []string
}

func (sysAutostart) Supported() bool        { return autostart.Supported() }
func (sysAutostart) Enabled() (bool, error) { return autostart.Enabled(), nil }
func (sysAutostart) Disable() error         { return autostart.Disable() }

func (s sysAutostart) Enable() error {
	exe := s.exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("autostart: cannot find this program: %w", err)
		}
	}
	return autostart.Enable(exe, s.args)
}
