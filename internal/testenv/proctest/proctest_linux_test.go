package proctest

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLinesAndExitCode(t *testing.T) {
	var (
		mu    sync.Mutex
		lines []string
	)
	p := Start(t, "sh", "/bin/sh", Options{Lines: func(l []byte) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, string(l))
	}}, "-c", "echo one; echo two; printf three; exit 3")
	code, err := p.Wait(10 * time.Second)
	if err != nil || code != 3 {
		t.Fatalf("Wait = %d, %v; want 3", code, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(lines, ",") != "one,two,three" {
		t.Errorf("lines %q, want one, two, three (all read before Done)", lines)
	}
}

func TestStopEndsTheGroup(t *testing.T) {
	var out strings.Builder
	// The shell ignores SIGTERM; its child sleeps: only SIGKILL to the
	// group ends both.
	p := Start(t, "sh", "/bin/sh", Options{Stdout: &out}, "-c", "trap '' TERM; sleep 600 & wait")
	var kids []int
	deadline := time.Now().Add(10 * time.Second)
	for kids = Children(p.PID()); len(kids) == 0; kids = Children(p.PID()) {
		if time.Now().After(deadline) {
			t.Fatal("the shell started no child")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Stop(100 * time.Millisecond); err == nil {
		t.Error("Stop says SIGTERM was enough for a shell that ignores it")
	}
	if !p.Exited() {
		t.Fatal("child still running after Stop")
	}
	for deadline = time.Now().Add(10 * time.Second); Alive(kids[0]); {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived the group's SIGKILL", kids[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("Tail = %q", got)
	}
}
