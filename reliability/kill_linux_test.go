//go:build linux

package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"mailbell/app/control"
	"mailbell/app/state"
	"mailbell/internal/testenv/dovecottest"
)

// Kill moments of TestKill9Restarts.
const (
	killRandom      = "random"       // at a random moment 30 ms-1.5 s after the start
	killStateWrite  = "state-write"  // as soon as the state's temp file is created (inotify)
	killAnnounce    = "announce"     // 0-3 ms after a new_mail line was printed
	killAfterCommit = "after-commit" // as soon as the new state file is renamed into place
)

// killResult is what killRestarts saw.
type killResult struct {
	nKills      int
	kills       map[string]int
	runs        int
	midTmp      int // kills after which a state temp file was left behind
	delivered   int
	lines       int // new_mail lines over all runs
	lost, dup   []string
	unexplained int // lost without having been committed: a real loss, not the kill window
	dupWindow   int // duplicates printed by a run killed before its commit landed: the print→rename window
	longest     time.Duration
}

func (r killResult) String() string {
	return fmt.Sprintf("%d kills (%v), %d runs\n"+
		"  kills that left a state temp file (mid-write)  %d\n"+
		"  messages delivered                             %d\n"+
		"  new_mail lines over all runs                   %d\n"+
		"  lost                                           %d (%d not explained by the commit→print window)\n"+
		"  duplicated                                     %d (%d by a kill between print and rename)\n"+
		"  delivery → announcement, longest               %s",
		r.nKills, r.kills, r.runs, r.midTmp, r.delivered, r.lines, len(r.lost), r.unexplained, len(r.dup), r.dupWindow, r.longest.Round(time.Millisecond))
}

// TestKill9Restarts: invariant 2 across crashes. The headless binary is
// killed with SIGKILL 50 times while mail arrives, at random moments, in
// the middle of a state write and right after an announcement; each run
// must load the state, and over all runs every delivered message must be
// printed exactly once.
//
// The core prints between the new state's fsync and its rename
// (state.CommitAnnounce), so no kill can lose an announcement. A kill that
// lands in the two system calls between the print and the rename repeats
// it on the next start: exactly-once to a pipe across kill -9 is not
// possible, and this order picks "never lose". The "announce" kills aim at
// that window (the test reacts to the printed line); such duplicates are
// counted and shown, and any other duplicate fails.
func TestKill9Restarts(t *testing.T) {
	t.Parallel()
	r := killRestarts(t, 50, []string{killRandom, killStateWrite, killAnnounce})
	t.Logf("\nkill -9 restarts: %s\n  duplicated: %s", r, strings.Join(r.dup, "; "))
	if len(r.lost) > 0 {
		t.Errorf("%d delivered messages were never printed:\n  %s", len(r.lost), strings.Join(r.lost, "\n  "))
	}
	if n := len(r.dup) - r.dupWindow; n > 0 {
		t.Errorf("%d messages were printed more than once, not by a kill between print and rename:\n  %s", n, strings.Join(r.dup, "\n  "))
	}
}

// TestKillRightAfterCommit kills the moment the new state file is renamed
// into place: what that write committed was printed before it, so nothing
// may be lost, and nothing printed again.
func TestKillRightAfterCommit(t *testing.T) {
	t.Parallel()
	r := killRestarts(t, 12, []string{killAfterCommit})
	t.Logf("\nkill -9 right after a commit: %s\n  lost: %s\n  duplicated: %s", r,
		strings.Join(r.lost, "; "), strings.Join(r.dup, "; "))
	if len(r.lost) > 0 {
		t.Errorf("%d messages lost", len(r.lost))
	}
	if len(r.dup) > 0 {
		t.Errorf("%d messages printed twice after a kill that followed the commit", len(r.dup))
	}
}

