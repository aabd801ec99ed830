//go:build !windows

package secrets

import (
	"os/exec"
	"syscall"
)

// ownGroup runs the command in its own process group and, on timeout,
// kills the whole group: a script's children (gpg, pinentry) go with it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
