package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/policy"
	"mailbell/app/view"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/platform/secrets"
)

// recordingPlayers puts a recording canberra-gtk-play (and pw-play,
// paplay) first on PATH: there is no sound card here, and what matters is
// that Mailbell starts the player, how often and with what.
func recordingPlayers(t *testing.T) (rec string) {
	t.Helper()
	dir := t.TempDir()
	rec = filepath.Join(t.TempDir(), "played")
	for _, name := range []string{"canberra-gtk-play", "pw-play", "paplay"} {
		script := fmt.Sprintf("#!/bin/sh\nprintf '%%s %%s\\n' \"${0##*/}\" \"$*\" >> %q\n", rec)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return rec
}

func playerRuns(rec string) []string {
	b, _ := os.ReadFile(rec)
	if s := strings.TrimSpace(string(b)); s != "" {
		return strings.Split(s, "\n")
	}
	return nil
}

// countingNotifier counts the notifications shown (a summary that
// replaces another counts again).
type countingNotifier struct {
	d  *desktopNotifier
	mu sync.Mutex
	n  int
}

func (c *countingNotifier) Show(p policy.Notification) error {
	err := c.d.Show(p)
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return err
}

func (c *countingNotifier) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// With dunst (no "sound" capability) Mailbell plays the new-mail sound
// itself through canberra-gtk-play: once per batch — not once per message
// of a burst — and never for mail that arrives in quiet hours, whose
// summary at the end of the spell has its one sound.
func TestSoundOncePerBatchNeverInQuietHours(t *testing.T) {
	s, err := desktoptest.Start(desktoptest.Options{Dunst: true})
	if err != nil {
		t.Fatalf("desktop session: %v", err)
	}
	defer s.Close()
	s.Setenv(t)
	rec := recordingPlayers(t)

	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": "pw"}})
	if err != nil {
		t.Fatalf("imaptest: %v", err)
	}
	defer srv.Close()
	dir := t.TempDir()
	account := fmt.Sprintf(`{"id":"a1","name":"Work","host":"127.0.0.1","port":%d,"security":"plain","username":"ann"}`, srv.Port())
	write := func(prefs string) {
		cfg := `{"accounts":[` + account + `],"preferences":{"notifications":true,"show_sender":true,"show_subject":true,"idle_refresh_minutes":9,"poll_seconds":60` + prefs + `}}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatalf("write config: %v", err)
		}
	}
	write("")
	store := secrets.Memory()
	store.Set(context.Background(), "a1", "pw")

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n := newDesktopNotifier(log)
	if n == nil {
		t.Fatal("no notifier on a bus with dunst")
	}
	defer n.Close()
	counted := &countingNotifier{d: n}
	core, err := app.New(app.Options{ConfigDir: dir, Secrets: store, Notifier: counted, Logger: log})
	if err != nil {
		t.Fatalf("core: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { core.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitUntil(t, "idle", func() bool {
		a := core.Snapshot().Accounts
		return len(a) == 1 && len(a[0].Folders) == 1 && a[0].Folders[0].State == view.StateIdle
	})
	shown := counted.count
	burst := func(label string, count int) {
		for i := range count {
			srv.Append("ann", "INBOX", imaptest.Message("Ann Lee <ann@example.com>", "me@example.com", fmt.Sprintf("%s %d", label, i), time.Now()))
		}
	}

	// A burst of five: one summary (or a first single then a summary),
	// one sound.
	burst("first burst", 5)
	waitUntil(t, "the first burst shown", func() bool { return shown() >= 1 && len(core.Snapshot().Recent) == 5 })
	waitUntil(t, "one player run", func() bool { return len(playerRuns(rec)) >= 1 })

	// The next batch comes after the batch window (1 s) with nothing new:
	// a new burst, with its own sound. Waiting out the window is the
	// scenario here, not synchronisation.
	time.Sleep(1500 * time.Millisecond)
	before := shown()
	burst("second burst", 2)
	waitUntil(t, "the second batch shown", func() bool { return shown() > before && len(core.Snapshot().Recent) == 7 })
	waitUntil(t, "a second player run", func() bool { return len(playerRuns(rec)) >= 2 })

	// Quiet hours around now: mail is held, shown and heard only when they
	// end (here: removed), as one summary with one sound.
	// The second burst's window ends first: a message of it still held
	// for the window when quiet hours begin would join their summary.
	time.Sleep(1500 * time.Millisecond)
	now := time.Now()
	write(fmt.Sprintf(`,"quiet_hours":{"from":%q,"to":%q}`, now.Add(-2*time.Hour).Format("15:04"), now.Add(2*time.Hour).Format("15:04")))
	if _, err := core.Do(ctx, control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatalf("reload: %v", err)
	}
	before = shown()
	burst("quiet", 3)
	waitUntil(t, "the quiet mail listed", func() bool { return len(core.Snapshot().Recent) == 10 })
	if got := shown(); got != before {
		t.Fatalf("%d notifications during quiet hours", got-before)
	}
	write("")
	if _, err := core.Do(ctx, control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatalf("reload: %v", err)
	}
	waitUntil(t, "the quiet hours' summary", func() bool { return shown() == before+1 })
	waitUntil(t, "its player run", func() bool { return len(playerRuns(rec)) >= 3 })

	runs := playerRuns(rec)
	if len(runs) != 3 {
		t.Fatalf("player runs %q: want 3 (two batches, one summary after quiet hours)", runs)
	}
	for _, r := range runs {
		if r != "canberra-gtk-play -i message-new-email" {
			t.Fatalf("player run %q: want canberra-gtk-play -i message-new-email", r)
		}
	}
	// Closing moves what dunst shows into its history a moment later: read
	// it until the quiet hours' summary is there.
	var hist []desktoptest.Notification
	var last string
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.DunstCloseAll()
		if hist, err = s.DunstHistory(); err != nil {
			t.Fatalf("dunst history: %v", err)
		}
		last = ""
		for _, h := range hist {
			if strings.Contains(h.Summary, "quiet hours") {
				last = h.Summary
			}
		}
		if last != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(last, "3 new messages") || !strings.Contains(last, "during quiet hours") {
		t.Fatalf("dunst history %+v: want a summary of the 3 from quiet hours", hist)
	}
}
