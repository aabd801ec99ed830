//go:build linux

package notify

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"go.uber.org/goleak"

	"mailbell/internal/testenv/desktoptest"
)

// These tests point the process environment at a private session
// (desktoptest's Setenv), so none of them is parallel.

func startSession(t *testing.T, opts desktoptest.Options) *desktoptest.Session {
	t.Helper()
	s, err := desktoptest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	s.Setenv(t)
	return s
}

func newNotifier(t *testing.T) *DBusNotifier {
	t.Helper()
	d, err := DBus(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func waitAction(t *testing.T, d Notifier, want ActionEvent) {
	t.Helper()
	select {
	case got := <-d.Actions():
		if got != want {
			t.Fatalf("action event %+v, want %+v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no action event %+v", want)
	}
}

func waitClosed(t *testing.T, d Notifier, want ClosedEvent) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case got := <-d.Closed():
			if got == want {
				return
			}
			t.Logf("skipping close event %+v", got)
		case <-timeout:
			t.Fatalf("no close event %+v", want)
		}
	}
}

func noAction(t *testing.T, d Notifier, within time.Duration) {
	t.Helper()
	select {
	case got := <-d.Actions():
		t.Fatalf("unexpected action event %+v", got)
	case <-time.After(within):
	}
}

// history closes everything on screen and returns dunst's history.
func history(t *testing.T, s *desktoptest.Session) []desktoptest.Notification {
	t.Helper()
	if err := s.DunstCloseAll(); err != nil {
		t.Fatal(err)
	}
	h, err := s.DunstHistory()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNoServer(t *testing.T) {
	t.Run("no bus", func(t *testing.T) {
		startSession(t, desktoptest.Options{}) // DBUS_SESSION_BUS_ADDRESS names a dead socket
		t0 := time.Now()
		_, err := DBus(Options{})
		if !errors.Is(err, ErrNoNotificationServer) {
			t.Fatalf("err = %v, want ErrNoNotificationServer", err)
		}
		if err.Error() != "no desktop notification server: cannot connect to the D-Bus session bus" {
			t.Errorf("message: %q", err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("unset", func(t *testing.T) {
		startSession(t, desktoptest.Options{})
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		_, err := DBus(Options{})
		if !errors.Is(err, ErrNoNotificationServer) || !strings.Contains(err.Error(), "no D-Bus session bus") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bus without server", func(t *testing.T) {
		startSession(t, desktoptest.Options{DBus: true})
		ignore := goleak.IgnoreCurrent()
		t0 := time.Now()
		_, err := DBus(Options{})
		if !errors.Is(err, ErrNoNotificationServer) {
			t.Fatalf("err = %v, want ErrNoNotificationServer", err)
		}
		if want := "no desktop notification server: nothing on the session bus shows notifications (org.freedesktop.Notifications)"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("took %v", d)
		}
		goleak.VerifyNone(t, ignore) // the failed constructor closed its connection
	})
}

func TestDunst(t *testing.T) {
	s := startSession(t, desktoptest.Options{Dunst: true})
	ignore := goleak.IgnoreCurrent()
	d, err := DBus(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	if !d.SupportsActions() {
		t.Fatal("dunst advertises actions, SupportsActions() = false")
	}
	if !d.Capabilities()["body-markup"] {
		t.Fatal("dunst with markup=full should advertise body-markup")
	}
	if info := d.ServerInfo(); info.Name != "dunst" {
		t.Errorf("server info %+v", info)
	}

	icon := filepath.Join(s.Root, "my icons", "bell.png")
	actions := []Action{{DefaultAction, "Open"}, {"markread", "Mark as read"}}

	t.Run("arrives", func(t *testing.T) {
		id, err := d.Notify(Notification{
			Summary:  "Ann Lee",
			Body:     "Q3 <report> & \"numbers\"",
			Actions:  actions,
			IconPath: icon,
			Category: CategoryEmailArrived,
		})
		if err != nil {
			t.Fatal(err)
		}
		if id == 0 {
			t.Fatal("id 0")
		}
		h := history(t, s)
		if len(h) != 1 {
			t.Fatalf("history %+v", h)
		}
		n := h[0]
		if n.ID != id || n.AppName != "Mailbell" || n.Summary != "Ann Lee" || n.Category != CategoryEmailArrived {
			t.Errorf("history entry %+v", n)
		}
		// body-markup: escaped on the wire, shown as the literal text.
		if n.Body != "Q3 &lt;report&gt; &amp; \"numbers\"" {
			t.Errorf("body %q", n.Body)
		}
		if !strings.Contains(n.Message, "Q3 &lt;report&gt; &amp;") {
			t.Errorf("dunst renders %q", n.Message)
		}
		if n.DefaultAction != DefaultAction {
			t.Errorf("default action %q: actions were not sent", n.DefaultAction)
		}
		if n.IconPath != icon {
			t.Errorf("icon path %q, want %q", n.IconPath, icon)
		}
		waitClosed(t, d, ClosedEvent{ID: id, Reason: ReasonDismissed})
	})

	t.Run("actions", func(t *testing.T) {
		id, err := d.Notify(Notification{Summary: "Bob", Body: "Lunch?", Actions: actions})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DunstAction(id, "markread"); err != nil {
			t.Fatal(err)
		}
		waitAction(t, d, ActionEvent{ID: id, Key: "markread"})
		if err := s.DunstDefaultAction(0); err != nil { // a left click
			t.Fatal(err)
		}
		waitAction(t, d, ActionEvent{ID: id, Key: DefaultAction})
		history(t, s)
		waitClosed(t, d, ClosedEvent{ID: id, Reason: ReasonDismissed})
	})

	t.Run("replaces", func(t *testing.T) {
		id, err := d.Notify(Notification{Summary: "2 new messages", Body: "from Ann and Bob"})
		if err != nil {
			t.Fatal(err)
		}
		id2, err := d.Notify(Notification{Summary: "3 new messages", Body: "from Ann, Bob and Cy", ReplacesID: id})
		if err != nil {
			t.Fatal(err)
		}
		if id2 != id {
			t.Fatalf("replacement got id %d, want %d", id2, id)
		}
		if _, displayed, _, err := s.DunstCounts(); err != nil || displayed != 1 {
			t.Fatalf("displayed %d, %v; want 1", displayed, err)
		}
		h := history(t, s)
		var mine []desktoptest.Notification
		for _, n := range h {
			if n.ID == id {
				mine = append(mine, n)
			}
		}
		if len(mine) != 1 || mine[0].Summary != "3 new messages" {
			t.Fatalf("history for id %d: %+v", id, mine)
		}
	})

	t.Run("close", func(t *testing.T) {
		id, err := d.Notify(Notification{Summary: "withdrawn"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.CloseNotification(id); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, d, ClosedEvent{ID: id, Reason: ReasonClosed})
	})

	// Look-alike signals from another client, broadcast or sent straight
	// to us, are not taken for the server's.
	t.Run("spoofed signals", func(t *testing.T) {
		id, err := d.Notify(Notification{Summary: "spoof target", Actions: actions})
		if err != nil {
			t.Fatal(err)
		}
		other, err := dbus.Connect(s.BusAddress)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if err := other.Emit(busPath, busIface+".ActionInvoked", id, "evil-broadcast"); err != nil {
			t.Fatal(err)
		}
		msg := &dbus.Message{
			Type:    dbus.TypeSignal,
			Headers: map[dbus.HeaderField]dbus.Variant{},
			Body:    []any{id, "evil-unicast"},
		}
		msg.Headers[dbus.FieldPath] = dbus.MakeVariant(busPath)
		msg.Headers[dbus.FieldInterface] = dbus.MakeVariant(busIface)
		msg.Headers[dbus.FieldMember] = dbus.MakeVariant("ActionInvoked")
		msg.Headers[dbus.FieldDestination] = dbus.MakeVariant(d.conn.Names()[0])
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(id, ""))
		if call := other.Send(msg, nil); call.Err != nil {
			t.Fatal(call.Err)
		}
		// The real one, after the fakes: it must be the first event.
		if err := s.DunstAction(id, "markread"); err != nil {
			t.Fatal(err)
		}
		waitAction(t, d, ActionEvent{ID: id, Key: "markread"})
		noAction(t, d, 200*time.Millisecond)
		history(t, s)
	})

	t.Run("server quits", func(t *testing.T) {
		if err := s.Stop("dunst"); err != nil {
			t.Fatal(err)
		}
		_, err := d.Notify(Notification{Summary: "nobody listens"})
		if !errors.Is(err, ErrNoNotificationServer) {
			t.Fatalf("Notify without server: %v", err)
		}
	})

	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	// Both channels end (after whatever was still buffered).
	drained := make(chan struct{})
	go func() {
		for range d.Actions() {
		}
		for range d.Closed() {
		}
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
		t.Error("Actions() or Closed() not closed by Close")
	}
	goleak.VerifyNone(t, ignore)
}

// TestDunstHyperlinksWithoutMarkup: dunst 1.9 with markup=no advertises
// body-hyperlinks but not body-markup, and still reads <a href> in the body.
// A hostile subject's link must arrive escaped: shown as text, no URL that
// dunst would offer to open.
func TestDunstHyperlinksWithoutMarkup(t *testing.T) {
	s := startSession(t, desktoptest.Options{Dunst: true, DunstMarkup: "no"})
	d := newNotifier(t)
	caps := d.Capabilities()
	if caps["body-markup"] || !caps["body-hyperlinks"] {
		t.Fatalf("dunst with markup=no advertises %v; the test needs body-hyperlinks without body-markup", caps)
	}
	hostile := `<a href="http://phish.example/login">verify your account</a>`
	if _, err := d.Notify(Notification{Summary: "Bank", Body: hostile}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	h := history(t, s)
	if len(h) != 1 {
		t.Fatalf("history %+v, want one notification", h)
	}
	want := `&lt;a href="http://phish.example/login"&gt;verify your account&lt;/a&gt;`
	if h[0].Body != want {
		t.Errorf("body on the wire %q, want it escaped: %q", h[0].Body, want)
	}
	if h[0].URLs != "" {
		t.Errorf("dunst found links in the body: %q", h[0].URLs)
	}
	// What dunst hands to Pango: no tag left, only text.
	if strings.Contains(h[0].Message, "<a") || !strings.Contains(h[0].Message, "verify your account") {
		t.Errorf("dunst renders %q: want the tag as inert text", h[0].Message)
	}
	t.Logf("dunst renders %q", h[0].Message)
}

// fakeServer is a minimal org.freedesktop.Notifications for what dunst
// cannot show: a server without actions or markup, and one that broadcasts
// its signals to every client.
type fakeServer struct {
	conn *dbus.Conn
	mu   sync.Mutex
	next uint32
	got  []fakeCall
}

type fakeCall struct {
	app, icon, summary, body string
	replaces                 uint32
	actions                  []string
	hints                    map[string]dbus.Variant
	timeout                  int32
}

func (f *fakeServer) GetCapabilities() ([]string, *dbus.Error) { return []string{"body"}, nil }

func (f *fakeServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "mailbell", "0", "1.2", nil
}

func (f *fakeServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, fakeCall{app, icon, summary, body, replaces, actions, hints, timeout})
	if replaces != 0 {
		return replaces, nil
	}
	f.next++
	return f.next, nil
}

func (f *fakeServer) CloseNotification(id uint32) *dbus.Error {
	_ = f.conn.Emit(busPath, busIface+".NotificationClosed", id, uint32(ReasonClosed))
	return nil
}

func (f *fakeServer) last() fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[len(f.got)-1]
}

func TestFakeServer(t *testing.T) {
	s := startSession(t, desktoptest.Options{DBus: true})
	conn, err := dbus.Connect(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f := &fakeServer{conn: conn, next: 100}
	if err := conn.Export(f, busPath, busIface); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName: %v, %v", reply, err)
	}

	d := newNotifier(t)
	if d.SupportsActions() {
		t.Fatal("SupportsActions() with a server that has no actions capability")
	}
	icon := "/usr/share/icons/mailbell.png"
	id, err := d.Notify(Notification{
		Summary:  "S",
		Body:     "<b>not markup</b> & co",
		Actions:  []Action{{DefaultAction, "Open"}},
		IconPath: icon,
		Category: CategoryEmailArrived,
		Urgency:  UrgencyCritical,
		Timeout:  1500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := f.last()
	if c.app != "Mailbell" || c.summary != "S" || c.body != "<b>not markup</b> & co" || c.icon != icon {
		t.Errorf("call %+v", c)
	}
	if len(c.actions) != 0 {
		t.Errorf("actions sent to a server without them: %q", c.actions)
	}
	if c.timeout != 1500 {
		t.Errorf("timeout %d", c.timeout)
	}
	for k, want := range map[string]any{"urgency": byte(2), "category": CategoryEmailArrived, "desktop-entry": "io.mailbell.Mailbell", "image-path": icon} {
		if v, ok := c.hints[k]; !ok || v.Value() != want {
			t.Errorf("hint %s = %v, want %v", k, v, want)
		}
	}
	for _, tc := range []struct {
		in   time.Duration
		want int32
	}{{0, -1}, {-1, 0}, {time.Hour * 24 * 30, 1<<31 - 1}, {time.Microsecond, 1}} {
		if _, err := d.Notify(Notification{Summary: "t", Timeout: tc.in}); err != nil {
			t.Fatal(err)
		}
		if got := f.last().timeout; got != tc.want {
			t.Errorf("Timeout %v sent as %d, want %d", tc.in, got, tc.want)
		}
	}
	if got := f.last().hints["urgency"].Value(); got != byte(1) {
		t.Errorf("default urgency %v, want 1 (normal)", got)
	}

	// A broadcasting server: signals about other clients' notifications are
	// not ours.
	if err := conn.Emit(busPath, busIface+".ActionInvoked", uint32(7), "someone-elses"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Emit(busPath, busIface+".ActionInvoked", id, DefaultAction); err != nil {
		t.Fatal(err)
	}
	waitAction(t, d, ActionEvent{ID: id, Key: DefaultAction})

	if err := d.CloseNotification(id); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, d, ClosedEvent{ID: id, Reason: ReasonClosed})
	// Closed means forgotten: a late action for it is dropped.
	if err := conn.Emit(busPath, busIface+".ActionInvoked", id, "late"); err != nil {
		t.Fatal(err)
	}
	noAction(t, d, 200*time.Millisecond)

	// The server goes and another takes over: new capabilities apply.
	if _, err := conn.ReleaseName(busName); err != nil {
		t.Fatal(err)
	}
	conn2, err := dbus.Connect(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	f2 := &fakeServerWithActions{fakeServer{conn: conn2, next: 500}}
	if err := conn2.Export(f2, busPath, busIface); err != nil {
		t.Fatal(err)
	}
	if _, err := conn2.RequestName(busName, dbus.NameFlagDoNotQueue); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !d.SupportsActions() {
		if time.Now().After(deadline) {
			t.Fatal("capabilities of the new server never picked up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	id2, err := d.Notify(Notification{Summary: "again", Actions: []Action{{"markread", "Mark as read"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f2.last().actions; len(got) != 2 || got[0] != "markread" {
		t.Errorf("actions %q", got)
	}
	// The old server's signals no longer count.
	if err := conn.Emit(busPath, busIface+".ActionInvoked", id2, "from-old-server"); err != nil {
		t.Fatal(err)
	}
	if err := conn2.Emit(busPath, busIface+".ActionInvoked", id2, "markread"); err != nil {
		t.Fatal(err)
	}
	waitAction(t, d, ActionEvent{ID: id2, Key: "markread"})
}

type fakeServerWithActions struct{ fakeServer }

func (f *fakeServerWithActions) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body", "actions"}, nil
}
