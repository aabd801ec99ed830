package sniwatcher

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"mailbell/internal/testenv/desktoptest"
)

func bus(t *testing.T) *desktoptest.Session {
	t.Helper()
	s, err := desktoptest.Start(desktoptest.Options{DBus: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// layout is a dbusmenu node on the wire: (ia{sv}av).
type layout struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

func node(id int32, props map[string]any, children ...layout) layout {
	l := layout{ID: id, Props: map[string]dbus.Variant{}, Children: []dbus.Variant{}}
	for k, v := range props {
		l.Props[k] = dbus.MakeVariant(v)
	}
	for _, c := range children {
		l.Children = append(l.Children, dbus.MakeVariant(c))
	}
	return l
}

// fakeMenu answers like fyne.io/systray: the root's GetLayout comes back one
// level deep, a submenu's children only when asked for that submenu.
type fakeMenu struct {
	mu     sync.Mutex
	events []string
}

func (m *fakeMenu) GetLayout(parent int32, depth int32, names []string) (uint32, layout, *dbus.Error) {
	sub := []layout{
		node(11, map[string]any{"label": "For 1 hour"}),
		node(12, map[string]any{"label": "Resume", "enabled": false}),
	}
	switch parent {
	case 0:
		return 3, node(0, map[string]any{"children-display": "submenu"},
			node(1, map[string]any{"label": "All _accounts connected", "enabled": false}),
			node(2, map[string]any{"label": "hidden slot", "visible": false}),
			node(3, map[string]any{"type": "separator"}),
			node(4, map[string]any{"label": "Check now"}),
			node(10, map[string]any{"label": "Pause", "children-display": "submenu"}),
			node(5, map[string]any{"label": "snake__case"}),
		), nil
	case 10:
		return 3, node(10, map[string]any{"label": "Pause", "children-display": "submenu"}, sub...), nil
	}
	return 0, layout{}, &dbus.ErrMsgInvalidArg
}

func (m *fakeMenu) Event(id int32, event string, data dbus.Variant, ts uint32) *dbus.Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, event+":"+string(rune('0'+id%10)))
	return nil
}

func (m *fakeMenu) Events() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.events...)
}

type fakeItem struct{ activated chan struct{} }

func (f *fakeItem) Activate(x, y int32) *dbus.Error {
	f.activated <- struct{}{}
	return nil
}

