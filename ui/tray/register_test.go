package tray

import (
	"context"
	"log/slog"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/internal/testenv/sniwatcher"
)

// fakeSystrayItem owns systray's well-known item name on a connection of its
// own, like systray does; if selfRegister, it registers with every watcher
// that appears, like systray does when its subscription is in place.
func fakeSystrayItem(t *testing.T, addr string, selfRegister bool) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if reply, err := conn.RequestName(systrayItemName(), dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning the item name: %v %v", reply, err)
	}
	if !selfRegister {
		return conn
	}
	if err := conn.AddMatchSignal(dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, watcherName)); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 4)
	conn.Signal(sigs)
	go func() {
		for sig := range sigs {
			if len(sig.Body) == 3 && sig.Body[2] != "" {
				conn.Object(watcherName, watcherPath).Call(watcherIface+".RegisterStatusNotifierItem", 0, "/StatusNotifierItem")
			}
		}
	}()
	return conn
}

// runGuard starts a guard; done closes when it has finished on its own.
func runGuard(t *testing.T) (done <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g := startGuard(ctx, slog.Default())
	if g == nil {
		cancel()
		t.Fatal("no guard although no watcher runs")
	}
	ch := make(chan struct{})
	go func() {
		g.run(ctx)
		close(ch)
	}()
	t.Cleanup(func() {
		cancel()
		<-ch
	})
	return ch
}

// The watcher appears while systray is between its first registration and
// its subscription: systray never registers, the guard does.
func TestGuardRegistersAMissedItem(t *testing.T) {
	s := session(t, true)
	fakeSystrayItem(t, s.BusAddress, false)
	runGuard(t)

	w, err := sniwatcher.Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	it, err := w.WaitItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if it.Service != systrayItemName() || it.Path != "/StatusNotifierItem" {
		t.Fatalf("item %+v", it)
	}
}

// The usual case: systray registers itself; the guard must not add a second
// icon.
func TestGuardLeavesARegisteredItemAlone(t *testing.T) {
	s := session(t, true)
	item := fakeSystrayItem(t, s.BusAddress, true)
	done := runGuard(t)

	w, err := sniwatcher.Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	it, err := w.WaitItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if it.Service != item.Names()[0] {
		t.Fatalf("item %+v, want the item's own registration from %s", it, item.Names()[0])
	}
	select {
	case <-done: // it checked, a second after the watcher came
	case <-time.After(5 * time.Second):
		t.Fatal("the guard did not finish")
	}
	if items := w.Items(); len(items) != 1 {
		t.Fatalf("items %v: the guard registered a duplicate", items)
	}
}

func TestNoGuardWhenAWatcherRuns(t *testing.T) {
	s := session(t, true)
	w, err := sniwatcher.Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if g := startGuard(context.Background(), slog.Default()); g != nil {
		g.conn.Close()
		t.Fatal("a guard started although a watcher runs")
	}
}
