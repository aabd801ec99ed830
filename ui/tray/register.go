package tray

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// systrayItemName is the well-known name fyne.io/systray (v1.12.2) takes for
// its StatusNotifierItem, served at /StatusNotifierItem.
func systrayItemName() string { return fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid()) }

// registrationGuard closes a gap in systray's start-up: it calls
// RegisterStatusNotifierItem once, and only then subscribes to the
// watcher's NameOwnerChanged. A tray host that appears in between — easy
// when Mailbell autostarts together with the panel — is never told about
// the item, and no icon ever shows.
//
// The guard is started before systray when no watcher exists yet. When one
// first appears it gives systray a second to register by itself, then looks
// at the watcher's RegisteredStatusNotifierItems and, only if the item is
// missing, registers it by its well-known name. Then it is done: later
// watcher restarts are caught by systray's own subscription, which is in
// place by then. Without a watcher it just waits on an idle connection.
type registrationGuard struct {
	conn *dbus.Conn
	sigs chan *dbus.Signal
	log  *slog.Logger
}

// startGuard returns nil when a watcher is already there (systray's first
// registration will reach it) or the bus cannot be used.
func startGuard(ctx context.Context, log *slog.Logger) *registrationGuard {
	conn, err := sessionBus(ctx)
	if err != nil {
		return nil
	}
	g := &registrationGuard{conn: conn, sigs: make(chan *dbus.Signal, 8), log: log}
	// Subscribe first, then look: a watcher appearing between the two is
	// still seen.
	err = conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName))
	if err != nil {
		conn.Close()
		return nil
	}
	conn.Signal(g.sigs)
	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned); err != nil || owned {
		conn.Close()
		return nil
	}
	return g
}

// run waits for a watcher (or ctx), checks the registration and closes the
// guard's connection.
func (g *registrationGuard) run(ctx context.Context) {
	defer g.conn.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-g.sigs:
			if !ok {
				return
			}
			if len(sig.Body) < 3 {
				continue
			}
			if newOwner, _ := sig.Body[2].(string); newOwner == "" {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			g.check(ctx)
			return
		}
	}
}

func (g *registrationGuard) check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	name := systrayItemName()
	var owner string
	if err := g.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, name).Store(&owner); err != nil {
		g.log.Debug("tray: systray's item is not on the bus", "err", err)
		return
	}
	var v dbus.Variant
	err := g.conn.Object(watcherName, watcherPath).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, watcherIface, "RegisteredStatusNotifierItems").Store(&v)
	if err != nil {
		g.log.Debug("tray: reading the tray host's items", "err", err)
		return
	}
	items, _ := v.Value().([]string)
	for _, it := range items {
		// Watchers list "service/path" (KDE, GNOME's AppIndicator
		// extension, snixembed); the service is the unique name when
		// systray registered itself.
		if strings.HasPrefix(it, owner) || strings.HasPrefix(it, name) {
			return
		}
	}
	err = g.conn.Object(watcherName, watcherPath).CallWithContext(ctx,
		watcherIface+".RegisterStatusNotifierItem", 0, name).Err
	if err != nil {
		g.log.Warn("tray: registering with the tray host", "err", err)
		return
	}
	g.log.Info("tray: registered with a tray host that appeared during start-up")
}
