package desktoptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// proc is one child. Each runs in its own process group so that stop also
// reaches anything it spawned (dunst runs the dmenu script, for instance).
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when Wait returned
	waitErr error
}

type startSpec struct {
	name       string
	argv       []string
	stdin      io.Reader
	extraFiles []*os.File // become fd 3, 4, … in the child
}

// start runs the child with the session's environment and records it before
// anything can fail, so Close always stops it.
func (s *Session) start(spec startSpec) (*proc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("desktoptest: session closed")
	}
	logPath := s.LogPath(spec.name)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("desktoptest: %w", err)
	}
	defer logf.Close() // the child has its own copy

	cmd := exec.Command(spec.argv[0], spec.argv[1:]...)
	cmd.Env = s.Env()
	cmd.Dir = s.Home
	cmd.Stdin = spec.stdin
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.ExtraFiles = spec.extraFiles
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("desktoptest: starting %s: %w", spec.name, err)
	}
	p := &proc{name: spec.name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	s.procs = append(s.procs, p)
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace, and
// waits until the child is reaped. Children that already exited are fine.
func (p *proc) stop(grace time.Duration) error {
	if p.exited() {
		killGroup(p.cmd.Process.Pid, syscall.SIGKILL) // strays of a dead leader
		return nil
	}
	killGroup(p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
		killGroup(p.cmd.Process.Pid, syscall.SIGKILL)
		return nil
	case <-time.After(grace):
	}
	killGroup(p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("desktoptest: %s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// logTail returns the end of the child's log, for error messages.
func (p *proc) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(b) == 0 {
		return ""
	}
	return "\n--- " + p.name + " log ---\n" + string(b)
}

func (p *proc) exitError() error {
	return fmt.Errorf("desktoptest: %s exited early (%v)%s", p.name, p.waitErr, p.logTail())
}

// Log returns what the child called name wrote so far.
func (s *Session) Log(name string) string {
	b, _ := os.ReadFile(s.LogPath(name))
	return string(b)
}

// LeakedProcesses lists the live processes (other than the caller) whose
// environment mentions root: every child of a session inherits HOME under
// the session root, and so does anything those children spawn, even when it
// left the process group. Zombies are not counted: they hold no resources
// and their parent reaps them. Use it after Close to check that nothing
// outlived the session.
func LeakedProcesses(root string) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(env, []byte(root)) {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// State is the field after "(comm)"; comm may contain spaces.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			continue
		}
		pids = append(pids, pid)
	}
	return pids, nil
}
