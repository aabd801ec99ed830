package desktoptest

import "syscall"

// sysProcAttr puts the child in its own process group and kills it if the
// test process dies first (a test timeout panics and exits without running
// Close).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(pid int, sig syscall.Signal) {
	_ = syscall.Kill(-pid, sig)
}
