//go:build unix

package dovecottest

import "syscall"

func killGroup(pid int, sig syscall.Signal) {
	_ = syscall.Kill(-pid, sig)
}

func signalProcess(pid int, sig syscall.Signal) {
	_ = syscall.Kill(pid, sig)
}
