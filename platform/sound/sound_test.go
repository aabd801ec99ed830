//go:build linux

package sound

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// recorder is a PATH holding fake players that append their name, argv
// and session id to a file, one line per run.
type recorder struct {
	dir, file string
}

const playerScript = `#!/bin/sh
sid=$(/usr/bin/cut -d' ' -f6 /proc/$$/stat)
printf '%%s %%s sid=%%s\n' "${0##*/}" "$*" "$sid" >> %q
%s
`

func newRecorder(t *testing.T, players ...string) *recorder {
	t.Helper()
	r := &recorder{dir: t.TempDir()}
	r.file = filepath.Join(t.TempDir(), "played")
	for _, p := range players {
		r.add(t, p, "")
	}
	t.Setenv("PATH", r.dir)
	return r
}

func (r *recorder) add(t *testing.T, name, tail string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(fmt.Sprintf(playerScript, r.file, tail)), 0o755); err != nil {
		t.Fatal(err)
	}
}

// lines waits until the recording holds n lines (or fails at the deadline)
// and returns them.
func (r *recorder) lines(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(r.file)
		got := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(b) == 0 {
			got = nil
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("recorded %d player runs, want %d: %q", len(got), n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func logger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func theme(t *testing.T) (dataDir, file string) {
	t.Helper()
	dataDir = t.TempDir()
	dir := filepath.Join(dataDir, "sounds", "freedesktop", "stereo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "message-new-email.oga")
	if err := os.WriteFile(file, []byte("OggS"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dataDir, file
}

func mySession(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return "sid=" + f[3] // state, ppid, pgrp, session
}

func TestCanberraByName(t *testing.T) {
	r := newRecorder(t, "canberra-gtk-play", "pw-play", "paplay")
	p := New(Options{})
	if err := p.Play("", ""); err != nil {
		t.Fatal(err)
	}
	got := r.lines(t, 1)
	if !strings.HasPrefix(got[0], "canberra-gtk-play -i message-new-email sid=") {
		t.Fatalf("ran %q", got[0])
	}
	// Its own session: detached from ours.
	if strings.HasSuffix(got[0], mySession(t)) {
		t.Fatalf("player in the test's session: %q", got[0])
	}
	file := filepath.Join(t.TempDir(), "my bell.oga")
	if err := os.WriteFile(file, []byte("OggS"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Play("", file); err != nil {
		t.Fatal(err)
	}
	if got := r.lines(t, 2); !strings.HasPrefix(got[1], "canberra-gtk-play -f "+file+" sid=") {
		t.Fatalf("ran %q", got[1])
	}
	p.Wait()
}

// pw-play and paplay need a file: the theme's, found through XDG_DATA_DIRS.
func TestFilePlayers(t *testing.T) {
	for _, player := range []string{"pw-play", "paplay"} {
		t.Run(player, func(t *testing.T) {
			players := []string{player}
			if player == "paplay" {
				players = []string{"paplay"} // pw-play absent: paplay is next
			}
			r := newRecorder(t, players...)
			dataDir, file := theme(t)
			t.Setenv("XDG_DATA_HOME", t.TempDir())
			t.Setenv("XDG_DATA_DIRS", "/nonexistent:"+dataDir)
			p := New(Options{})
			if err := p.Play("", ""); err != nil {
				t.Fatal(err)
			}
			if got := r.lines(t, 1); !strings.HasPrefix(got[0], player+" "+file+" sid=") {
				t.Fatalf("ran %q", got[0])
			}
			p.Wait()
		})
	}
	t.Run("pw-play before paplay", func(t *testing.T) {
		r := newRecorder(t, "paplay", "pw-play")
		dataDir, file := theme(t)
		p := New(Options{DataDirs: []string{dataDir}})
		if err := p.Play("", ""); err != nil {
			t.Fatal(err)
		}
		if got := r.lines(t, 1); !strings.HasPrefix(got[0], "pw-play "+file) {
			t.Fatalf("ran %q", got[0])
		}
		p.Wait()
	})
}

// No player: nothing runs, one log line however often it is asked.
func TestNoPlayer(t *testing.T) {
	newRecorder(t) // an empty PATH
	log, buf := logger()
	p := New(Options{Logger: log})
	for range 5 {
		if err := p.Play("", ""); !errors.Is(err, ErrNoPlayer) {
			t.Fatalf("err = %v, want ErrNoPlayer", err)
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.Contains(buf.String(), "no sound player") {
		t.Fatalf("log:\n%s", buf.String())
	}
}

func TestNoThemeFile(t *testing.T) {
	r := newRecorder(t, "pw-play")
	log, buf := logger()
	p := New(Options{Logger: log, DataDirs: []string{t.TempDir()}})
	for range 3 {
		if err := p.Play("", ""); !errors.Is(err, ErrNoFile) {
			t.Fatalf("err = %v, want ErrNoFile", err)
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Fatalf("log:\n%s", buf.String())
	}
	if b, _ := os.ReadFile(r.file); len(b) != 0 {
		t.Fatalf("a player ran: %s", b)
	}
	// The user's own file needs no theme.
	own := filepath.Join(t.TempDir(), "bell.wav")
	if err := os.WriteFile(own, []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Play("", own); err != nil {
		t.Fatal(err)
	}
	if got := r.lines(t, 1); !strings.HasPrefix(got[0], "pw-play "+own) {
		t.Fatalf("ran %q", got[0])
	}
	p.Wait()
}

// A sound file that went away: the theme's sound, and one log line.
func TestMissingFileFallsBack(t *testing.T) {
	r := newRecorder(t, "canberra-gtk-play")
	log, buf := logger()
	p := New(Options{Logger: log})
	gone := filepath.Join(t.TempDir(), "gone.oga")
	for range 2 {
		if err := p.Play("", gone); err != nil {
			t.Fatal(err)
		}
	}
	got := r.lines(t, 2)
	for _, l := range got {
		if !strings.HasPrefix(l, "canberra-gtk-play -i message-new-email") {
			t.Fatalf("ran %q", l)
		}
	}
	if n := strings.Count(buf.String(), "sound file not found"); n != 1 {
		t.Fatalf("log:\n%s", buf.String())
	}
	p.Wait()
}

// A player that hangs is killed after MaxPlay and reaped; a failing one is
// worth one log line.
func TestHangingPlayerKilled(t *testing.T) {
	r := newRecorder(t)
	r.add(t, "canberra-gtk-play", "exec /usr/bin/sleep 60")
	log, buf := logger()
	p := New(Options{Logger: log, MaxPlay: 200 * time.Millisecond})
	start := time.Now()
	if err := p.Play("", ""); err != nil {
		t.Fatal(err)
	}
	r.lines(t, 1)
	done := make(chan struct{})
	go func() { p.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the hanging player was not killed")
	}
	if d := time.Since(start); d > 9*time.Second {
		t.Fatalf("took %v", d)
	}
	if !strings.Contains(buf.String(), "sound player failed") {
		t.Fatalf("log:\n%s", buf.String())
	}
}
