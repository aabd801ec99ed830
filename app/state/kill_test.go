package state

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailbell/mail"
)

// The kill -9 test re-executes this test binary as a child that commits as
// fast as it can; these variables switch it into that role.
const (
	childEnv    = "MAILBELL_STATE_CHILD"
	childDirEnv = "MAILBELL_STATE_DIR"
	killUV      = 7
)

var killKey = Key{"acct1", "INBOX/sub"}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(commitLoop(os.Getenv(childDirEnv)))
	}
	os.Exit(m.Run())
}

// commitLoop commits positions last+1, last+2, … each with its message in the
// recent list, and prints each value only after Commit returned: a printed
// value is an acknowledged commit.
func commitLoop(dir string) int {
	s, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		return 3
	}
	n := s.Position(killKey).LastUID
	for {
		n++
		if err := s.Commit(killKey, mail.Position{UIDValidity: killUV, LastUID: n}, []Recent{killItem(n)}); err != nil {
			fmt.Fprintln(os.Stderr, "child: commit:", err)
			return 4
		}
		if _, err := fmt.Println(n); err != nil {
			return 5
		}
	}
}

func killItem(n uint32) Recent {
	return Recent{UIDValidity: killUV, UID: n, From: "Ann", FromAddr: "ann@example.com",
		Subject: "msg " + strconv.Itoa(int(n)), Date: t0.Add(time.Duration(n) * time.Second),
		Arrived: t0.Add(time.Duration(n) * time.Second)}
}

func TestKill9NeverLosesOrCorrupts(t *testing.T) {
	// 50 kills in all. A child spends most of its short life starting up
	// (~130 ms for a -race binary on a busy machine), so two lanes, each
	// with its own folder, run side by side to keep the test near 5 s.
	for lane := range 2 {
		t.Run(fmt.Sprintf("lane%d", lane), func(t *testing.T) {
			t.Parallel()
			killLoop(t, 25)
		})
	}
}

// killLoop starts a committing child runs times in one folder, kills it with
// SIGKILL at a random moment, and checks what survived.
func killLoop(t *testing.T, runs int) {
	dir := t.TempDir()
	var prev uint32 // the position verified after the previous kill
	var midWrite, unprinted, total int
	start := time.Now()
	for run := range runs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", childDirEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill() // this child only, by its own handle
				cmd.Wait()
			}
		})

		first := make(chan struct{})
		lines := make(chan []string, 1)
		go func() {
			var got []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if got = append(got, sc.Text()); len(got) == 1 {
					close(first)
				}
			}
			lines <- got
		}()

		// Every fifth run dies at a random moment from its start (inside
		// Open, the cleanup, or the first write); the others once commits
		// are flowing, at a random point of the loop.
		if run%5 == 0 {
			time.Sleep(time.Duration(rand.IntN(15000)) * time.Microsecond)
		} else {
			select {
			case <-first:
			case <-time.After(10 * time.Second):
				t.Fatalf("run %d: child (pid %d) committed nothing in 10 s; stderr: %s", run, pid, stderr.String())
			}
			time.Sleep(time.Duration(rand.IntN(30000)) * time.Microsecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatalf("run %d: kill pid %d: %v", run, pid, err)
		}
		// Read to EOF before Wait: Wait closes the pipe, and lines still in
		// it would be lost, making an acknowledged commit look unacknowledged.
		got := <-lines
		werr := cmd.Wait()
		if cmd.ProcessState.Exited() {
			t.Fatalf("run %d: child exited by itself (%v) instead of being killed; stderr: %s", run, werr, stderr.String())
		}

		acked := prev
		for _, l := range got {
			v, err := strconv.ParseUint(l, 10, 32)
			if err != nil {
				t.Fatalf("run %d: child printed %q", run, l)
			}
			if uint32(v) <= acked {
				t.Fatalf("run %d: child committed %d after %d: it restarted below an acknowledged position", run, v, acked)
			}
			acked = uint32(v)
		}
		total += len(got)

		if tmps, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*")); len(tmps) > 0 {
			midWrite++ // killed between creating the temp file and the rename
		}
		var logs bytes.Buffer
		s, err := OpenWithLogger(dir, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatalf("run %d: Open after kill: %v", run, err)
		}
		if strings.Contains(logs.String(), "WARN") {
			t.Fatalf("run %d: Open after kill warned: %s", run, logs.String())
		}
		if left := listFiles(t, dir); len(left) > 1 {
			t.Fatalf("run %d: files after Open: %v", run, left)
		}
		pos := s.Position(killKey)
		if pos.LastUID < acked || pos.LastUID > acked+1 {
			t.Fatalf("run %d: position %d after kill, last acknowledged %d: want %d or %d",
				run, pos.LastUID, acked, acked, acked+1)
		}
		if pos.LastUID == acked+1 {
			unprinted++ // killed after Commit returned, before the print
		}
		if pos.LastUID > 0 && pos.UIDValidity != killUV {
			t.Fatalf("run %d: position %+v has the wrong UIDVALIDITY", run, pos)
		}
		// The recent list must be exactly the messages up to the position:
		// nothing newer (a half-applied write), nothing missing.
		r := s.Recent()
		want := min(int(pos.LastUID), MaxRecent)
		if len(r) != want {
			t.Fatalf("run %d: %d recent items for position %d, want %d", run, len(r), pos.LastUID, want)
		}
		for i, x := range r {
			w := killItem(pos.LastUID - uint32(i))
			w.Account, w.Folder = killKey.Account, killKey.Folder
			if x.UID != w.UID || x.Subject != w.Subject || x.Account != w.Account || x.Folder != w.Folder ||
				x.UIDValidity != w.UIDValidity || !x.Arrived.Equal(w.Arrived) {
				t.Fatalf("run %d: recent[%d] = %+v, want %+v", run, i, x, w)
			}
		}
		prev = pos.LastUID
	}
	t.Logf("%d kills in %v: %d commits acknowledged, final position %d; %d kills left a temp file (mid-write), %d landed between Commit and its acknowledgement",
		runs, time.Since(start).Round(time.Millisecond), total, prev, midWrite, unprinted)
	if prev == 0 {
		t.Fatal("no commit ever happened: the test exercised nothing")
	}
}
