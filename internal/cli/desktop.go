package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/policy"
	"mailbell/app/view"
	"mailbell/platform/notify"
	"mailbell/ui/icon"
	"mailbell/ui/tray"
)

// trayBackend is the core as the tray sees it.
type trayBackend struct {
	ctx     context.Context
	core    *app.Core
	changes <-chan struct{}
	log     *slog.Logger
}

func (b trayBackend) Snapshot() view.Snapshot  { return b.core.Snapshot() }
func (b trayBackend) Changes() <-chan struct{} { return b.changes }
func (b trayBackend) Do(cmd control.Command) {
	go func() {
		ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
		defer cancel()
		if _, err := b.core.Do(ctx, cmd); err != nil {
			b.log.Warn("tray command failed", "cmd", cmd.Cmd, "err", err)
		}
	}()
}

// runTray shows the tray until ctx ends. Without a tray host it says so
// once; the window stays reachable by launching Mailbell again.
func runTray(ctx context.Context, core *app.Core, log *slog.Logger) {
	if ok, why := tray.Available(); !ok {
		// Said once. With a bus the tray still runs: the icon appears if a
		// tray host starts later (a panel restart).
		log.Warn("no tray icon: "+why, "hint", "launch mailbell again to open its window")
	}
	changes, unsubscribe := core.Subscribe()
	defer unsubscribe()
	if err := tray.Run(ctx, trayBackend{ctx: ctx, core: core, changes: changes, log: log}, tray.Options{Logger: log}); err != nil {
		log.Debug("tray not running", "err", err)
	}
}

// Notification action keys.
const (
	actionMarkRead = "mark-read"
	actionShow     = "show" // Show in Mailbell; the default action opens the mail (open.go)
)

// desktopNotifier shows the policy's notifications on the desktop: one
// summary at a time (a new one replaces the last), and clicks that open the
// window at the message or mark it read.
type desktopNotifier struct {
	n        notify.Notifier
	log      *slog.Logger
	iconPath string

	mu        sync.Mutex
	summaryID uint32
	keys      map[uint32][]string // notification id → message keys
	gone      retracted           // keys read or deleted elsewhere (retract.go)
	order     []uint32
}

func newDesktopNotifier(log *slog.Logger) *desktopNotifier {
	n, err := notify.New(notify.Options{Logger: log})
	if err != nil {
		log.Warn("no desktop notifications", "err", err)
		return nil
	}
	return &desktopNotifier{n: n, log: log, keys: map[uint32][]string{}, iconPath: writeIcon(log)}
}

// writeIcon puts the app icon where the notification server can read it.
func writeIcon(log *slog.Logger) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	p := filepath.Join(dir, "mailbell", "icon.png")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return ""
	}
	if err := os.WriteFile(p, icon.Variant(view.IconNormal, 0, 128), 0o600); err != nil {
		log.Debug("notification icon not written", "err", err)
		return ""
	}
	return p
}

func (d *desktopNotifier) Show(p policy.Notification) error {
	d.mu.Lock()
	gone := d.gone.all(p.Keys)
	d.mu.Unlock()
	if gone {
		return nil // read elsewhere before it could be shown
	}
	n := notify.Notification{Summary: p.Summary, Body: p.Body, IconPath: d.iconPath, Category: notify.CategoryEmailArrived}
	withSoundAndPopup(&n, p)
	if d.n.SupportsActions() {
		n.Actions = []notify.Action{{Key: notify.DefaultAction, Label: l10n.T("notify.action.open")}}
		if len(p.Keys) == 1 {
			n.Actions = append(n.Actions, notify.Action{Key: actionMarkRead, Label: l10n.T("notify.action.mark_read")})
		}
		n.Actions = append(n.Actions, notify.Action{Key: actionShow, Label: l10n.T("notify.action.show")})
	}
	d.mu.Lock()
	if p.Group {
		n.ReplacesID = d.summaryID
	}
	d.mu.Unlock()
	id, err := d.n.Notify(n)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if p.Group {
		d.summaryID = id
	}
	if _, seen := d.keys[id]; !seen {
		d.order = append(d.order, id)
	}
	d.keys[id] = p.Keys
	for len(d.order) > 200 { // remember the recent ones only
		delete(d.keys, d.order[0])
		d.order = d.order[1:]
	}
	if d.gone.all(p.Keys) { // read elsewhere while it was being shown (retract.go)
		delete(d.keys, id)
		go d.n.CloseNotification(id)
	}
	return nil
}

// follow turns clicks on notifications into commands.
func (d *desktopNotifier) follow(ctx context.Context, core *app.Core) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-d.n.Actions():
			if !ok {
				return
			}
			d.mu.Lock()
			keys := d.keys[ev.ID]
			d.mu.Unlock()
			go d.act(ctx, core, ev.Key, keys)
		case ev, ok := <-d.n.Closed():
			if !ok {
				return
			}
			d.mu.Lock()
			closed := ev.ID == d.summaryID
			if closed {
				d.summaryID = 0 // gone: the next summary is a new notification
			}
			d.mu.Unlock()
			if closed {
				core.SummaryClosed()
			}
		}
	}
}

func (d *desktopNotifier) act(ctx context.Context, core *app.Core, action string, keys []string) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	switch action {
	case actionMarkRead:
		for _, k := range keys {
			if _, err := core.Do(ctx, control.Command{Cmd: control.CmdMarkRead, Message: k}); err != nil {
				d.log.Warn("mark as read failed", "err", err)
			}
		}
	case notify.DefaultAction:
		if _, err := core.Do(ctx, openMailCommand(keys)); err != nil {
			d.log.Warn("opening the mail failed", "err", err)
		}
	default:
		cmd := control.Command{Cmd: control.CmdShowWindow, View: control.ViewRecent}
		if len(keys) == 1 {
			cmd.Message = keys[0]
		}
		if _, err := core.Do(ctx, cmd); err != nil {
			d.log.Warn("opening the window failed", "err", err)
		}
	}
}

func (d *desktopNotifier) Close() { d.n.Close() }
