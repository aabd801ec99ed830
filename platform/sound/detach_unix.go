//go:build unix

package sound

import (
	"os/exec"
	"syscall"
)

// detach starts the player in its own session: a Ctrl-C or a group kill
// aimed at Mailbell does not cut a sound short, and the player gets no
// terminal. stdin, stdout and stderr stay nil: /dev/null.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
