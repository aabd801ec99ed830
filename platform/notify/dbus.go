//go:build !windows && !darwin

package notify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/platform/sessionbus"
)

const (
	busName   = "org.freedesktop.Notifications"
	busPath   = dbus.ObjectPath("/org/freedesktop/Notifications")
	busIface  = "org.freedesktop.Notifications"
	callLimit = 5 * time.Second // no call to the server may block the caller longer

	// maxTracked bounds the ids remembered for filtering signals: a server
	// that never reports closes must not grow the map forever.
	maxTracked = 4096
)

// New returns the platform's notifier: DBus here.
func New(opts Options) (Notifier, error) { return DBus(opts) }

// DBusNotifier speaks org.freedesktop.Notifications on its own private
// session-bus connection.
type DBusNotifier struct {
	opts Options
	conn *dbus.Conn
	obj  dbus.BusObject
	ev   *events
	sigs chan *dbus.Signal

	loopDone  chan struct{}
	closeOnce sync.Once
	closeErr  error

	// mu guards the fields below. Notify holds it across its call so the
	// signal loop cannot look up an id before Notify recorded it.
	mu     sync.Mutex
	owner  string              // unique bus name of the server; signals from anyone else are ignored
	caps   map[string]bool     // the server's capabilities
	ids    map[uint32]struct{} // notifications of ours that are still open
	idList []uint32            // insertion order, to bound ids
	info   ServerInfo
}

// ServerInfo is what the server says about itself.
type ServerInfo struct {
	Name, Vendor, Version, SpecVersion string
}

// DBus connects to the session bus and the notification server on it. The
// error wraps ErrNoNotificationServer when there is no bus or no server.
// It never starts a bus (see platform/sessionbus); on a desktop
// bus, asking for the capabilities starts the server if it is activatable.
func DBus(opts Options) (*DBusNotifier, error) {
	opts = opts.withDefaults()
	conn, err := sessionbus.Connect()
	if err != nil {
		if errors.Is(err, sessionbus.ErrNoBus) {
			return nil, noServer("no D-Bus session bus", err)
		}
		return nil, noServer("cannot connect to the D-Bus session bus", err)
	}
	d := &DBusNotifier{
		opts:     opts,
		conn:     conn,
		obj:      conn.Object(busName, busPath),
		ev:       newEvents(opts.Logger),
		sigs:     make(chan *dbus.Signal, eventQueueSize),
		loopDone: make(chan struct{}),
		ids:      map[uint32]struct{}{},
	}
	if err := d.init(); err != nil {
		conn.Close()
		return nil, err
	}
	go d.loop()
	return d, nil
}

func (d *DBusNotifier) init() error {
	ctx, cancel := context.WithTimeout(context.Background(), callLimit)
	defer cancel()
	// Signals first, so none is missed between the first Notify and here.
	// The sender match makes the bus drop look-alike signals from other
	// clients; the loop checks the sender again for unicast ones.
	if err := d.conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender(busName),
		dbus.WithMatchObjectPath(busPath),
		dbus.WithMatchInterface(busIface),
	); err != nil {
		return fmt.Errorf("notify: subscribing to the notification server's signals: %w", err)
	}
	if err := d.conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, busName),
	); err != nil {
		return fmt.Errorf("notify: subscribing to NameOwnerChanged: %w", err)
	}
	d.conn.Signal(d.sigs)

	// Asking for the capabilities also activates the server where the bus
	// can (a desktop session); a private bus without one answers at once.
	caps, err := d.fetchCaps(ctx)
	if err != nil {
		return err
	}
	var owner string
	if err := d.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, busName).Store(&owner); err != nil {
		return noServer("the notification server went away", err)
	}
	var info ServerInfo
	if err := d.obj.CallWithContext(ctx, busIface+".GetServerInformation", 0).Store(&info.Name, &info.Vendor, &info.Version, &info.SpecVersion); err != nil {
		d.opts.Logger.Debug("notification server has no GetServerInformation", "err", err)
	}
	d.mu.Lock()
	d.caps, d.owner, d.info = caps, owner, info
	d.mu.Unlock()
	d.opts.Logger.Debug("notification server", "name", info.Name, "version", info.Version, "actions", caps["actions"], "body-markup", caps["body-markup"])
	return nil
}

func (d *DBusNotifier) fetchCaps(ctx context.Context) (map[string]bool, error) {
	var list []string
	if err := d.obj.CallWithContext(ctx, busIface+".GetCapabilities", 0).Store(&list); err != nil {
		return nil, serverError(err)
	}
	caps := make(map[string]bool, len(list))
	for _, c := range list {
		caps[c] = true
	}
	return caps, nil
}

