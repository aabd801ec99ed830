//go:build unix && !linux

package dovecottest

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func defaultParent() string { return os.TempDir() }

// groupAlive reports whether any process (zombies included) is still in
// the process group led by pid.
func groupAlive(pid int) bool {
	return syscall.Kill(-pid, 0) == nil
}
