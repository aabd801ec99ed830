package peers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/proctest"
)

// ---- /proc ----

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// procSample is what /proc says about one process at one moment.
type procSample struct {
	at         time.Time
	cpuTicks   int64 // utime + stime, all threads
	rssKB      int64 // VmRSS
	anonKB     int64 // RssAnon: heap, stacks; the process's own
	fileKB     int64 // RssFile: mapped binary and libraries, shared with other processes
	pssKB      int64 // Pss: resident with shared pages divided among their users
	hwmKB      int64 // VmHWM: peak resident set
	ctxVol     int64 // voluntary context switches, summed over threads
	ctxInvol   int64 // involuntary ones
	threads    int
	descendant []int
}

func sampleProc(pid int) (procSample, error) {
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after "(comm)": state is field 3, utime 14, stime 15.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return s, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, stat)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	s.cpuTicks = ut + st
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	s.rssKB = statusKB(status, "VmRSS")
	s.hwmKB = statusKB(status, "VmHWM")
	s.anonKB = statusKB(status, "RssAnon")
	s.fileKB = statusKB(status, "RssFile")
	if rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		s.pssKB = statusKB(rollup, "Pss")
	}
	s.threads = int(statusKB(status, "Threads"))
	// The process's own status counts only its main thread's switches.
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		ts, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue // the thread ended meanwhile
		}
		s.ctxVol += statusKB(ts, "voluntary_ctxt_switches")
		s.ctxInvol += statusKB(ts, "nonvoluntary_ctxt_switches")
	}
	s.descendant = children(pid)
	return s, nil
}

// statusKB reads a numeric field of /proc/PID/status ("VmRSS:  1234 kB").
func statusKB(status []byte, key string) int64 {
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != key {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		return n
	}
	return 0
}

// children lists the live processes whose parent is pid.
var children = proctest.Children

// usage is the difference of two samples of the same process.
type usage struct {
	wall      time.Duration
	cpu       time.Duration
	ctx       int64 // context switches, voluntary and not: a proxy for wakeups
	rssKB     int64 // at the end
	anonKB    int64
	fileKB    int64
	pssKB     int64
	hwmKB     int64
	cpuPerMin time.Duration
}

func (a procSample) until(b procSample) usage {
	u := usage{wall: b.at.Sub(a.at), cpu: time.Duration(b.cpuTicks-a.cpuTicks) * time.Second / clockTicks,
		ctx: (b.ctxVol + b.ctxInvol) - (a.ctxVol + a.ctxInvol), rssKB: b.rssKB, anonKB: b.anonKB, fileKB: b.fileKB, pssKB: b.pssKB, hwmKB: b.hwmKB}
	if u.wall > 0 {
		u.cpuPerMin = time.Duration(float64(u.cpu) * float64(time.Minute) / float64(u.wall))
	}
	return u
}

func (u usage) wakeupsPerSec() float64 {
	if u.wall <= 0 {
		return 0
	}
	return float64(u.ctx) / u.wall.Seconds()
}

// ---- a Mailbell process ----

// event is the part of a headless JSON line the benchmarks read.
type event struct {
	Event   string `json:"event"`
	Account string `json:"account"`
	Folder  string `json:"folder"`
	UID     uint32 `json:"uid"`
	Subject string `json:"subject"`
	State   string `json:"state"`
	Error   string `json:"error"`
}

// mailbellProc is a running mailbell binary (proctest.Proc). Its stdout
// lines are stamped as they are read; stderr goes to a log file.
type mailbellProc struct {
	*proctest.Proc
	name    string
	logPath string

	mu      sync.Mutex
	events  []stampedEvent
	newMail int
	changed chan struct{} // closed and replaced on every event
}

type stampedEvent struct {
	at time.Time
	ev event
}

