package window

import (
	"os"

	"mailbell/platform/sessionbus"
)

// pinSessionBus keeps Fyne's D-Bus clients (godbus) from starting a session
// bus: with DBUS_SESSION_BUS_ADDRESS unset and no bus socket where godbus
// looks, godbus runs dbus-launch, whose daemon outlives the window. The
// window opens without a tray host and without any bus too (the background
// process starts it at every start then), so it must cope. An unset
// variable is set to the bus platform/sessionbus finds, or else to a socket
// that does not exist: "no bus", never a new one.
func pinSessionBus() {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return
	}
	addr, err := sessionbus.Address()
	if err != nil {
		addr = "unix:path=/nonexistent/mailbell-no-session-bus"
	}
	_ = os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
}
