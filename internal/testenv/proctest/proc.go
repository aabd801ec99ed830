//go:build unix

package proctest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Options says how to run a child.
type Options struct {
	// Env is the child's environment; nil means the test's own.
	Env []string
	// Dir is the child's working directory; empty means the test's.
	Dir string
	// Stdout and Stderr receive the child's output (nil discards it).
	// Stdout is not used when Lines is set.
	Stdout, Stderr io.Writer
	// Lines, when set, is called with each line of stdout (without its
	// newline, lines up to 16 MiB) as it is read, from one goroutine; line
	// is only valid during the call. Done is closed only after the last
	// line was handed over.
	Lines func(line []byte)
	// Grace is how long the cleanup waits after SIGTERM to the group before
	// SIGKILL; 0 sends SIGKILL at once.
	Grace time.Duration
	// KillWithParent asks the kernel to SIGKILL the child if the test
	// process dies first (Linux; ignored elsewhere).
	KillWithParent bool
}

// Proc is a running child in a process group of its own.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	done chan struct{}
	err  error // of Wait, once done is closed
}

// Start runs bin with args as o says; see StartCmd.
func Start(tb testing.TB, name, bin string, o Options, args ...string) *Proc {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Dir = o.Env, o.Dir
	return StartCmd(tb, name, cmd, o)
}

// StartCmd starts cmd (its Env and Dir are left as they are) in a process
// group of its own, with output as o says. The test's cleanup stops the
// group (SIGTERM, then SIGKILL after o.Grace) and waits for the child; a
// child that cannot be started fails the test.
func StartCmd(tb testing.TB, name string, cmd *exec.Cmd, o Options) *Proc {
	tb.Helper()
	p := &Proc{Name: name, Cmd: cmd, done: make(chan struct{})}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if o.KillWithParent {
		setPdeathsig(cmd.SysProcAttr)
	}
	cmd.Stderr = o.Stderr
	var stdout io.ReadCloser
	if o.Lines != nil {
		var err error
		if stdout, err = cmd.StdoutPipe(); err != nil {
			tb.Fatalf("%s: stdout: %v", name, err)
		}
	} else {
		cmd.Stdout = o.Stdout
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", name, err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		if stdout != nil {
			readLines(stdout, o.Lines)
		}
	}()
	go func() {
		<-read // Wait closes the pipe: read everything first
		p.err = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() {
		if err := p.Stop(o.Grace); err != nil {
			tb.Logf("%v", err)
		}
		if !p.Exited() {
			tb.Errorf("%s (pid %d) did not exit after SIGKILL", name, p.PID())
		}
	})
	return p
}

// readLines hands r's lines to f and then drains r, so that a line too long
// for the scanner does not leave the child blocked on a full pipe.
func readLines(r io.Reader, f func([]byte)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		f(sc.Bytes())
	}
	_, _ = io.Copy(io.Discard, r)
}

// PID is the child's process id (and its process group's).
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Done is closed once the child has exited and its stdout was read.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is Wait's error once Done is closed: nil for exit status 0.
func (p *Proc) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Exited reports whether Done is closed.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits up to d for the child to exit and returns its exit code.
func (p *Proc) Wait(d time.Duration) (int, error) {
	if !p.Exited() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-p.done:
		case <-t.C:
			return -1, fmt.Errorf("%s (pid %d) still running after %v", p.Name, p.PID(), d)
		}
	}
	if p.err == nil {
		return 0, nil
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode(), nil
	}
	return -1, p.err
}

// Terminate sends SIGTERM to the child itself (as a session logout does)
// and returns its exit code, waiting up to d.
func (p *Proc) Terminate(d time.Duration) (int, error) {
	if !p.Exited() {
		_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	}
	return p.Wait(d)
}

// Kill sends SIGKILL to the child's whole process group (the child and
// anything it started) without waiting.
func (p *Proc) Kill() { _ = syscall.Kill(-p.PID(), syscall.SIGKILL) }

// Stop ends the child's process group: SIGTERM, then SIGKILL if the child
// is still there after grace (at once for 0), and waits for the child. The
// group is sent SIGKILL in the end even when the child exited, so strays it
// started go too. The error says the child needed SIGKILL.
func (p *Proc) Stop(grace time.Duration) error {
	var err error
	if !p.Exited() && grace > 0 {
		_ = syscall.Kill(-p.PID(), syscall.SIGTERM)
		t := time.NewTimer(grace)
		select {
		case <-p.done:
		case <-t.C:
			err = fmt.Errorf("%s (pid %d) did not exit within %v of SIGTERM", p.Name, p.PID(), grace)
		}
		t.Stop()
	}
	p.Kill()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		return fmt.Errorf("%s (pid %d) still there 10 s after SIGKILL", p.Name, p.PID())
	}
	return err
}
