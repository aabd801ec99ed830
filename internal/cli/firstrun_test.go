package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"mailbell/app/control"
)

func TestStartView(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	empty := t.TempDir() // no config.json: a first start
	withAccount := t.TempDir()
	if err := os.WriteFile(filepath.Join(withAccount, "config.json"), []byte(`{"accounts":[{"id":"a","host":"imap.example.com"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "config.json"), []byte(`{"accounts":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		dir    string
		noTray bool
		want   string
	}{
		{"first start, tray", empty, false, control.ViewSetup},
		{"first start, no tray", empty, true, control.ViewSetup},
		{"account, tray", withAccount, false, ""},
		{"account, no tray", withAccount, true, control.ViewRecent},
		{"broken config, tray", broken, false, ""},
		{"broken config, no tray", broken, true, control.ViewRecent},
	} {
		if got := startView(tc.dir, tc.noTray, log); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTrayStateWindowArgs(t *testing.T) {
	var nilState *trayState
	if args := nilState.windowArgs(); len(args) != 0 {
		t.Errorf("no state: %q", args)
	}
	s := &trayState{}
	if args := s.windowArgs(); len(args) != 0 {
		t.Errorf("tray present: %q", args)
	}
	s.missing.Store(true)
	if args := s.windowArgs(); !slices.Equal(args, []string{"--no-tray"}) {
		t.Errorf("no tray: %q", args)
	}
}

// The demo's window is asked for only once the tray is known: without a
// tray host (here: no session bus at all) it is told so (--no-tray).
func TestDemoWindowKnowsTheTray(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	st := &trayState{}
	var views []string
	var args []string
	spawn := func(view, _ string) error {
		views = append(views, view)
		args = st.windowArgs()
		return nil
	}
	demoWindow(context.Background(), st, spawn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !slices.Equal(views, []string{control.ViewRecent}) {
		t.Fatalf("demo opened %q, want the recent window once", views)
	}
	if !slices.Equal(args, []string{"--no-tray"}) {
		t.Fatalf("the demo's window was started with %q, want --no-tray", args)
	}
}
