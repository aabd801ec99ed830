package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"mailbell/app"
	"mailbell/app/l10n"
	"mailbell/app/view"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/platform/secrets"
)

// TestNotificationInSystemLanguage: under LANG=de_DE.UTF-8 the core speaks
// German: the notification a real notification server (dunst) shows says
// "Neue Nachricht in Work", not English, and a window it would start is
// told so (MAILBELL_LANG=de-DE).
func TestNotificationInSystemLanguage(t *testing.T) {
	if !l10n.Known("de") {
		t.Fatal("no German catalogue")
	}
	t.Cleanup(func() { l10n.Use(language.English) })
	s, err := desktoptest.Start(desktoptest.Options{Dunst: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Setenv(t)
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "de_DE.UTF-8")

	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	// Without subjects the body is our words: "New message in Work".
	cfg := fmt.Sprintf(`{"accounts":[{"id":"a1","name":"Work","host":"127.0.0.1","port":%d,"security":"plain","username":"ann"}],
	  "preferences":{"notifications":true,"show_sender":true,"show_subject":false,"idle_refresh_minutes":25,"poll_seconds":60}}`, srv.Port())
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600)
	store := secrets.Memory()
	store.Set(context.Background(), "a1", "pw")

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	n := newDesktopNotifier(log)
	if n == nil {
		t.Fatal("no notifier on a bus with dunst")
	}
	defer n.Close()
	core, err := app.New(app.Options{ConfigDir: dir, Secrets: store, Notifier: n, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if got := core.Snapshot().Language; got != "de-DE" {
		t.Fatalf("the core speaks %q under LANG=de_DE.UTF-8", got)
	}
	if got, _ := envValue(windowEnv(os.Environ(), "/s", dir), l10n.EnvLang); got != "de-DE" {
		t.Errorf("a window would get %s=%q", l10n.EnvLang, got)
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
	var hist []desktoptest.Notification
	waitUntil(t, "the notification in dunst's history", func() bool {
		s.DunstCloseAll()
		hist, err = s.DunstHistory()
		return err == nil && len(hist) == 1
	})
	want := l10n.T("notify.new_in_account", l10n.Args{"Account": "Work"}) // German: the core switched the process
	if hist[0].Summary != "Ann Lee" || hist[0].Body != want || strings.Contains(want, "New message") || !strings.Contains(want, "Work") {
		t.Fatalf("dunst shows %q / %q, want Ann Lee / %q", hist[0].Summary, hist[0].Body, want)
	}
	t.Logf("dunst shows %q / %q", hist[0].Summary, hist[0].Body)
}
