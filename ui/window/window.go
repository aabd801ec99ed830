// Package window is the window process's UI: the recent-mail window and the
// settings window. The process is a client of the core's control socket
// (Backend); it exits when its last window closes.
//
// Threading: every widget is touched on Fyne's UI goroutine only. Snapshots,
// show requests, timers and the answers of the core (settings saved, a
// connection tested) arrive on other goroutines and are handed over with
// fyne.Do. Nothing on the UI goroutine waits on the socket.
//
// The window process never writes config.json nor touches the keyring: it
// asks the core, their only owner (ui/settings).
package window

import (
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"mailbell/app/control"
	"mailbell/app/view"
	"mailbell/ui/settings"
)

// Backend is the window process's link to the core (control.Client).
type Backend interface {
	// Snapshots delivers the view model; only the latest one matters.
	// It is closed when the connection to the core ends.
	Snapshots() <-chan view.Snapshot
	// Shows delivers EvShow requests: bring up a view, maybe at a message.
	Shows() <-chan control.Event
	// Send sends a command to the core.
	Send(cmd control.Command) error
	// Request sends a command and waits for its reply (the settings).
	settings.Backend
}

// The control socket's client is the Backend the window process uses.
var _ Backend = (*control.Client)(nil)

// Deps are what the windows need besides the core.
type Deps struct {
	// ConfigDir is the config folder, for words only: the window reads and
	// writes nothing there (the core owns config.json).
	ConfigDir string
	Logger    *slog.Logger
	Now       func() time.Time // nil: time.Now
	// NoTray: the desktop shows no tray icon (the background process
	// found no tray host). The windows say how to get one and offer Quit.
	NoTray bool
	// Discover finds an address's settings for the first-run window; nil:
	// discover.Lookup with discover.OptionsFromEnv (setup.go).
	Discover Discoverer
	// SignIn is the OAuth2 sign-in the first-run window offers; nil: none
	// in this build (the button says so).
	SignIn settings.SignIn
}

// UI owns the windows of the window process.
type UI struct {
	app  fyne.App
	b    Backend
	deps Deps
	log  *slog.Logger
	now  func() time.Time
	// do runs f on the UI goroutine (fyne.Do); tests replace it with a queue
	// they drain themselves, because the test driver runs fyne.Do inline.
	do   func(f func())
	quit func()

	cmds     chan control.Command
	gone     chan struct{} // closed when the last window closes: UI work is dropped
	goneOnce sync.Once
	stop     chan struct{} // closed by Stop: the command sender drains and ends
	stopOnce sync.Once
	wg       sync.WaitGroup
	work     sync.WaitGroup // requests to the core in flight: Stop waits for them

	// latest snapshot not yet applied; guarded by mu
	mu      sync.Mutex
	pending *view.Snapshot
	posted  bool

	// UI goroutine only
	snap         view.Snapshot
	haveSnap     bool
	disconnected bool
	recent       *recentWindow
	settings     *settingsWindow
	setup        *setupWindow
	quitting     bool
}

// Run opens the view initial asks for (an EvShow event; zero: the recent
// window), follows the core until the last window closes, then returns
// once saves in flight are written and their reload sent.
// Call it on the main goroutine: it runs a's event loop.
func Run(a fyne.App, b Backend, deps Deps, initial control.Event) {
	u := Start(a, b, deps, initial)
	a.Run()
	u.Stop()
}

// Start opens the first window and starts following the core, without
// running the app's event loop. Call it on the UI goroutine (or before
// a.Run()).
func Start(a fyne.App, b Backend, deps Deps, initial control.Event) *UI {
	u := newUI(a, b, deps, fyne.Do)
	u.Show(initial)
	u.follow()
	return u
}

func newUI(a fyne.App, b Backend, deps Deps, do func(func())) *UI {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	u := &UI{
		app:  a,
		b:    b,
		deps: deps,
		log:  deps.Logger,
		now:  deps.Now,
		do:   do,
		quit: a.Quit,
		cmds: make(chan control.Command, 64),
		gone: make(chan struct{}),
		stop: make(chan struct{}),
	}
	return u
}

// follow starts the goroutines that read the core and send commands.
func (u *UI) follow() {
	u.wg.Add(3)
	go func() {
		defer u.wg.Done()
		snaps := u.b.Snapshots()
		for {
			select {
			case s, ok := <-snaps:
				if !ok {
					u.ui(u.lostCore)
					return
				}
				u.post(s)
			case <-u.gone:
				return
			}
		}
	}()
	go func() {
		defer u.wg.Done()
		shows := u.b.Shows()
		for {
			select {
			case ev, ok := <-shows:
				if !ok {
					return
				}
				u.ui(func() { u.Show(ev) })
			case <-u.gone:
				return
			}
		}
	}()
	go func() {
		defer u.wg.Done()
		sendCmd := func(cmd control.Command) {
			if err := u.b.Send(cmd); err != nil {
				u.log.Warn("command to the core failed", "cmd", cmd.Cmd, "err", err)
			}
		}
		for {
			select {
			case cmd := <-u.cmds:
				sendCmd(cmd)
			case <-u.stop:
				for { // what was queued still goes out (a save's reload)
					select {
					case cmd := <-u.cmds:
						sendCmd(cmd)
					default:
						return
					}
				}
			}
		}
	}()
}

