package tray

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/platform/sessionbus"
)

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	watcherIface = "org.kde.StatusNotifierWatcher"
)

// NoHostHint ends the message shown when there is no tray host.
const NoHostHint = "GNOME needs the AppIndicator extension"

// Available reports whether a tray icon can be shown, and if not, why, in a
// sentence fit for a log line or a notification. On Linux and the BSDs the
// tray is a StatusNotifierItem on the D-Bus session bus, so this checks that
// the bus answers and that something owns org.kde.StatusNotifierWatcher (the
// desktop's tray host). It never starts a bus (no dbus-launch fallback) and
// gives up after 3 s.
//
// Run needs only the bus: with a bus but no watcher the tray still starts and
// shows up as soon as a host appears (systray re-registers when the
// watcher's name gets an owner).
func Available() (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return AvailableContext(ctx)
}

// AvailableContext is Available with the caller's deadline.
func AvailableContext(ctx context.Context) (bool, string) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return true, "" // a native notification area, always there
	}
	conn, err := sessionBus(ctx)
	if err != nil {
		return false, fmt.Sprintf("no tray: %v", err)
	}
	defer conn.Close()

	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned)
	if err != nil {
		return false, fmt.Sprintf("no tray: asking the session bus for a tray host failed: %v", err)
	}
	if !owned {
		return false, "no tray host: nothing on the session bus provides " + watcherName + " (" + NoHostHint + ")"
	}
	// A watcher without a host (the part that draws icons) shows nothing.
	// Watchers that do not say are given the benefit of the doubt.
	var host dbus.Variant
	err = conn.Object(watcherName, watcherPath).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, watcherIface, "IsStatusNotifierHostRegistered").Store(&host)
	if err == nil {
		if ok, isBool := host.Value().(bool); isBool && !ok {
			return false, "no tray host: " + watcherName + " runs but no tray host has registered with it (" + NoHostHint + ")"
		}
	}
	return true, ""
}

// ErrNoBus is wrapped by the errors of Run when the session bus cannot be
// reached.
var ErrNoBus = errors.New("no D-Bus session bus")

// sessionBus opens a private, authenticated connection to the session bus
// through platform/sessionbus (never dbus-launch, which would start a daemon
// that outlives us); the connection closes when ctx ends.
func sessionBus(ctx context.Context) (*dbus.Conn, error) {
	conn, err := sessionbus.ConnectContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoBus, err)
	}
	return conn, nil
}

// busReachable is Run's precondition: systray without a bus logs an error,
// keeps going, and then panics in Quit (it closes a nil connection).
func busReachable(ctx context.Context) error {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return nil
	}
	conn, err := sessionBus(ctx)
	if err != nil {
		return err
	}
	return conn.Close()
}
