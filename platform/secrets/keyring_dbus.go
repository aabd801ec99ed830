//go:build !windows && !darwin

package secrets

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	dbus "github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"mailbell/platform/sessionbus"
)

// keyringAvailable refuses early when there is no session bus at all:
// go-keyring would otherwise let godbus run dbus-launch, which starts a bus
// daemon that outlives Mailbell and still holds no keyring.
func keyringAvailable() error {
	if _, err := sessionbus.Address(); err != nil {
		return withCause(ErrNoKeyring, err)
	}
	return nil
}

func classifyPlatform(err error) error {
	out := classifyDBus(err)
	// D-Bus error texts come from the bus or the keyring daemon and never
	// hold the secret (it travels in a struct, not in messages), so they are
	// safe in a debug log.
	slog.Debug("keyring call failed", "error", out.Error(), "cause", err.Error())
	return out
}

func classifyDBus(err error) error {
	var name string
	var de dbus.Error
	var pde *dbus.Error
	switch {
	case errors.As(err, &de):
		name = de.Name
	case errors.As(err, &pde):
		name = pde.Name
	}
	switch {
	case name == "":
		// Not a D-Bus error reply. go-keyring's own unlock failure is a
		// plain error; anything else failed before a reply could come:
		// dialling the bus, authenticating, a closed connection.
		if errors.Is(err, keyring.ErrSetDataTooBig) {
			return withCause(errors.New("password too long for the keyring"), err)
		}
		if strings.HasPrefix(err.Error(), "failed to unlock") {
			return withCause(ErrKeyringLocked, err)
		}
		return withCause(ErrNoKeyring, err)
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		name == "org.freedesktop.DBus.Error.NoServer",
		name == "org.freedesktop.DBus.Error.Disconnected",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		return withCause(ErrNoKeyring, err)
	case name == "org.freedesktop.DBus.Error.NoReply",
		name == "org.freedesktop.DBus.Error.Timeout",
		name == "org.freedesktop.DBus.Error.TimedOut":
		return withCause(ErrKeyringTimeout, err)
	case name == "org.freedesktop.Secret.Error.IsLocked":
		return withCause(ErrKeyringLocked, err)
	case name == "org.freedesktop.Secret.Error.NoSuchObject",
		name == "org.freedesktop.DBus.Error.UnknownObject":
		return withCause(ErrNoCollection, err)
	}
	// Only the error's name: its message is the service's text, which the
	// person cannot act on and which this package promises not to show.
	return withCause(fmt.Errorf("keyring refused the request (%s)", name), err)
}
