//go:build !windows

package open

import (
	"os/exec"
	"syscall"
)

// detach starts the child in a new session: no controlling terminal, its
// own process group, so a Ctrl-C or a group kill aimed at Mailbell does
// not reach the user's mail client.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