// serverError says in words why the server could not be reached.
func serverError(err error) error {
	var de dbus.Error
	var pde *dbus.Error
	name := ""
	if errors.As(err, &de) {
		name = de.Name
	} else if errors.As(err, &pde) {
		name = pde.Name
	}
	switch {
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		return noServer("nothing on the session bus shows notifications (org.freedesktop.Notifications)", err)
	case errors.Is(err, context.DeadlineExceeded):
		return noServer(fmt.Sprintf("the notification server did not answer within %v", callLimit), err)
	case name != "":
		return noServer("the notification server refused ("+name+")", err)
	}
	return noServer("the session bus connection failed", err)
}

// SupportsActions implements Notifier.
func (d *DBusNotifier) SupportsActions() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.caps["actions"]
}

// Capabilities returns the server's capability list as a set.
func (d *DBusNotifier) Capabilities() map[string]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]bool, len(d.caps))
	for k, v := range d.caps {
		out[k] = v
	}
	return out
}

// ServerInfo returns what the server said about itself at connect time.
func (d *DBusNotifier) ServerInfo() ServerInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.info
}

// Actions implements Notifier.
func (d *DBusNotifier) Actions() <-chan ActionEvent { return d.ev.actions }

// Closed implements Notifier.
func (d *DBusNotifier) Closed() <-chan ClosedEvent { return d.ev.closed }

// markupCaps are the capabilities after which a server parses tags in the
// body: body-markup (<b>, <i>, ...), body-hyperlinks (<a href>) and
// body-images (<img>). A server may advertise the last two without the first
// (dunst 1.9 advertises body-hyperlinks with markup=no), and still reads
// <a href="..."> in the body: a hostile subject would become a link. So the
// body is escaped when any one of them is there.
var markupCaps = [...]string{"body-markup", "body-hyperlinks", "body-images"}

// parsesMarkup reports whether the server reads tags in the body. Caller
// holds d.mu.
func (d *DBusNotifier) parsesMarkup() bool {
	for _, c := range markupCaps {
		if d.caps[c] {
			return true
		}
	}
	return false
}

// SupportsSound reports whether the server plays sounds itself (the
// "sound" capability); without it the notifier's Player does.
func (d *DBusNotifier) SupportsSound() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.caps["sound"]
}

// soundHints adds the sound hints for a server with the "sound" capability
// and reports whether the notifier must play the sound itself. Caller holds
// d.mu.
func (d *DBusNotifier) soundHints(hints map[string]dbus.Variant, s Sound) (playLocally bool) {
	if !d.caps["sound"] {
		return !s.IsZero()
	}
	switch {
	case s.File != "":
		hints["sound-file"] = dbus.MakeVariant(s.File)
	case s.Name != "":
		hints["sound-name"] = dbus.MakeVariant(s.Name)
	default:
		hints["suppress-sound"] = dbus.MakeVariant(true)
	}
	return false
}

// Notify implements Notifier.
func (d *DBusNotifier) Notify(n Notification) (uint32, error) {
	// Registered before the lock so it runs after the unlock: starting a
	// player is a fork and exec the signal loop need not wait for.
	playLocally := false
	shown := false
	defer func() {
		if playLocally && shown {
			if err := d.opts.Player.Play(n.Sound.Name, n.Sound.File); err != nil {
				d.opts.Logger.Debug("notification sound not played", "err", err)
			}
		}
	}()
	d.mu.Lock()
	defer d.mu.Unlock()

	actions := []string{}
	if d.caps["actions"] {
		for _, a := range n.Actions {
			if a.Key == "" {
				continue
			}
			actions = append(actions, a.Key, a.Label)
		}
	}
	body := n.Body
	if d.parsesMarkup() {
		body = escapeMarkup(body)
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(n.Urgency.specByte()),
		"desktop-entry": dbus.MakeVariant(d.opts.DesktopEntry),
	}
	if n.Category != "" {
		hints["category"] = dbus.MakeVariant(n.Category)
	}
	icon := n.IconPath
	if filepath.IsAbs(icon) {
		// The spec's way to name an image file; app_icon takes a file://
		// URI or a theme name, and servers differ in handling plain paths.
		hints["image-path"] = dbus.MakeVariant(icon)
	}
	playLocally = d.soundHints(hints, n.Sound)
	expire := int32(-1)
	switch {
	case n.Persistent:
		expire = 0
		if d.caps["persistence"] {
			hints["resident"] = dbus.MakeVariant(true)
		}
	case n.Timeout < 0:
		expire = 0
	case n.Timeout > 0:
		expire = int32(min(n.Timeout.Milliseconds(), math.MaxInt32))
		if expire == 0 {
			expire = 1
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), callLimit)
	defer cancel()
	var id uint32
	err := d.obj.CallWithContext(ctx, busIface+".Notify", 0,
		d.opts.AppName, n.ReplacesID, icon, n.Summary, body, actions, hints, expire).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: %w", serverError(err))
	}
	d.track(id)
	shown = true
	return id, nil
}