// Stop ends the goroutines Start began, after the saves in flight have
// finished and the commands queued have gone to the Backend. The windows
// are left to the app.
func (u *UI) Stop() {
	u.goneOnce.Do(func() { close(u.gone) })
	u.work.Wait()
	u.stopOnce.Do(func() { close(u.stop) })
	u.wg.Wait()
}

// ui runs f on the UI goroutine, unless the UI has stopped: once the app
// quits, Fyne runs queued functions on the caller's goroutine instead.
func (u *UI) ui(f func()) {
	select {
	case <-u.gone:
		return
	default:
	}
	u.do(func() {
		select {
		case <-u.gone:
		default:
			f()
		}
	})
}

// post keeps the latest snapshot and schedules one apply for however many
// arrive before the UI goroutine gets to it.
func (u *UI) post(s view.Snapshot) {
	u.mu.Lock()
	u.pending = &s
	schedule := !u.posted
	u.posted = true
	u.mu.Unlock()
	if schedule {
		u.ui(u.applyPending)
	}
}

func (u *UI) applyPending() {
	u.mu.Lock()
	s := u.pending
	u.pending, u.posted = nil, false
	u.mu.Unlock()
	if s != nil {
		u.apply(*s)
	}
}

// apply shows a snapshot. UI goroutine.
func (u *UI) apply(s view.Snapshot) {
	u.snap, u.haveSnap, u.disconnected = s, true, false
	if u.recent != nil {
		u.recent.update()
	}
}

func (u *UI) lostCore() {
	u.disconnected = true
	if u.recent != nil {
		u.recent.update()
	}
}

// send queues a command for the core; the socket write happens elsewhere.
func (u *UI) send(cmd control.Command) {
	select {
	case u.cmds <- cmd:
	default:
		u.log.Warn("command queue full; dropped", "cmd", cmd.Cmd)
	}
}

// Show brings up the view an EvShow event names. UI goroutine.
func (u *UI) Show(ev control.Event) {
	switch ev.View {
	case control.ViewSettings:
		u.openSettings(ev.Message) // for settings, Message is an account id to select
	case control.ViewSetup:
		u.openSetup()
	default:
		r := u.openRecent()
		if ev.Message != "" {
			r.ShowMessage(ev.Message)
		}
	}
}

// OpenRecent shows (or raises) the recent-mail window. UI goroutine.
func (u *UI) OpenRecent() { u.openRecent() }

// ShowMessage shows the recent-mail window scrolled to the message with the
// given key (view.Message.Key) and selects it, which marks it read. A
// message not in the list yet is shown when it arrives. UI goroutine.
func (u *UI) ShowMessage(key string) { u.openRecent().ShowMessage(key) }

func (u *UI) openRecent() *recentWindow {
	if u.recent == nil {
		r := newRecentWindow(u)
		u.recent = r
		r.w.SetOnClosed(func() {
			r.closed()
			if u.recent == r {
				u.recent = nil
			}
			u.windowClosed()
		})
		r.update()
	}
	u.recent.w.Show()
	u.recent.w.RequestFocus()
	return u.recent
}

// OpenSettings shows (or raises) the settings window, with the account
// whose id is given selected ("" leaves the selection). UI goroutine.
func (u *UI) OpenSettings(accountID string) { u.openSettings(accountID) }

func (u *UI) openSettings(accountID string) *settingsWindow {
	if u.settings == nil {
		s := newSettingsWindow(u)
		u.settings = s
		s.w.SetOnClosed(func() {
			s.closed()
			if u.settings == s {
				u.settings = nil
			}
			u.windowClosed()
		})
	}
	if accountID != "" {
		u.settings.selectAccount(accountID)
	}
	u.settings.w.Show()
	u.settings.w.RequestFocus()
	return u.settings
}

// windowClosed quits the app when no window is left. No window is ever the
// master (closing a master window would quit while another is still open);
// this bookkeeping decides instead.
func (u *UI) windowClosed() {
	if u.recent != nil || u.settings != nil || u.setup != nil || u.quitting {
		return
	}
	u.quitting = true
	u.goneOnce.Do(func() { close(u.gone) })
	u.quit()
}