// startItem exports a tray item on a connection of its own and returns that
// connection.
func startItem(t *testing.T, addr string) (*dbus.Conn, *fakeMenu, *fakeItem) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	menu := &fakeMenu{}
	item := &fakeItem{activated: make(chan struct{}, 1)}
	if err := conn.Export(menu, "/MenuBar", MenuIface); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(item, DefaultItemPath, ItemIface); err != nil {
		t.Fatal(err)
	}
	px := []struct {
		W, H int32
		Pix  []byte
	}{{2, 1, []byte{255, 255, 0, 0, 128, 0, 0, 255}}}
	_, err = prop.Export(conn, DefaultItemPath, prop.Map{ItemIface: {
		"Id":         {Value: "fake"},
		"Title":      {Value: "Fake"},
		"Status":     {Value: "Active"},
		"Category":   {Value: "ApplicationStatus"},
		"IconName":   {Value: ""},
		"IconPixmap": {Value: px},
		"ToolTip": {Value: struct {
			Name  string
			Icons []struct {
				W, H int32
				Pix  []byte
			}
			Title, Text string
		}{Title: "Fake · 2 unread"}},
		"ItemIsMenu": {Value: true},
		"Menu":       {Value: dbus.ObjectPath("/MenuBar")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return conn, menu, item
}

func TestWatcherRecordsItemsAndReadsThem(t *testing.T) {
	s := bus(t)
	w, err := Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c := ctx(t)

	// A second watcher on the same bus is refused: the name is taken.
	if w2, err := Dial(s.BusAddress); err == nil {
		w2.Close()
		t.Fatal("a second watcher got the name")
	}

	conn, menu, fake := startItem(t, s.BusAddress)
	if err := conn.Object(WatcherName, WatcherPath).CallWithContext(c, WatcherIface+".RegisterStatusNotifierItem", 0, string(DefaultItemPath)).Err; err != nil {
		t.Fatal(err)
	}
	it, err := w.WaitItem(c)
	if err != nil {
		t.Fatal(err)
	}
	if it.Service != conn.Names()[0] || it.Path != DefaultItemPath {
		t.Fatalf("item %+v, want service %s path %s", it, conn.Names()[0], DefaultItemPath)
	}
	// Registering twice keeps one entry; the property lists it KDE-style.
	_ = conn.Object(WatcherName, WatcherPath).CallWithContext(c, WatcherIface+".RegisterStatusNotifierItem", 0, string(DefaultItemPath)).Err
	if n := len(w.Items()); n != 1 {
		t.Fatalf("%d items after registering twice", n)
	}
	var reg dbus.Variant
	if err := conn.Object(WatcherName, WatcherPath).CallWithContext(c, "org.freedesktop.DBus.Properties.Get", 0, WatcherIface, "RegisteredStatusNotifierItems").Store(&reg); err != nil {
		t.Fatal(err)
	}
	if got := reg.Value(); !reflect.DeepEqual(got, []string{it.String()}) {
		t.Fatalf("RegisteredStatusNotifierItems = %v", got)
	}

	p, err := w.Properties(c, it)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "fake" || p.Title != "Fake" || p.Status != "Active" || p.Menu != "/MenuBar" || !p.ItemIsMenu || p.ToolTip.Title != "Fake · 2 unread" {
		t.Fatalf("properties %+v", p)
	}
	if len(p.IconPixmap) != 1 || p.IconPixmap[0].Width != 2 {
		t.Fatalf("pixmaps %+v", p.IconPixmap)
	}
	img := p.IconPixmap[0].Image()
	if got := img.NRGBAAt(0, 0); got.R != 255 || got.A != 255 || got.G != 0 {
		t.Fatalf("pixel 0 = %v, want opaque red (ARGB → RGBA)", got)
	}
	if got := img.NRGBAAt(1, 0); got.B != 255 || got.A != 128 {
		t.Fatalf("pixel 1 = %v, want half-transparent blue", got)
	}

	m, err := w.Menu(c, it)
	if err != nil {
		t.Fatal(err)
	}
	wantShown := []string{"All accounts connected", "---", "Check now", "Pause", "snake_case"}
	if got := m.Shown(); !reflect.DeepEqual(got, wantShown) {
		t.Fatalf("shown %q, want %q", got, wantShown)
	}
	status, _ := m.Find("All accounts connected")
	if status.Enabled || status.Label != "All _accounts connected" {
		t.Fatalf("status entry %+v", status)
	}
	resume, ok := m.Find("Resume")
	if !ok || resume.Enabled || resume.ID != 12 {
		t.Fatalf("submenu not fetched: %+v", m)
	}

	if err := w.ClickText(c, it, "Check now"); err != nil {
		t.Fatal(err)
	}
	if err := w.ClickText(c, it, "Resume"); err == nil {
		t.Fatal("clicked a disabled entry")
	}
	if err := w.ClickText(c, it, "hidden slot"); err == nil {
		t.Fatal("clicked a hidden entry")
	}
	if err := w.ClickText(c, it, "No such"); err == nil {
		t.Fatal("clicked a missing entry")
	}
	if err := w.Click(c, it, 11); err != nil {
		t.Fatal(err)
	}
	if got := menu.Events(); !reflect.DeepEqual(got, []string{"clicked:4", "clicked:1"}) {
		t.Fatalf("events %q", got)
	}
	if err := w.Activate(c, it); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fake.activated:
	case <-c.Done():
		t.Fatal("Activate did not arrive")
	}

	// The item's connection goes away: so does the item.
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for len(w.Items()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("item still registered after its connection closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRegisterByBusName(t *testing.T) {
	s := bus(t)
	w, err := Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	conn, err := dbus.Connect(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := ctx(t)
	if err := conn.Object(WatcherName, WatcherPath).CallWithContext(c, WatcherIface+".RegisterStatusNotifierItem", 0, "org.example.Tray").Err; err != nil {
		t.Fatal(err)
	}
	it, err := w.WaitItem(c)
	if err != nil {
		t.Fatal(err)
	}
	if it.Service != "org.example.Tray" || it.Path != DefaultItemPath {
		t.Fatalf("item %+v", it)
	}
}

func TestWaitItemTimesOut(t *testing.T) {
	s := bus(t)
	w, err := Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := w.WaitItem(c); err == nil {
		t.Fatal("WaitItem returned without an item")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The name is free again for the next watcher.
	w2, err := Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	w2.Close()
}

func TestUnmnemonic(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"_File":      "File",
		"re__port":   "re_port",
		"a_b_c":      "abc",
		"trailing_":  "trailing",
		"____":       "__",
		"Ünï_cödé__": "Ünïcödé_",
	} {
		if got := Unmnemonic(in); got != want {
			t.Errorf("Unmnemonic(%q) = %q, want %q", in, got, want)
		}
	}
}
