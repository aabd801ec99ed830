package desktoptest

import (
	"os"
	"syscall"
)

// The harness targets Linux; this only keeps `GOOS=windows go build ./...`
// working.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(pid int, _ syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
