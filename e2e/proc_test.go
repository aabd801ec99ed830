package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/proctest"
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

// appProc is one run of the mailbell binary (proctest.Proc: a process group
// of its own, so that a window process it spawns is stopped with it), with
// its output in the artifacts folder.
type appProc struct {
	*proctest.Proc
	name   string
	stdout string // file paths in the artifacts folder
	stderr string
}

// startApp runs bin with args and env; stdout and stderr go to
// <name>.stdout.log and <name>.stderr.log among the artifacts. The process
// group is stopped in t.Cleanup if still there.
func startApp(t *testing.T, a *artifacts, name, bin string, env []string, dir string, args ...string) *appProc {
	t.Helper()
	p := &appProc{name: name, stdout: a.path(name + ".stdout.log"), stderr: a.path(name + ".stderr.log")}
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
	p.Proc = proctest.Start(t, name, bin, proctest.Options{Env: env, Dir: dir, Stdout: outf, Stderr: errf, Grace: 3 * time.Second}, args...)
	a.notePID(name+" "+strings.Join(args, " "), p.PID())
	t.Logf("started %s: pid %d, mailbell %s", name, p.PID(), strings.Join(args, " "))
	return p
}

func (p *appProc) pid() int                          { return p.PID() }
func (p *appProc) exited() bool                      { return p.Exited() }
func (p *appProc) wait(d time.Duration) (int, error) { return p.Wait(d) }

// terminate sends SIGTERM to the process itself (as a session logout does)
// and returns its exit code.
func (p *appProc) terminate(d time.Duration) (int, error) { return p.Terminate(d) }

// kill stops the whole process group: the app and anything it spawned.
func (p *appProc) kill() { _ = p.Stop(3 * time.Second) }

func (p *appProc) output() (stdout, stderr string) {
	o, _ := os.ReadFile(p.stdout)
	e, _ := os.ReadFile(p.stderr)
	return string(o), string(e)
}

// waitStderr polls the process's stderr until it contains every string in
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

// The process helpers the tests use, from proctest.
var (
	tail     = proctest.Tail
	children = proctest.Children
	alive    = proctest.Alive
)

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
