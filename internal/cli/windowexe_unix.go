//go:build unix

package cli

import (
	"fmt"
	"syscall"
)

// replaceProcess execs exe in place of this process: the window process keeps
// this one's PID, so whoever started `mailbell window` waits on the window.
// It returns only on failure. env is the new process's environment.
func replaceProcess(exe string, args, env []string) (int, error) {
	argv := append([]string{exe}, args...)
	if err := syscall.Exec(exe, argv, env); err != nil {
		return 1, fmt.Errorf("starting %s: %w", exe, err)
	}
	return 0, nil
}
