//go:build windows

package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"git.sr.ht/~jackmordaunt/go-toast/v2/wintoast"
)

// Windows toasts through git.sr.ht/~jackmordaunt/go-toast/v2's wintoast
// package: pure Go over COM/WinRT (RoInitialize,
// ToastNotificationManager.CreateToastNotifierWithId, ToastNotifier.Show)
// and an in-process INotificationActivationCallback class factory, so a
// click on the toast or one of its buttons comes back to this process as
// the argument string toastXML wrote. No PowerShell: wintoast.Push is
// called without its PowerShell fallback (toast.Notification.Push would
// add it).
//
// What the library does not expose, and so this notifier does not do:
// withdrawing a shown toast (CloseNotification is a no-op; Windows keeps it
// in the Action Center), replacing one (ReplacesID shows a new toast), and
// reporting dismissals (Closed never delivers). A click after Mailbell quit
// starts nothing: no LocalServer32 activator is registered.

// toastAppID is the AppUserModelID toasts are shown under: the name
// Windows shows above them and in Settings > Notifications.
const toastAppID = "Mailbell"

// toastCLSID identifies Mailbell's activation callback class to Windows
// (the AppUserModelId key's CustomActivator). Fixed: Windows stores it.
const toastCLSID = "{6F1B6C53-8D0E-4D5B-9A52-3E0C5E8A9B21}"

// toastNotifier is the Windows Notifier.
type toastNotifier struct {
	opts Options
	ev   *events
	mu   sync.Mutex
	next uint32
}

// The wintoast activation callback is global: it hands clicks to the
// notifier New made last, until that one's Close.
var (
	toastMu      sync.Mutex
	toastCurrent *toastNotifier
)

// New returns the platform's notifier: on Windows, toasts with actions.
// It registers Mailbell's AppUserModelID under HKCU\Software\Classes
// (display name, activator, and the icon beside the executable when there
// is one, mailbell.png), which Windows requires before it shows a toast.
func New(opts Options) (Notifier, error) {
	opts = opts.withDefaults()
	data := wintoast.AppData{AppID: toastAppID, GUID: toastCLSID}
	if exe, err := os.Executable(); err == nil {
		if icon := filepath.Join(filepath.Dir(exe), "mailbell.png"); fileExists(icon) {
			data.IconPath = icon
		}
	}
	if err := wintoast.SetAppData(data); err != nil {
		return nil, noServer("cannot register Mailbell for toasts", err)
	}
	t := &toastNotifier{opts: opts, ev: newEvents(opts.Logger)}
	toastMu.Lock()
	toastCurrent = t
	toastMu.Unlock()
	wintoast.SetActivationCallback(func(_, args string, _ []wintoast.UserData) {
		// Runs on a COM thread: hand over without blocking (events.action
		// never blocks), and never to a closed notifier.
		ev, ok := parseToastArgs(args)
		toastMu.Lock()
		defer toastMu.Unlock()
		if ok && toastCurrent != nil {
			toastCurrent.ev.action(ev)
		}
	})
	return t, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Notify shows n as a toast. A toast cannot be replaced in place here, so
// ReplacesID only keeps the id.
func (t *toastNotifier) Notify(n Notification) (uint32, error) {
	t.mu.Lock()
	id := n.ReplacesID
	if id == 0 {
		t.next++
		id = t.next
	}
	t.mu.Unlock()
	if err := wintoast.Push(toastAppID, toastXML(id, n)); err != nil {
		return 0, fmt.Errorf("windows toast: %w", err)
	}
	return id, nil
}

// CloseNotification does nothing: see the file comment.
func (t *toastNotifier) CloseNotification(uint32) error { return nil }

// SupportsActions: toasts have buttons and report clicks.
func (t *toastNotifier) SupportsActions() bool { return true }

// Actions delivers clicks on toasts and their buttons.
func (t *toastNotifier) Actions() <-chan ActionEvent { return t.ev.actions }

// Closed never delivers: wintoast reports no dismissals.
func (t *toastNotifier) Closed() <-chan ClosedEvent { return t.ev.closed }

// Close stops reporting clicks.
func (t *toastNotifier) Close() error {
	toastMu.Lock()
	if toastCurrent == t {
		toastCurrent = nil
	}
	toastMu.Unlock()
	t.ev.close()
	return nil
}
