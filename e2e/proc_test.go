package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// artifacts is the folder that outlives the test: screenshots, dunst
// history, the app's output, server logs.
type artifacts struct {
	dir string
	mu  sync.Mutex
}

func newArtifacts(t *testing.T) *artifacts {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "mailbell-e2e-artifacts-"+time.Now().Format("20060102-150405.000"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifacts: %s", dir)
	fmt.Fprintf(os.Stderr, "e2e: artifacts in %s\n", dir)
	return &artifacts{dir: dir}
}

func (a *artifacts) path(name string) string { return filepath.Join(a.dir, name) }

func (a *artifacts) write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(a.path(name), data, 0o644); err != nil {
		t.Errorf("saving artifact %s: %v", name, err)
	}
}

// notePID records a process this test started (or caused to start).
func (a *artifacts) notePID(what string, pid int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(a.path("pids.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %d %s\n", time.Now().Format("15:04:05.000"), pid, what)
}

// appProc is one run of the mailbell binary. It runs in a process group of
// its own so that a window process it spawns can be stopped with it.
type appProc struct {
	name    string
	cmd     *exec.Cmd
	stdout  string // file paths in the artifacts folder
	stderr  string
	done    chan struct{}
	waitErr error
}

// startApp runs bin with args and env; stdout and stderr go to
// <name>.stdout.log and <name>.stderr.log among the artifacts. The process
// group is killed in t.Cleanup if still there.
func startApp(t *testing.T, a *artifacts, name, bin string, env []string, dir string, args ...string) *appProc {
	t.Helper()
	p := &appProc{name: name, stdout: a.path(name + ".stdout.log"), stderr: a.path(name + ".stderr.log"), done: make(chan struct{})}
	outf, err := os.Create(p.stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer outf.Close()
	errf, err := os.Create(p.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = outf, errf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	pid := p.cmd.Process.Pid
	a.notePID(name+" "+strings.Join(args, " "), pid)
	t.Logf("started %s: pid %d, mailbell %s", name, pid, strings.Join(args, " "))
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *appProc) pid() int { return p.cmd.Process.Pid }

func (p *appProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to d for the process to exit and returns its exit code.
func (p *appProc) wait(d time.Duration) (int, error) {
	if !p.exited() {
		select {
		case <-p.done:
		case <-time.After(d):
			return -1, fmt.Errorf("%s (pid %d) still running after %v", p.name, p.pid(), d)
		}
	}
	if p.waitErr == nil {
		return 0, nil
	}
	var exit *exec.ExitError
	if errors.As(p.waitErr, &exit) {
		return exit.ExitCode(), nil
	}
	return -1, p.waitErr
}

// terminate sends SIGTERM to the process itself (as a session logout does)
// and returns its exit code.
func (p *appProc) terminate(d time.Duration) (int, error) {
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	return p.wait(d)
}

// kill stops the whole process group: the app and anything it spawned.
func (p *appProc) kill() {
	pgid := p.pid()
	if !p.exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

func (p *appProc) output() (stdout, stderr string) {
	o, _ := os.ReadFile(p.stdout)
	e, _ := os.ReadFile(p.stderr)
	return string(o), string(e)
}

// waitOutput polls the process's stderr until it contains every string in
// want (case-insensitive), or d passes.
func (p *appProc) waitStderr(d time.Duration, want ...string) error {
	deadline := time.Now().Add(d)
	for {
		_, e := p.output()
		low := strings.ToLower(e)
		missing := ""
		for _, w := range want {
			if !strings.Contains(low, strings.ToLower(w)) {
				missing = w
				break
			}
		}
		if missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: stderr has no %q after %v; it says:\n%s", p.name, missing, d, tail(e, 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// children lists the live processes whose parent is pid.
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after "(comm)": state, ppid, …; comm may hold spaces.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid == pid {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && !strings.HasPrefix(string(stat[i+1:]), " Z")
}

// poll calls f every interval until it returns nil or d passes; it returns
// f's last error then.
func poll(d, interval time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: %w", d, err)
		}
		time.Sleep(interval)
	}
}