// killRestarts runs the headless binary against Dovecot while a writer
// delivers mail, kills it nKills times at moments of the given kinds (in
// turn), then lets a last run catch up, and compares what was printed over
// all runs with what was delivered. Broken state files, error logs and
// leftovers fail the test here; losses and duplicates are returned.
func killRestarts(t *testing.T, nKills int, modes []string) killResult {
	t.Helper()
	bin := mailbellBinary(t)
	const user, pass = "alice", "kill-test-pw"
	folders := []string{"INBOX", "Work"}
	srv := dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{user: pass}})
	if err := srv.CreateMailbox(user, "Work"); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir() // on disk here: fsync costs what it costs on a desktop
	env := sandbox(t, root)
	dir := filepath.Join(root, "config")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	pwCmd := passwordScript(t, root, pass)
	if err := WriteConfig(dir, Account{ID: user, Host: "127.0.0.1", Port: srv.TLSPort(), Security: "tls",
		Username: user, Folders: folders, CAFile: srv.CAFile(), PasswordCommand: pwCmd}); err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--config-dir", dir}

	var runs []*proc
	start := func() *proc {
		p := startBinary(t, bin, env, len(runs), args...)
		runs = append(runs, p)
		return p
	}
	p := start()
	idle := func(p *proc) func() bool {
		return func() bool {
			return p.lastState(user, "INBOX") == "idle" && p.lastState(user, "Work") == "idle"
		}
	}
	if !p.waitUntil(30*time.Second, idle(p)) {
		t.Fatalf("first run never idle; stderr:\n%s", tail(p.stderr.String(), 30))
	}

	// The writer: a message every 30-250 ms to a random folder.
	type delivery struct {
		folder, subject string
		at              time.Time
	}
	var (
		delMu sync.Mutex
		dels  []delivery
		stopW = make(chan struct{})
		doneW = make(chan struct{})
		werr  error
		rng   = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
		wrng  = rand.New(rand.NewPCG(rng.Uint64(), 8))
		res   = killResult{nKills: nKills, kills: map[string]int{}}
	)
	go func() {
		defer close(doneW)
		for n := 1; ; n++ {
			select {
			case <-stopW:
				return
			case <-time.After(time.Duration(30+wrng.IntN(220)) * time.Millisecond):
			}
			f := folders[wrng.IntN(len(folders))]
			subj := fmt.Sprintf("kill test %s #%d", f, n)
			msg := dovecottest.Message("Writer <w@example.com>", user+"@example.com", subj, time.Now())
			if err := srv.Deliver(user, f, msg); err != nil {
				werr = err
				return
			}
			delMu.Lock()
			dels = append(dels, delivery{f, subj, time.Now()})
			delMu.Unlock()
		}
	}()

	// posAfter[i] is the state on disk once run i was killed.
	var posAfter []map[string]uint32
	var killedBy []string // killedBy[i]: the kill moment of run i
	for i := range nKills {
		mode := modes[i%len(modes)]
		switch mode {
		case killRandom:
			time.Sleep(time.Duration(30+rng.IntN(1470)) * time.Millisecond)
		case killStateWrite:
			if !waitInotify(t, dir, syscall.IN_CREATE, func(name string) bool { return strings.HasPrefix(name, state.FileName+".tmp-") }, 5*time.Second) {
				mode += " (timed out)"
			}
		case killAfterCommit:
			if !waitInotify(t, dir, syscall.IN_MOVED_TO, func(name string) bool { return name == state.FileName }, 5*time.Second) {
				mode += " (timed out)"
			}
		case killAnnounce:
			n := len(p.kind(control.EvNewMail))
			if !p.waitUntil(5*time.Second, func() bool { return len(p.kind(control.EvNewMail)) > n }) {
				mode += " (timed out)"
			}
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		p.kill()
		res.kills[mode]++
		killedBy = append(killedBy, mode)
		p.wait(t, 10*time.Second)
		if leftovers, _ := filepath.Glob(filepath.Join(dir, state.FileName+".tmp-*")); len(leftovers) > 0 {
			res.midTmp++
		}
		pos, err := readPositions(dir)
		if err != nil {
			t.Fatalf("after kill %d (%s) the state does not parse: %v", i+1, mode, err)
		}
		posAfter = append(posAfter, pos)
		if bad := p.logErrors(); len(bad) > 0 {
			t.Errorf("run %d logged errors:\n%s", p.run, strings.Join(bad, "\n"))
		}
		p = start()
	}
	close(stopW)
	<-doneW
	if werr != nil {
		t.Fatalf("writer: %v", werr)
	}

	// The last run is not killed: it must bring everything still missing.
	delMu.Lock()
	all := slices.Clone(dels)
	delMu.Unlock()
	printed := func() map[string][]line {
		m := map[string][]line{}
		for _, r := range runs {
			for _, l := range r.kind(control.EvNewMail) {
				m[l.Subject] = append(m[l.Subject], l)
			}
		}
		return m
	}
	uids := map[string]uint32{}
	for _, f := range folders {
		for subj, uid := range folderUIDs(t, srv, user, pass, f) {
			uids[subj] = uid
		}
	}
	// Done when each message is printed, or committed without a print (lost
	// for good: no run will print it).
	p.waitUntil(30*time.Second, func() bool {
		m := printed()
		pos, err := readPositions(dir)
		if err != nil {
			return false
		}
		for _, d := range all {
			if len(m[d.subject]) == 0 && uids[d.subject] > pos[d.folder] {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second) // room for a late duplicate
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 10*time.Second)
	if p.err != nil {
		t.Errorf("last run exited with %v after SIGTERM", p.err)
	}
	if bad := p.logErrors(); len(bad) > 0 {
		t.Errorf("last run logged errors:\n%s", strings.Join(bad, "\n"))
	}
	final, err := readPositions(dir)
	if err != nil {
		t.Fatal(err)
	}
	posAfter = append(posAfter, final)
	killedBy = append(killedBy, "SIGTERM")
	for _, r := range runs {
		if len(r.bad) > 0 {
			t.Errorf("run %d printed %d lines that are not JSON, e.g. %q", r.run, len(r.bad), r.bad[0])
		}
		if s := r.stderr.String(); strings.Contains(s, "corrupt") || strings.Contains(s, "set aside") {
			t.Errorf("run %d did not load the state:\n%s", r.run, tail(s, 20))
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, state.FileName+".*")); len(leftovers) > 0 {
		t.Errorf("files left in the config folder: %v", leftovers)
	}

	// Exactly once, across runs; each miss explained from the state files.
	m := printed()
	var delays []time.Duration
	for _, d := range all {
		got := m[d.subject]
		switch {
		case len(got) == 0:
			why, explained := explainLoss(posAfter, killedBy, d.folder, uids[d.subject])
			res.lost = append(res.lost, d.subject+": "+why)
			if !explained {
				res.unexplained++
			}
		case len(got) > 1:
			var rs []string
			for _, l := range got {
				rs = append(rs, fmt.Sprint(l.run))
			}
			why := ""
			// The first run printed it but its state never got past it: it
			// was killed between the print and the rename.
			if first := got[0].run; first < len(posAfter) && posAfter[first][d.folder] < uids[d.subject] {
				res.dupWindow++
				why = fmt.Sprintf(" (run %d killed by %q after printing UID %d, before its state passed %d)",
					first, killedBy[first], uids[d.subject], posAfter[first][d.folder])
			}
			res.dup = append(res.dup, fmt.Sprintf("%s printed by runs %s%s", d.subject, strings.Join(rs, ", "), why))
		}
		if len(got) > 0 {
			delays = append(delays, got[0].at.Sub(d.at))
		}
	}
	slices.Sort(delays)
	for _, ls := range m {
		res.lines += len(ls)
	}
	if len(delays) > 0 {
		res.longest = delays[len(delays)-1]
	}
	res.runs, res.delivered = len(runs), len(all)
	if len(all) < 4*nKills/5 {
		t.Errorf("only %d messages delivered for %d kills: the test proves little", len(all), nKills)
	}
	return res
}

// explainLoss says which run committed uid without printing it.
func explainLoss(posAfter []map[string]uint32, killedBy []string, folder string, uid uint32) (string, bool) {
	if uid == 0 {
		return "not found on the server", false
	}
	prev := uint32(0)
	for i, pos := range posAfter {
		if prev < uid && uid <= pos[folder] {
			return fmt.Sprintf("UID %d committed by run %d (position %d → %d) but never printed: killed (%s) between commit and print",
				uid, i, prev, pos[folder], killedBy[i]), true
		}
		prev = max(prev, pos[folder])
	}
	return fmt.Sprintf("UID %d never committed (final position %d): not fetched at all", uid, prev), false
}

// readPositions reads folder → last UID from the state file (absent: empty).
func readPositions(dir string) (map[string]uint32, error) {
	data, err := os.ReadFile(filepath.Join(dir, state.FileName))
	if os.IsNotExist(err) {
		return map[string]uint32{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f struct {
		Positions []struct {
			Folder  string `json:"folder"`
			LastUID uint32 `json:"last_uid"`
		} `json:"positions"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w (%d bytes)", err, len(data))
	}
	out := map[string]uint32{}
	for _, p := range f.Positions {
		out[p.Folder] = p.LastUID
	}
	return out, nil
}

// passwordScript writes a script outside the config folder that prints pw,
// and returns its path for password_command.
func passwordScript(t *testing.T, root, pw string) string {
	t.Helper()
	dir := filepath.Join(root, "bin")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "print-password")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nprintf '%s\\n' '"+pw+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitInotify blocks until an event of mask happens to a name in dir that
// match accepts (inotify: no polling, so a kill lands within microseconds),
// or d passes.
func waitInotify(t *testing.T, dir string, mask uint32, match func(name string) bool, d time.Duration) bool {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "inotify") // nonblocking: the runtime poller gives it deadlines
	defer f.Close()
	if _, err := syscall.InotifyAddWatch(fd, dir, mask); err != nil {
		t.Fatal(err)
	}
	if err := f.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64*1024)
	for {
		n, err := f.Read(buf)
		if err != nil {
			return false
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
			if match(strings.TrimRight(string(name), "\x00")) {
				return true
			}
			off += syscall.SizeofInotifyEvent + int(ev.Len)
		}
	}
}
