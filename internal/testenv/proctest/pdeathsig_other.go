//go:build unix && !linux

package proctest

import "syscall"

// Only Linux has a parent-death signal.
func setPdeathsig(*syscall.SysProcAttr) {}
