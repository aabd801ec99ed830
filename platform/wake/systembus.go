package wake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// errNoSystemBus: neither DBUS_SYSTEM_BUS_ADDRESS nor the standard socket.
var errNoSystemBus = errors.New("no D-Bus system bus (DBUS_SYSTEM_BUS_ADDRESS is unset and /run/dbus/system_bus_socket does not exist)")

// standardSystemBus are the D-Bus spec's default system bus socket and its
// older spelling.
var standardSystemBus = []string{"/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket"}

// systemBusAddress returns DBUS_SYSTEM_BUS_ADDRESS, else the standard
// socket when it exists. A system bus is never started by anyone but the
// OS, and "autolaunch:" (a session-bus mechanism) is refused.
func systemBusAddress() (string, error) {
	if a := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
		if strings.HasPrefix(a, "autolaunch:") {
			return "", errNoSystemBus
		}
		return a, nil
	}
	for _, p := range standardSystemBus {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Type() == os.ModeSocket {
			return "unix:path=" + dbus.EscapeBusAddressValue(p), nil
		}
	}
	return "", errNoSystemBus
}

// dialSystemBus opens a private connection to addr within timeout (godbus's
// handshake has none of its own: a hung bus would block forever). Signals
// are delivered in order (the sequential handler), which the debounce and
// the tests rely on.
func dialSystemBus(ctx context.Context, addr string, timeout time.Duration) (*dbus.Conn, error) {
	// The connection closes itself when connCtx ends: the timer unblocks a
	// hung handshake; on success it is stopped and connCtx ends with ctx.
	connCtx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(timeout, cancel)
	conn, err := dbus.Connect(addr, dbus.WithContext(connCtx), dbus.WithSignalHandler(dbus.NewSequentialSignalHandler()))
	if !timer.Stop() {
		if err == nil {
			conn.Close()
		}
		cancel()
		return nil, fmt.Errorf("connecting to the D-Bus system bus: no answer within %v", timeout)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("connecting to the D-Bus system bus: %w", err)
	}
	return conn, nil
}
