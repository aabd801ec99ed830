// Package tray is Mailbell's tray icon and menu in the background process,
// drawn through fyne.io/systray (a StatusNotifierItem over D-Bus on Linux; no
// Fyne driver, no GL). BuildMenu turns a view snapshot into a plain Menu;
// Run shows it and keeps it live.
//
// systray keeps global state: one tray per process, and Run can be called
// only once.
package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/systray"

	"mailbell/app/control"
	"mailbell/app/view"
	"mailbell/ui/icon"
)

// Backend is the core as the tray sees it.
type Backend interface {
	// Snapshot is the current view model.
	Snapshot() view.Snapshot
	// Changes receives a value whenever the snapshot may have changed.
	// Notifications may be coalesced (a channel with a buffer of one, sent
	// to without blocking, is enough); a closed channel means no more.
	Changes() <-chan struct{}
	// Do runs a command from the menu. It must not block for long: clicks
	// that arrive meanwhile are dropped by systray.
	Do(cmd control.Command)
}

// Options tune Run. The zero value is fine.
type Options struct {
	// OnReady, if set, is called once the menu exists.
	OnReady func()
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// ErrAlreadyRan is returned by a second Run in the same process: systray's
// loop cannot be restarted once it has quit.
var ErrAlreadyRan = errors.New("tray: already ran in this process")

var ran atomic.Bool

// Title is the tray item's title (and its StatusNotifierItem Id).
const Title = "Mailbell"

// Run shows the tray and keeps it in step with b until ctx is done, then
// removes it and returns. It blocks. Without a D-Bus session bus it returns
// an error wrapping ErrNoBus at once (systray would panic on exit); with a
// bus but no tray host it runs, and the icon appears if a host starts later.
// Call Available first to tell the person why there is no icon.
//
// Choosing Quit in the menu only sends control.CmdQuit to b: the core
// decides, and cancels ctx.
//
// On exit systray closes the process's shared session-bus connection
// (dbus.SessionBus); later users of it get a new one.
func Run(ctx context.Context, b Backend, opts Options) (err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	probe, cancelProbe := context.WithTimeout(ctx, 3*time.Second)
	err = busReachable(probe)
	cancelProbe()
	if err != nil {
		return fmt.Errorf("tray: %w", err)
	}
	if !ran.CompareAndSwap(false, true) {
		return ErrAlreadyRan
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := &tray{b: b, opts: opts, ready: make(chan struct{})}

	// Set before systray exports the item, so the first look at it (its
	// Id, icon and tooltip) is already right.
	first := BuildMenu(b.Snapshot(), opts.Now())
	systray.SetTitle(Title)
	t.setIcon(first)
	systray.SetTooltip(first.Tooltip)
	// A left click opens the window; the menu stays on the right button.
	systray.SetOnTapped(func() { t.do(control.Command{Cmd: control.CmdShowWindow, View: control.ViewRecent}) })

	if g := startGuard(ctx, opts.Logger); g != nil {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			g.run(ctx)
		}()
	}
	go func() {
		<-ctx.Done()
		systray.Quit()
	}()
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("tray: systray failed: %v", r)
			}
		}()
		// On Windows the tray's hidden window gets its messages on the
		// thread that created it, where systray.Run also reads them: keep
		// this goroutine on one thread (harmless elsewhere).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		systray.Run(func() { t.onReady(ctx) }, nil)
	}()
	cancel()
	select {
	case <-t.ready:
	case <-time.After(5 * time.Second):
		opts.Logger.Warn("tray: the menu was never built")
		return err
	}
	t.wg.Wait()
	return err
}

type tray struct {
	b     Backend
	opts  Options
	ready chan struct{} // closed when onReady is done
	wg    sync.WaitGroup

	status *systray.MenuItem
	slots  [MaxSubjects]*systray.MenuItem
	opens  [MaxOpenMail]*systray.MenuItem // "Open mail" per account
	pause  *systray.MenuItem
	resume *systray.MenuItem

	open, check, settings, quit *systray.MenuItem
	lengths                     []*systray.MenuItem // the pause lengths

	mu       sync.Mutex
	shown    Menu // what the items show now
	rendered bool
}

