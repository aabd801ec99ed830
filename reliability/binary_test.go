package reliability

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/internal/testenv/proctest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	runAtExit()
	proctest.RemoveBinary()
	os.Exit(code)
}

// mailbellBinary builds the real program once per test run (about 10 s
// with a warm build cache; the first cgo build of Fyne takes minutes).
func mailbellBinary(t *testing.T) string {
	t.Helper()
	return proctest.Binary(t)
}

// sandbox returns an environment whose HOME and XDG folders are inside
// root, with no session bus: the binary touches nothing of the machine's.
func sandbox(t *testing.T, root string) []string {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(root, "no-bus")}
	for _, v := range []struct{ name, dir string }{
		{"HOME", "home"}, {"XDG_CONFIG_HOME", "home/.config"}, {"XDG_DATA_HOME", "home/.local/share"},
		{"XDG_CACHE_HOME", "home/.cache"}, {"XDG_STATE_HOME", "home/.local/state"}, {"XDG_RUNTIME_DIR", "run"},
	} {
		d := filepath.Join(root, v.dir)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		env = append(env, v.name+"="+d)
	}
	return env
}

// line is one JSON line the binary printed on stdout.
type line struct {
	run int
	at  time.Time
	control.Event
}

// proc is one run of the binary (proctest.Proc, in a process group of its
// own), its stdout parsed line by line.
type proc struct {
	*proctest.Proc
	run    int
	cmd    *exec.Cmd
	stderr *syncBuffer
	mu     sync.Mutex
	lines  []line
	bad    []string // stdout lines that were not JSON
	signal chan struct{}
	exited chan struct{} // closed once the process exited and stdout was read
	err    error         // of Wait, once exited is closed
}

// startBinary runs the binary with args; stdout is parsed line by line.
func startBinary(t *testing.T, bin string, env []string, run int, args ...string) *proc {
	t.Helper()
	p := &proc{run: run, stderr: &syncBuffer{}, signal: make(chan struct{}, 1), exited: make(chan struct{})}
	p.Proc = proctest.Start(t, "mailbell", bin, proctest.Options{Env: env, Stderr: p.stderr, Lines: p.line}, args...)
	p.cmd = p.Cmd
	go func() {
		<-p.Done()
		p.err = p.Err()
		close(p.exited)
	}()
	return p
}

// line records one line of stdout.
func (p *proc) line(b []byte) {
	var ev control.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		p.mu.Lock()
		p.bad = append(p.bad, string(b))
		p.mu.Unlock()
		return
	}
	p.mu.Lock()
	p.lines = append(p.lines, line{run: p.run, at: time.Now(), Event: ev})
	p.mu.Unlock()
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

// kill sends SIGKILL to the process group (the binary and any password
// command it runs).
func (p *proc) kill() { p.Kill() }

// wait waits for the process to exit and its stdout to be read.
func (p *proc) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(d):
		p.kill()
		t.Fatalf("mailbell (pid %d) did not exit within %s; stderr:\n%s", p.PID(), d, tail(p.stderr.String(), 30))
	}
}

func (p *proc) all() []line {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]line(nil), p.lines...)
}

func (p *proc) kind(k string) []line {
	var out []line
	for _, l := range p.all() {
		if l.Event.Event == k {
			out = append(out, l)
		}
	}
	return out
}

// lastState is the latest state line for account/folder.
func (p *proc) lastState(account, folder string) string {
	s := ""
	for _, l := range p.kind(control.EvState) {
		if l.Account == account && l.Folder == folder {
			s = l.State
		}
	}
	return s
}

// waitUntil polls ok until it holds or d passes.
func (p *proc) waitUntil(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-p.signal:
		case <-p.exited:
			return ok()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}

// logErrors returns the ERROR lines of the run's log.
func (p *proc) logErrors() []string {
	var out []string
	for _, l := range strings.Split(p.stderr.String(), "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return out
}
