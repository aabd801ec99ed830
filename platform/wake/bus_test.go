//go:build linux

package wake

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/internal/testenv/systembus"
)

// startSystemBus starts a private system-like bus and points
// DBUS_SYSTEM_BUS_ADDRESS at it.
func startSystemBus(t *testing.T) *systembus.Bus {
	t.Helper()
	bus, err := systembus.Start("", 10*time.Second)
	if err != nil {
		t.Fatalf("private system bus: %v", err)
	}
	t.Cleanup(func() {
		if err := bus.Close(); err != nil {
			t.Errorf("closing the bus: %v", err)
		}
	})
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.Address)
	return bus
}

// standIn connects to the bus and owns name, as logind or NetworkManager
// would.
func standIn(t *testing.T, bus *systembus.Bus, names ...string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(bus.Address)
	if err != nil {
		t.Fatalf("stand-in: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, name := range names {
		reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
		if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("stand-in could not own %s: %v, %v", name, reply, err)
		}
	}
	return conn
}

// roundTrip makes a call to the bus itself: when it returns, the bus has
// dispatched everything conn sent before it.
func roundTrip(t *testing.T, conn *dbus.Conn) {
	t.Helper()
	var id string
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id); err != nil {
		t.Fatalf("GetId: %v", err)
	}
}

// logRecorder keeps the messages logged at Info and above.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, rec.Message)
	r.mu.Unlock()
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

func (r *logRecorder) count(sub string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}

// startBusWatcher starts a real-clock watcher on the environment's system
// bus and waits until it is subscribed.
func startBusWatcher(t *testing.T, logs *logRecorder) (*Watcher, chan Signal) {
	t.Helper()
	handled := make(chan Signal, 64)
	ctx, cancel := context.WithCancel(context.Background())
	w := Start(ctx, Options{Logger: slog.New(logs), OnSignal: func(s Signal) { handled <- s }})
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.Done():
		case <-time.After(5 * time.Second):
			t.Error("watcher did not stop within 5 s")
		}
	})
	select {
	case <-w.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("watcher not ready within 10 s")
	}
	return w, handled
}

// waitWake waits up to 3 s for a wake.
func waitWake(t *testing.T, w *Watcher, t0 time.Time) Event {
	t.Helper()
	select {
	case ev := <-w.C:
		t.Logf("wake from %s %v after the signal", ev.Source, time.Since(t0).Round(time.Microsecond))
		return ev
	case <-time.After(3 * time.Second):
		t.Fatal("no wake within 3 s of the signal")
		return Event{}
	}
}

func emit(t *testing.T, conn *dbus.Conn, path dbus.ObjectPath, name string, body ...any) {
	t.Helper()
	if err := conn.Emit(path, name, body...); err != nil {
		t.Fatalf("emit %s: %v", name, err)
	}
}

// logind's PrepareForSleep(true) then (false) on a private system bus gives
// exactly one wake; a repeat within the debounce gives none; the same
// signal from a peer that does not own org.freedesktop.login1 is not heard.
func TestLogindResumeWakesOnce(t *testing.T) {
	bus := startSystemBus(t)
	logind := standIn(t, bus, logindName)
	logs := &logRecorder{}
	w, handled := startBusWatcher(t, logs)
	if got := w.Sources(); !slices.Contains(got, SourceLogind) || !slices.Contains(got, SourceClock) {
		t.Fatalf("sources %v", got)
	}

	impostor := standIn(t, bus)
	emit(t, impostor, logindPath, logindIface+"."+logindPrepareForSleep, false)
	roundTrip(t, impostor)

	emit(t, logind, logindPath, logindIface+"."+logindPrepareForSleep, true)
	if s := waitHandled(t, handled); s.Source != SourceLogind || s.Wake || s.Emitted {
		t.Fatalf("first handled signal %+v, want logind going to sleep (the impostor's must not arrive)", s)
	}
	noEvent(t, w, "going to sleep")

	t0 := time.Now()
	emit(t, logind, logindPath, logindIface+"."+logindPrepareForSleep, false)
	if ev := waitWake(t, w, t0); ev.Source != SourceLogind {
		t.Fatalf("wake %+v, want logind", ev)
	}
	if s := waitHandled(t, handled); !s.Emitted {
		t.Fatalf("resume handled as %+v", s)
	}

	emit(t, logind, logindPath, logindIface+"."+logindPrepareForSleep, false)
	if s := waitHandled(t, handled); !s.Wake || s.Emitted {
		t.Fatalf("repeated resume handled as %+v, want debounced", s)
	}
	noEvent(t, w, "repeated resume")
	if n := logs.count("reconnect now"); n != 1 {
		t.Errorf("logged %d wakes, want 1", n)
	}
}

