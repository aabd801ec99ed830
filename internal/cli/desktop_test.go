package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/view"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/platform/secrets"
)

// A notification shown by a real notification server (dunst on a private
// bus), its "Mark as read" action invoked there, and \Seen set on the server.
func TestNotificationMarkAsRead(t *testing.T) {
	s, err := desktoptest.Start(desktoptest.Options{Dunst: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Setenv(t)

	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"accounts":[{"id":"a1","name":"Work","host":"127.0.0.1","port":%d,"security":"plain","username":"ann"}]}`, srv.Port())
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600)
	store := secrets.Memory()
	store.Set(context.Background(), "a1", "pw")

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	n := newDesktopNotifier(log)
	if n == nil {
		t.Fatal("no notifier on a bus with dunst")
	}
	defer n.Close()
	if !n.n.SupportsActions() {
		t.Fatal("dunst advertises actions")
	}
	core, err := app.New(app.Options{ConfigDir: dir, Secrets: store, Notifier: n, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { core.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	go n.follow(ctx, core)

	waitUntil(t, "idle", func() bool {
		a := core.Snapshot().Accounts
		return len(a) == 1 && len(a[0].Folders) == 1 && a[0].Folders[0].State == view.StateIdle
	})
	srv.Append("ann", "INBOX", imaptest.Message("Ann Lee <ann@example.com>", "me@example.com", "Quarterly report", time.Now()))

	var id uint32
	waitUntil(t, "a notification", func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		for k := range n.keys {
			id = k
		}
		return id != 0
	})
	if err := s.DunstAction(id, actionMarkRead); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, `\Seen on the server`, func() bool {
		st, err := srv.Status("ann", "INBOX")
		return err == nil && st.NumUnseen != nil && *st.NumUnseen == 0
	})
	waitUntil(t, "the snapshot to follow", func() bool {
		s := core.Snapshot()
		return s.Unseen == 0 && len(s.Recent) == 1 && s.Recent[0].Seen
	})

	s.DunstCloseAll()
	hist, err := s.DunstHistory()
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].AppName != "Mailbell" || hist[0].Summary != "Ann Lee" || hist[0].Body != "Quarterly report" {
		t.Fatalf("dunst history %+v", hist)
	}
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
