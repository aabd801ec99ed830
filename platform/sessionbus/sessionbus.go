// Package sessionbus finds and dials the D-Bus session bus without ever
// starting one.
//
// godbus, when DBUS_SESSION_BUS_ADDRESS is unset and /run/user/UID/bus does
// not exist, runs dbus-launch: that forks a bus daemon (and, through it,
// activated services) that outlives Mailbell. A notifier or a keyring lookup
// must never do that, so the notifier, the keyring check and the tray
// (ui/tray) go through here instead.
package sessionbus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// ErrNoBus means no session bus address could be found.
var ErrNoBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)")

// Address returns the session bus address: DBUS_SESSION_BUS_ADDRESS, else
// the systemd user bus socket, $XDG_RUNTIME_DIR/bus or /run/user/UID/bus
// (the places godbus and libdbus look). It never launches a bus.
func Address() (string, error) {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a, nil
	}
	var candidates []string
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		candidates = append(candidates, filepath.Join(d, "bus"))
	}
	candidates = append(candidates, filepath.Join("/run/user", strconv.Itoa(os.Getuid()), "bus"))
	for _, p := range candidates {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Type() == os.ModeSocket {
			return "unix:path=" + dbus.EscapeBusAddressValue(p), nil
		}
	}
	return "", ErrNoBus
}

// ConnectTimeout bounds dialling, authenticating and saying Hello.
var ConnectTimeout = 5 * time.Second

// Connect opens a private, authenticated connection to the session bus.
// The caller closes it. Errors wrap ErrNoBus when there is no address, and
// describe the dial failure otherwise. A socket whose server never answers
// (a hung or stale bus) fails after ConnectTimeout instead of blocking:
// godbus's handshake has no timeout of its own.
func Connect(opts ...dbus.ConnOption) (*dbus.Conn, error) {
	return ConnectContext(context.Background(), opts...)
}

// ConnectContext is Connect that also gives up when ctx ends, during the
// handshake or after: the connection closes itself when ctx ends, so pass a
// context that lives as long as the connection should.
func ConnectContext(ctx context.Context, opts ...dbus.ConnOption) (*dbus.Conn, error) {
	addr, err := Address()
	if err != nil {
		return nil, err
	}
	// The connection closes itself when its context ends, which unblocks
	// the handshake; on success the timer is stopped and the context lives
	// as long as the connection (or ctx).
	ctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(ConnectTimeout, cancel)
	conn, err := dbus.Connect(addr, append(opts, dbus.WithContext(ctx))...)
	if !timer.Stop() {
		if err == nil {
			conn.Close()
		}
		return nil, fmt.Errorf("connecting to the D-Bus session bus: no answer within %v", ConnectTimeout)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("connecting to the D-Bus session bus: %w", err)
	}
	return conn, nil
}
