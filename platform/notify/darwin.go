//go:build darwin

package notify

import "os/exec"

// New returns the platform's notifier: on macOS, osascript's "display
// notification" (no actions; clicks open Script Editor, which is why the
// tray stays the way into Mailbell).
func New(opts Options) (Notifier, error) {
	if _, err := exec.LookPath("osascript"); err != nil {
		return nil, noServer("osascript not found", err)
	}
	return newCommandNotifier(opts, func(appName string, n Notification) *exec.Cmd {
		return commandFor("osascript", osascriptArgs(appName, n), nil)
	}), nil
}