// startMailbell runs bin with args in env (nil: the test's own). logDir
// receives name.log (stderr).
func startMailbell(tb testing.TB, name, bin string, env []string, logDir string, args ...string) *mailbellProc {
	tb.Helper()
	p := &mailbellProc{name: name, logPath: filepath.Join(logDir, name+".log"), changed: make(chan struct{})}
	logf, err := os.Create(p.logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	p.Proc = proctest.Start(tb, name, bin, proctest.Options{Env: env, Stderr: logf, Lines: p.line,
		Grace: 5 * time.Second, KillWithParent: true}, args...)
	return p
}

// line records one line of stdout.
func (p *mailbellProc) line(b []byte) {
	at := time.Now()
	var ev event
	if json.Unmarshal(b, &ev) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, stampedEvent{at, ev})
	if ev.Event == "new_mail" {
		p.newMail++
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// pid is the process id.
func (p *mailbellProc) pid() int { return p.PID() }

// stop sends SIGTERM to the process group, SIGKILL after 5 s, and waits.
func (p *mailbellProc) stop() error { return p.Stop(5 * time.Second) }

// waitNewMail waits until a new_mail line came for every subject.
func (p *mailbellProc) waitNewMail(d time.Duration, subjects ...string) error {
	return p.waitFor(d, fmt.Sprintf("new_mail for %q", subjects[len(subjects)-1]), func(evs []stampedEvent, _ int) bool {
		got := map[string]bool{}
		for _, e := range evs {
			if e.ev.Event == "new_mail" {
				got[e.ev.Subject] = true
			}
		}
		for _, s := range subjects {
			if !got[s] {
				return false
			}
		}
		return true
	})
}

// waitFor waits until cond holds over the events seen so far. cond runs
// with p.mu held: it must use its arguments, not p's methods.
func (p *mailbellProc) waitFor(d time.Duration, what string, cond func(evs []stampedEvent, newMail int) bool) error {
	deadline := time.After(d)
	for {
		p.mu.Lock()
		ok := cond(p.events, p.newMail)
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-p.Done():
			return fmt.Errorf("%s exited (%v) before %s; log:\n%s", p.name, p.Err(), what, tail(p.logPath, 30))
		case <-deadline:
			return fmt.Errorf("%s: no %s within %s; log:\n%s", p.name, what, d, tail(p.logPath, 30))
		}
	}
}

// waitIdle waits until n folders reported state idle.
func (p *mailbellProc) waitIdle(d time.Duration, n int) (time.Time, error) {
	var at time.Time
	err := p.waitFor(d, fmt.Sprintf("idle state for %d folders", n), func(evs []stampedEvent, _ int) bool {
		idle := map[string]bool{}
		for _, e := range evs {
			if e.ev.Event != "state" {
				continue
			}
			if e.ev.State == "stopped" && e.ev.Error != "" {
				return false
			}
			k := e.ev.Account + "/" + e.ev.Folder
			idle[k] = e.ev.State == "idle"
			if len(idle) == n && all(idle) {
				at = e.at
				return true
			}
		}
		return false
	})
	return at, err
}

func all(m map[string]bool) bool {
	for _, v := range m {
		if !v {
			return false
		}
	}
	return true
}

// newMailAt returns when the new_mail line for subject was read.
func (p *mailbellProc) newMailAt(subject string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.events {
		if e.ev.Event == "new_mail" && e.ev.Subject == subject {
			return e.at, true
		}
	}
	return time.Time{}, false
}

// newMailCount is how many new_mail lines were read, and when the last came.
func (p *mailbellProc) newMailCount() (int, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var last time.Time
	for i := len(p.events) - 1; i >= 0; i-- {
		if p.events[i].ev.Event == "new_mail" {
			last = p.events[i].at
			break
		}
	}
	return p.newMail, last
}

// tail is the last n lines of the file at path.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return proctest.Tail(string(data), n)
}

// ---- config ----

// mbAccount is one account of a Mailbell config.json.
type mbAccount struct {
	ID              string   `json:"id"`
	Name            string   `json:"name,omitempty"`
	Host            string   `json:"host"`
	Port            int      `json:"port"`
	Security        string   `json:"security"`
	Username        string   `json:"username"`
	Folders         []string `json:"folders,omitempty"`
	CAFile          string   `json:"ca_file,omitempty"`
	PasswordCommand string   `json:"password_command"`
}

// writeMailbellConfig writes dir/config.json (created 0700) for accts.
func writeMailbellConfig(tb testing.TB, dir string, accts ...mbAccount) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	data, err := json.MarshalIndent(map[string]any{"accounts": accts}, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// passwordFile writes a throw-away password of the private Dovecot to a
// 0600 file and returns a password_command that prints it (no keyring
// needed; what the e2e test does too).
func passwordFile(tb testing.TB, dir, user, pw string) string {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "pw-"+user)
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	if strings.ContainsAny(path, "'\" \\") {
		tb.Fatalf("unusual characters in %q", path)
	}
	return "cat '" + path + "'"
}
