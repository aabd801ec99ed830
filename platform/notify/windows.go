//go:build windows

package notify

import (
	"os/exec"
	"syscall"
)

// New returns the platform's notifier: on Windows, a toast shown by
// PowerShell (no actions).
func New(opts Options) (Notifier, error) {
	if _, err := exec.LookPath("powershell.exe"); err != nil {
		return nil, noServer("powershell.exe not found", err)
	}
	return newCommandNotifier(opts, func(_ string, n Notification) *exec.Cmd {
		args, env := powershellArgs(n)
		cmd := commandFor("powershell.exe", args, env)
		// CREATE_NO_WINDOW: no console flashes up for each notification.
		cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: 0x08000000}
		return cmd
	}), nil
}
