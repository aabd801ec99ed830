//go:build !unix

package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// replaceProcess runs exe as a child with this process's standard streams
// and returns its exit code: Windows has no exec that keeps the process.
// env is the child's environment.
func replaceProcess(exe string, args, env []string) (int, error) {
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return 0, &exitError{code: ee.ExitCode()}
	}
	if err != nil {
		return 1, fmt.Errorf("starting %s: %w", exe, err)
	}
	return 0, nil
}
