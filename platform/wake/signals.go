package wake

import (
	"context"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// logind (systemd-logind, elogind).
const (
	logindName  = "org.freedesktop.login1"
	logindPath  = dbus.ObjectPath("/org/freedesktop/login1")
	logindIface = "org.freedesktop.login1.Manager"
	// PrepareForSleep(b): true before a suspend or hibernation, false
	// after the resume.
	logindPrepareForSleep = "PrepareForSleep"
)

// NetworkManager.
const (
	nmName  = "org.freedesktop.NetworkManager"
	nmPath  = dbus.ObjectPath("/org/freedesktop/NetworkManager")
	nmIface = "org.freedesktop.NetworkManager"
	// StateChanged(u state): NM's own (older, still sent) signal.
	nmStateChanged     = "StateChanged"
	propsIface         = "org.freedesktop.DBus.Properties"
	propsChanged       = "PropertiesChanged"
	nmStateProperty    = "State"
	nmConnProperty     = "Connectivity"
	nmStateConnected   = uint32(70) // NM_STATE_CONNECTED_GLOBAL
	nmConnectivityFull = uint32(4)  // NM_CONNECTIVITY_FULL
)

// subscribe adds the bus match rules for the signals the watcher uses.
// The rules name the well-known senders, so only the real logind and
// NetworkManager (whoever owns those names) are heard.
func subscribe(ctx context.Context, conn *dbus.Conn) error {
	rules := [][]dbus.MatchOption{
		{dbus.WithMatchSender(logindName), dbus.WithMatchObjectPath(logindPath),
			dbus.WithMatchInterface(logindIface), dbus.WithMatchMember(logindPrepareForSleep)},
		{dbus.WithMatchSender(nmName), dbus.WithMatchObjectPath(nmPath),
			dbus.WithMatchInterface(nmIface), dbus.WithMatchMember(nmStateChanged)},
		{dbus.WithMatchSender(nmName), dbus.WithMatchObjectPath(nmPath),
			dbus.WithMatchInterface(propsIface), dbus.WithMatchMember(propsChanged), dbus.WithMatchArg(0, nmIface)},
	}
	for _, r := range rules {
		if err := conn.AddMatchSignalContext(ctx, r...); err != nil {
			return err
		}
	}
	return nil
}

// nmTracker remembers NetworkManager's last state and connectivity, so
// only a change to "connected" wakes, not every repeat of it.
type nmTracker struct {
	state, connectivity uint32 // 0: unknown
}

// initial asks NetworkManager for its current state, when it runs, so the
// first "connected" after start is not taken for a change. Best effort:
// no NetworkManager, no answer within the timeout, no harm.
func (t *nmTracker) initial(ctx context.Context, conn *dbus.Conn) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, nmName).Store(&has); err != nil || !has {
		return
	}
	obj := conn.Object(nmName, nmPath)
	var v dbus.Variant
	if err := obj.CallWithContext(ctx, propsIface+".Get", 0, nmIface, nmStateProperty).Store(&v); err == nil {
		t.state, _ = v.Value().(uint32)
	}
	if err := obj.CallWithContext(ctx, propsIface+".Get", 0, nmIface, nmConnProperty).Store(&v); err == nil {
		t.connectivity, _ = v.Value().(uint32)
	}
}

// classify turns a bus signal into a Signal: its source, whether it means
// "awake and online now", and a short description for logs.
func (t *nmTracker) classify(s *dbus.Signal) (Signal, bool) {
	switch {
	case s.Path == logindPath && s.Name == logindIface+"."+logindPrepareForSleep:
		sleeping, ok := arg[bool](s, 0)
		if !ok {
			return Signal{}, false
		}
		if sleeping {
			return Signal{Source: SourceLogind, Detail: "going to sleep"}, true
		}
		return Signal{Source: SourceLogind, Wake: true, Detail: "resumed"}, true
	case s.Path == nmPath && s.Name == nmIface+"."+nmStateChanged:
		state, ok := arg[uint32](s, 0)
		if !ok {
			return Signal{}, false
		}
		return t.update(&state, nil), true
	case s.Path == nmPath && s.Name == propsIface+"."+propsChanged:
		iface, ok := arg[string](s, 0)
		if !ok || iface != nmIface {
			return Signal{}, false
		}
		changed, ok := arg[map[string]dbus.Variant](s, 1)
		if !ok {
			return Signal{}, false
		}
		var state, conn *uint32
		if v, ok := changed[nmStateProperty].Value().(uint32); ok {
			state = &v
		}
		if v, ok := changed[nmConnProperty].Value().(uint32); ok {
			conn = &v
		}
		if state == nil && conn == nil {
			return Signal{}, false
		}
		return t.update(state, conn), true
	}
	return Signal{}, false
}

// update records new values and reports a wake when either became
// "connected" (state global, connectivity full) from something else.
func (t *nmTracker) update(state, conn *uint32) Signal {
	sig := Signal{Source: SourceNetwork, Detail: "network changed"}
	if state != nil {
		if *state == nmStateConnected && t.state != nmStateConnected {
			sig.Wake, sig.Detail = true, "network connected"
		}
		t.state = *state
	}
	if conn != nil {
		if *conn == nmConnectivityFull && t.connectivity != nmConnectivityFull {
			sig.Wake, sig.Detail = true, "full connectivity"
		}
		t.connectivity = *conn
	}
	return sig
}

// arg returns the signal's i-th argument as a T.
func arg[T any](s *dbus.Signal, i int) (T, bool) {
	var zero T
	if i >= len(s.Body) {
		return zero, false
	}
	v, ok := s.Body[i].(T)
	return v, ok
}