func (t *tray) onReady(ctx context.Context) {
	defer close(t.ready)
	t.status = systray.AddMenuItem("", "")
	t.status.Disable()
	// systray cannot remove items cleanly, so the subject lines are fixed
	// slots, shown and hidden.
	for i := range t.slots {
		t.slots[i] = systray.AddMenuItem("", "")
		t.slots[i].Hide()
	}
	systray.AddSeparator()
	for i := range t.opens {
		t.opens[i] = systray.AddMenuItem("", "")
		t.opens[i].Hide()
	}
	// The fixed entries get their words in render, like the rest: a change
	// of language re-renders them.
	t.open = systray.AddMenuItem("", "")
	t.check = systray.AddMenuItem("", "")
	t.pause = systray.AddMenuItem("", "")
	pauseOpts := view.PauseOptions()
	t.lengths = make([]*systray.MenuItem, len(pauseOpts))
	for i := range pauseOpts {
		t.lengths[i] = t.pause.AddSubMenuItem("", "")
	}
	t.resume = t.pause.AddSubMenuItem("", "")
	t.settings = systray.AddMenuItem("", "")
	systray.AddSeparator()
	t.quit = systray.AddMenuItem("", "")
	open, check, lengths, settings, quit := t.open, t.check, t.lengths, t.settings, t.quit

	t.on(ctx, open, func() { t.do(control.Command{Cmd: control.CmdShowWindow, View: control.ViewRecent}) })
	t.on(ctx, check, func() { t.do(control.Command{Cmd: control.CmdCheckNow}) })
	for i, o := range pauseOpts {
		t.on(ctx, lengths[i], func() { t.do(control.Command{Cmd: control.CmdPause, Until: o.Until(t.opts.Now())}) })
	}
	t.on(ctx, t.resume, func() { t.do(control.Command{Cmd: control.CmdResume}) })
	t.on(ctx, settings, func() { t.do(control.Command{Cmd: control.CmdShowWindow, View: control.ViewSettings}) })
	t.on(ctx, quit, func() { t.do(control.Command{Cmd: control.CmdQuit}) })
	for i, slot := range t.slots {
		t.on(ctx, slot, func() {
			t.mu.Lock()
			var key string
			if i < len(t.shown.Subjects) {
				key = t.shown.Subjects[i].Key
			}
			t.mu.Unlock()
			if key != "" { // the core opens the mail, or the window at it
				t.do(control.Command{Cmd: control.CmdOpenMail, Message: key})
			}
		})
	}
	for i, item := range t.opens {
		t.on(ctx, item, func() {
			t.mu.Lock()
			var id string
			if i < len(t.shown.OpenMail) {
				id = t.shown.OpenMail[i].Account
			}
			t.mu.Unlock()
			if id != "" {
				t.do(control.Command{Cmd: control.CmdOpenMail, Account: id})
			}
		})
	}

	t.watchOpened(ctx) // opened.go
	t.render(BuildMenu(t.b.Snapshot(), t.opts.Now()))
	t.wg.Add(1)
	go t.loop(ctx)
	if t.opts.OnReady != nil {
		t.opts.OnReady()
	}
}

func (t *tray) setIcon(m Menu) {
	b, err := forSystray(icon.Variant(m.Icon, m.Unseen, icon.TraySize))
	if err != nil {
		t.opts.Logger.Warn("tray: icon", "err", err)
		b = icon.Variant(m.Icon, m.Unseen, icon.TraySize)
	}
	systray.SetIcon(b)
}

func (t *tray) do(cmd control.Command) {
	t.opts.Logger.Debug("tray: command", "cmd", cmd.Cmd, "view", cmd.View)
	t.b.Do(cmd)
}

// on runs fn for each click on item until ctx is done.
func (t *tray) on(ctx context.Context, item *systray.MenuItem, fn func()) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-item.ClickedCh:
				if !ok {
					return
				}
				fn()
			}
		}
	}()
}

// loop re-renders on every change from the core, and on a timer only while
// something on screen counts down (Menu.RefreshIn).
func (t *tray) loop(ctx context.Context) {
	defer t.wg.Done()
	changes := t.b.Changes()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		m := BuildMenu(t.b.Snapshot(), t.opts.Now())
		t.render(m)
		var tick <-chan time.Time
		if timer != nil {
			timer.Stop()
			timer = nil
		}
		if m.RefreshIn > 0 {
			timer = time.NewTimer(m.RefreshIn)
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				changes = nil // no more changes; timers still run
			}
		case <-tick:
		}
	}
}

// render copies m into the menu items, touching only what changed: each
// systray call sends D-Bus signals to the tray host.
func (t *tray) render(m Menu) {
	t.mu.Lock()
	prev, first := t.shown, !t.rendered
	t.shown, t.rendered = m, true
	t.mu.Unlock()

	if first || m.Icon != prev.Icon || (m.Icon == view.IconUnread && view.Badge(m.Unseen) != view.Badge(prev.Unseen)) {
		t.setIcon(m)
	}
	if first || m.Tooltip != prev.Tooltip {
		systray.SetTooltip(m.Tooltip)
	}
	if first || m.Status != prev.Status {
		t.status.SetTitle(menuLabel(m.Status))
	}
	for i, slot := range t.slots {
		have, had := i < len(m.Subjects), !first && i < len(prev.Subjects)
		if have && (!had || m.Subjects[i].Label != prev.Subjects[i].Label) {
			slot.SetTitle(menuLabel(m.Subjects[i].Label))
		}
		if first || have != had {
			if have {
				slot.Show()
			} else {
				slot.Hide()
			}
		}
	}
	for i, item := range t.opens {
		have, had := i < len(m.OpenMail), !first && i < len(prev.OpenMail)
		if have && (!had || m.OpenMail[i].Label != prev.OpenMail[i].Label) {
			item.SetTitle(menuLabel(m.OpenMail[i].Label))
		}
		if first || have != had {
			if have {
				item.Show()
			} else {
				item.Hide()
			}
		}
	}
	if first || m.PauseTitle != prev.PauseTitle {
		t.pause.SetTitle(menuLabel(m.PauseTitle))
	}
	t.renderLabels(m.Labels, prev.Labels, first)
	if first || m.CanResume != prev.CanResume {
		if m.CanResume {
			t.resume.Enable()
		} else {
			t.resume.Disable()
		}
	}
}

// renderLabels sets the fixed entries' words that changed (all at first):
// after a change of language the menu speaks the new one at once.
func (t *tray) renderLabels(l, prev Labels, first bool) {
	set := func(item *systray.MenuItem, now, before string) {
		if item != nil && (first || now != before) {
			item.SetTitle(menuLabel(now))
		}
	}
	set(t.open, l.Open, prev.Open)
	set(t.check, l.Check, prev.Check)
	set(t.resume, l.Resume, prev.Resume)
	set(t.settings, l.Settings, prev.Settings)
	set(t.quit, l.Quit, prev.Quit)
	for i, item := range t.lengths {
		var now, before string
		if i < len(l.Pauses) {
			now = l.Pauses[i]
		}
		if i < len(prev.Pauses) {
			before = prev.Pauses[i]
		}
		set(item, now, before)
	}
}