// track remembers id as ours; mu is held.
func (d *DBusNotifier) track(id uint32) {
	if _, ok := d.ids[id]; ok {
		return
	}
	d.ids[id] = struct{}{}
	d.idList = append(d.idList, id)
	for len(d.ids) > maxTracked && len(d.idList) > 0 {
		delete(d.ids, d.idList[0])
		d.idList = d.idList[1:]
	}
	if len(d.idList) > 2*maxTracked { // compact away ids deleted by close events
		kept := d.idList[:0]
		for _, v := range d.idList {
			if _, ok := d.ids[v]; ok {
				kept = append(kept, v)
			}
		}
		d.idList = kept
	}
}

// CloseNotification implements Notifier.
func (d *DBusNotifier) CloseNotification(id uint32) error {
	ctx, cancel := context.WithTimeout(context.Background(), callLimit)
	defer cancel()
	if err := d.obj.CallWithContext(ctx, busIface+".CloseNotification", 0, id).Err; err != nil {
		return fmt.Errorf("notify: closing notification %d: %w", id, serverError(err))
	}
	return nil
}

// Close implements Notifier. The notifications already shown stay.
func (d *DBusNotifier) Close() error {
	d.closeOnce.Do(func() {
		// Closing the connection closes d.sigs, which ends the loop.
		d.closeErr = d.conn.Close()
		<-d.loopDone
	})
	return d.closeErr
}

// loop turns the server's signals into events.
func (d *DBusNotifier) loop() {
	defer close(d.loopDone)
	defer d.ev.close()
	for sig := range d.sigs {
		switch sig.Name {
		case "org.freedesktop.DBus.NameOwnerChanged":
			d.ownerChanged(sig)
		case busIface + ".ActionInvoked":
			var id uint32
			var key string
			if sig.Path != busPath || dbus.Store(sig.Body, &id, &key) != nil {
				continue
			}
			if d.ours(sig.Sender, id, false) {
				d.ev.action(ActionEvent{ID: id, Key: key})
			}
		case busIface + ".NotificationClosed":
			var id, reason uint32
			if sig.Path != busPath || dbus.Store(sig.Body, &id, &reason) != nil {
				continue
			}
			if d.ours(sig.Sender, id, true) {
				d.ev.closedEv(ClosedEvent{ID: id, Reason: CloseReason(reason)})
			}
		}
	}
}

// ours reports whether a signal comes from the current server and is about
// one of our notifications; forget drops the id afterwards. Servers may
// broadcast these signals to every client, and any client can send a
// look-alike to us directly: both are ignored.
func (d *DBusNotifier) ours(sender string, id uint32, forget bool) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if sender == "" || sender != d.owner {
		return false
	}
	if _, ok := d.ids[id]; !ok {
		return false
	}
	if forget {
		delete(d.ids, id)
	}
	return true
}

// ownerChanged follows a server restart or replacement: new owner, new
// capabilities, and the old ids mean nothing any more.
func (d *DBusNotifier) ownerChanged(sig *dbus.Signal) {
	var name, oldOwner, newOwner string
	if sig.Sender != "org.freedesktop.DBus" || dbus.Store(sig.Body, &name, &oldOwner, &newOwner) != nil || name != busName {
		return
	}
	d.mu.Lock()
	d.owner = newOwner
	d.ids = map[uint32]struct{}{}
	d.idList = nil
	d.mu.Unlock()
	if newOwner == "" {
		d.opts.Logger.Info("the notification server quit")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), callLimit)
	defer cancel()
	caps, err := d.fetchCaps(ctx)
	if err != nil {
		d.opts.Logger.Warn("new notification server did not tell its capabilities", "err", err)
		return
	}
	d.mu.Lock()
	d.caps = caps
	d.mu.Unlock()
	d.opts.Logger.Info("a new notification server took over", "actions", caps["actions"])
}
