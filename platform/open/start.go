package open

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// Starter starts a program and does not wait for it. Launcher uses it for
// the mail client, xdg-open and commands.
type Starter interface {
	// Start runs argv (argv[0] looked up in PATH) in dir ("" = the current
	// folder) without a shell. It returns once the program runs, or the
	// error that kept it from running.
	Start(argv []string, dir string) error
}

// Detached is the real Starter: the child gets its own session (setsid on
// Unix), so it outlives Mailbell and gets no signal meant for Mailbell's
// terminal or process group; stdin, stdout and stderr are /dev/null; a
// goroutine reaps it, so no zombie stays. OnExit, if set, hears how a
// child ended when that was not a success (a mail client that could not
// open its profile, xdg-open with no browser): the caller logs it or tells
// the user.
type Detached struct {
	OnExit func(argv0 string, err error)
}

// Start implements Starter.
func (s Detached) Start(argv []string, dir string) error {
	if len(argv) == 0 || argv[0] == "" {
		return fmt.Errorf("%w: no program given", ErrStart)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	detach(cmd)
	if err := cmd.Start(); err != nil {
		// Only the program's name: the arguments carry mail data.
		return fmt.Errorf("%w: %s: %w", ErrStart, filepath.Base(argv[0]), unwrapExec(err))
	}
	go func() {
		err := cmd.Wait()
		if err != nil && s.OnExit != nil {
			s.OnExit(filepath.Base(argv[0]), err)
		}
	}()
	return nil
}

// unwrapExec drops exec's own "exec: \"name\":" prefix, which repeats the
// name (and the full path) the message already carries.
func unwrapExec(err error) error {
	if ee, ok := err.(*exec.Error); ok {
		return ee.Err
	}
	return err
}
