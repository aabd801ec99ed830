package cli

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/ui/tray"
)

// trayState is what the background process found out about the desktop's
// tray, for the window processes it starts: without a tray host they say
// how to get one and offer Quit (the window program's --no-tray).
type trayState struct{ missing atomic.Bool }

// windowArgs are the window program's arguments that say so.
func (t *trayState) windowArgs() []string {
	if t != nil && t.missing.Load() {
		return []string{"--no-tray"}
	}
	return nil
}

// firstRun opens a window at start when the person needs one: the setup
// window ("Add your mail account") while config.json has no account,
// whatever the tray; and where the desktop shows no tray icon, a window
// at every start (else a notifier without an icon shows nothing at all).
// It returns once the window is asked for.
func firstRun(ctx context.Context, dir string, t *trayState, spawn func(view, message string) error, log *slog.Logger) {
	ok := noteTray(ctx, t)
	view := startView(dir, !ok, log)
	if view == "" || ctx.Err() != nil {
		return
	}
	if err := spawn(view, ""); err != nil {
		log.Warn("window not opened at start", "view", view, "err", err)
	}
}

// noteTray finds out whether the desktop shows a tray icon (at most 3 s) and
// records it in t, so every window process started afterwards is told.
func noteTray(ctx context.Context, t *trayState) bool {
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	ok, _ := tray.AvailableContext(actx) // runTray logs why
	cancel()
	t.missing.Store(!ok)
	return ok
}

// demoWindow opens the demo's recent window once the tray is known, so that
// without a tray host it too says how to get one and offers Quit.
func demoWindow(ctx context.Context, t *trayState, spawn func(view, message string) error, log *slog.Logger) {
	noteTray(ctx, t)
	if ctx.Err() != nil {
		return
	}
	if err := spawn(control.ViewRecent, ""); err != nil {
		log.Warn("demo: window not opened", "err", err)
	}
}

// startView is the window to open at start: ViewSetup without accounts,
// ViewRecent without a tray, "" for none.
func startView(dir string, noTray bool, log *slog.Logger) string {
	cfg, err := config.Load(dir)
	switch {
	case err != nil:
		// The recent window says what is wrong with the file; with a
		// tray the icon shows the problem.
		log.Debug("first run: config does not load", "err", err)
	case len(cfg.Accounts) == 0:
		return control.ViewSetup
	}
	if noTray {
		return control.ViewRecent
	}
	return ""
}