// nmProps serves NetworkManager's State and Connectivity properties.
type nmProps struct{ state, connectivity uint32 }

func (p nmProps) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	switch {
	case iface == nmIface && name == nmStateProperty:
		return dbus.MakeVariant(p.state), nil
	case iface == nmIface && name == nmConnProperty:
		return dbus.MakeVariant(p.connectivity), nil
	}
	return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{name})
}

// NetworkManager going offline and back: one wake when it is connected
// again, however many of its signals say so.
func TestNetworkManagerConnectedWakesOnce(t *testing.T) {
	bus := startSystemBus(t)
	nm := standIn(t, bus, nmName)
	if err := nm.Export(nmProps{state: nmStateConnected, connectivity: nmConnectivityFull}, nmPath, propsIface); err != nil {
		t.Fatal(err)
	}
	w, handled := startBusWatcher(t, &logRecorder{})
	if got := w.Sources(); !slices.Contains(got, SourceNetwork) {
		t.Fatalf("sources %v", got)
	}
	props := func(changed map[string]dbus.Variant) {
		emit(t, nm, nmPath, propsIface+"."+propsChanged, nmIface, changed, []string{})
	}

	// Already connected at start (read from NM): a repeat is no change.
	emit(t, nm, nmPath, nmIface+"."+nmStateChanged, nmStateConnected)
	if s := waitHandled(t, handled); s.Wake {
		t.Fatalf("still connected handled as %+v", s)
	}
	// Offline.
	props(map[string]dbus.Variant{nmStateProperty: dbus.MakeVariant(uint32(20)), nmConnProperty: dbus.MakeVariant(uint32(1))})
	emit(t, nm, nmPath, nmIface+"."+nmStateChanged, uint32(20))
	for i := 0; i < 2; i++ {
		if s := waitHandled(t, handled); s.Wake {
			t.Fatalf("disconnect handled as %+v", s)
		}
	}
	noEvent(t, w, "disconnected")

	// Back: NM says so three ways.
	t0 := time.Now()
	props(map[string]dbus.Variant{nmStateProperty: dbus.MakeVariant(nmStateConnected)})
	if ev := waitWake(t, w, t0); ev.Source != SourceNetwork {
		t.Fatalf("wake %+v, want network", ev)
	}
	emit(t, nm, nmPath, nmIface+"."+nmStateChanged, nmStateConnected)
	props(map[string]dbus.Variant{nmConnProperty: dbus.MakeVariant(nmConnectivityFull)})
	var got []Signal
	for i := 0; i < 3; i++ {
		got = append(got, waitHandled(t, handled))
	}
	if !got[0].Emitted || got[1].Emitted || got[2].Emitted || !got[2].Wake {
		t.Fatalf("handled %+v, want the first emitted and full connectivity debounced", got)
	}
	noEvent(t, w, "same reconnection")
}

// No system bus: the clock alone runs, and the log says so once.
func TestNoSystemBusRunsClockOnly(t *testing.T) {
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "none"))
	logs := &logRecorder{}
	w, _ := startBusWatcher(t, logs)
	if got := w.Sources(); len(got) != 1 || got[0] != SourceClock {
		t.Fatalf("sources %v, want [clock]", got)
	}
	if n := logs.count("clock only"); n != 1 {
		t.Fatalf("logged %q; want one message about the clock only", logs.msgs)
	}
}

// The bus going away leaves the clock running, logged once.
func TestSystemBusLost(t *testing.T) {
	bus := startSystemBus(t)
	logs := &logRecorder{}
	w, _ := startBusWatcher(t, logs)
	if got := w.Sources(); len(got) != 3 {
		t.Fatalf("sources %v", got)
	}
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(w.Sources()) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("sources %v 5 s after the bus stopped, want [clock]", w.Sources())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := logs.count("lost the system bus"); n != 1 {
		t.Fatalf("logged %q", logs.msgs)
	}
}
