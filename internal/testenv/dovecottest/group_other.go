//go:build !unix

package dovecottest

import (
	"os"
	"syscall"
)

// Dovecot runs only on Unix; these keep the package compiling elsewhere
// (Start fails there with ErrNotInstalled).

func sysProcAttr() *syscall.SysProcAttr { return nil }

func defaultParent() string { return os.TempDir() }

func killGroup(pid int, _ syscall.Signal) { signalProcess(pid, syscall.SIGKILL) }

func groupAlive(int) bool { return false }

func signalProcess(pid int, _ syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
