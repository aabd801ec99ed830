//go:build linux

package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/platform/sound"
)

// notifyCall is one Notify call as a bus monitor saw it.
type notifyCall struct {
	summary string
	hints   map[string]dbus.Variant
	expire  int32
}

// monitor records every Notify call on the session's bus, whoever makes it
// and whoever answers: what the server really received.
type monitor struct {
	mu    sync.Mutex
	calls []notifyCall
}

func startMonitor(t *testing.T, s *desktoptest.Session) *monitor {
	t.Helper()
	conn, err := dbus.Connect(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	rule := "type='method_call',interface='" + busIface + "',member='Notify'"
	if err := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, []string{rule}, uint32(0)).Err; err != nil {
		t.Fatalf("BecomeMonitor: %v", err)
	}
	ch := make(chan *dbus.Message, 64)
	conn.Eavesdrop(ch)
	m := &monitor{}
	go func() {
		for msg := range ch {
			if len(msg.Body) != 8 {
				continue
			}
			summary, _ := msg.Body[3].(string)
			hints, _ := msg.Body[6].(map[string]dbus.Variant)
			expire, _ := msg.Body[7].(int32)
			m.mu.Lock()
			m.calls = append(m.calls, notifyCall{summary, hints, expire})
			m.mu.Unlock()
		}
	}()
	return m
}

// call waits for the Notify call with this summary.
func (m *monitor) call(t *testing.T, summary string) notifyCall {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		for _, c := range m.calls {
			if c.summary == summary {
				m.mu.Unlock()
				return c
			}
		}
		m.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("the monitor saw no Notify %q", summary)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var soundHintKeys = []string{"sound-name", "sound-file", "suppress-sound"}

// playerPATH puts recording canberra-gtk-play, pw-play and paplay on PATH
// and returns the file each run appends its name and argv to.
func playerPATH(t *testing.T) string {
	t.Helper()
	dir, rec := t.TempDir(), filepath.Join(t.TempDir(), "played")
	for _, name := range []string{"canberra-gtk-play", "pw-play", "paplay"} {
		script := fmt.Sprintf("#!/bin/sh\nprintf '%%s %%s\\n' \"${0##*/}\" \"$*\" >> %q\n", rec)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return rec
}

func played(rec string) []string {
	b, _ := os.ReadFile(rec)
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// Dunst 1.9 does not advertise "sound" (nor "persistence"): no sound hint
// goes to it, and Mailbell's own player runs once per notification that
// asks for a sound — the first of a batch — and never for the others (the
// rest of a burst, anything in quiet hours).
func TestDunstSoundByOwnPlayer(t *testing.T) {
	s := startSession(t, desktoptest.Options{Dunst: true})
	rec := playerPATH(t)
	mon := startMonitor(t, s)
	player := sound.New(sound.Options{})
	d, err := DBus(Options{Player: player})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	caps := d.Capabilities()
	t.Logf("dunst %s capabilities: %v", d.ServerInfo().Version, caps)
	if d.SupportsSound() || caps["sound"] {
		t.Fatalf("this dunst advertises sound (%v): the test expects one without", caps)
	}

	batches := [][]Notification{
		{ // a burst: three singles, the first with the sound
			{Summary: "b1 Ann", Sound: Sound{Name: sound.ThemeSound}},
			{Summary: "b1 Bob"},
			{Summary: "b1 Cy"},
		},
		{{Summary: "b2 12 new messages", Sound: Sound{Name: sound.ThemeSound}}}, // a summary
		{{Summary: "b3 VIP in quiet hours"}},                                    // silent
		{{Summary: "b4 own file", Sound: Sound{Name: sound.ThemeSound, File: "/bin/sh"}}},
	}
	want := 0
	for _, b := range batches {
		for _, n := range b {
			if _, err := d.Notify(n); err != nil {
				t.Fatal(err)
			}
			if !n.Sound.IsZero() {
				want++
			}
		}
		// Each batch's player has run before the next batch starts.
		deadline := time.Now().Add(5 * time.Second)
		for len(played(rec)) < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	player.Wait()
	got := played(rec)
	wantRuns := []string{
		"canberra-gtk-play -i message-new-email",
		"canberra-gtk-play -i message-new-email",
		"canberra-gtk-play -f /bin/sh",
	}
	if strings.Join(got, "\n") != strings.Join(wantRuns, "\n") {
		t.Fatalf("players run:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantRuns, "\n"))
	}
	for _, b := range batches {
		for _, n := range b {
			c := mon.call(t, n.Summary)
			for _, k := range soundHintKeys {
				if v, ok := c.hints[k]; ok {
					t.Errorf("%q: hint %s=%v sent to a server without the sound capability", n.Summary, k, v)
				}
			}
			if c.expire != -1 {
				t.Errorf("%q: expire_timeout %d, want -1 (server default)", n.Summary, c.expire)
			}
		}
	}
	// Persistent on dunst: never expires; no resident hint without the
	// persistence capability.
	if _, err := d.Notify(Notification{Summary: "stays", Persistent: true, Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	c := mon.call(t, "stays")
	if _, ok := c.hints["resident"]; ok || c.expire != 0 {
		t.Fatalf("persistent on dunst: expire %d, hints %v", c.expire, c.hints)
	}
	h := history(t, s)
	if len(h) != 7 {
		t.Fatalf("dunst shows %d notifications, want 7: %+v", len(h), h)
	}
}

// fakeSoundServer advertises sound and persistence, as GNOME Shell and
// KDE Plasma do.
type fakeSoundServer struct{ fakeServer }

func (f *fakeSoundServer) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body", "actions", "sound", "persistence"}, nil
}

type recordingPlayer struct {
	mu    sync.Mutex
	plays []string
}

func (r *recordingPlayer) Play(name, file string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plays = append(r.plays, name+"|"+file)
	return nil
}

// A server with the sound capability gets the hints and plays the sound
// itself: sound-name (or sound-file) on the notification that asks for a
// sound, suppress-sound on the others, and Mailbell's player never runs.
func TestServerWithSound(t *testing.T) {
	s := startSession(t, desktoptest.Options{DBus: true})
	conn, err := dbus.Connect(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f := &fakeSoundServer{fakeServer{conn: conn, next: 1}}
	if err := conn.Export(f, busPath, busIface); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName: %v, %v", reply, err)
	}
	player := &recordingPlayer{}
	d, err := DBus(Options{Player: player})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.SupportsSound() {
		t.Fatal("SupportsSound() = false with a server advertising sound")
	}

	for _, tc := range []struct {
		n    Notification
		hint string
		want any
	}{
		{Notification{Summary: "first", Sound: Sound{Name: "message-new-email"}}, "sound-name", "message-new-email"},
		{Notification{Summary: "rest"}, "suppress-sound", true},
		{Notification{Summary: "own", Sound: Sound{Name: "message-new-email", File: "/home/ann/bell.oga"}}, "sound-file", "/home/ann/bell.oga"},
	} {
		if _, err := d.Notify(tc.n); err != nil {
			t.Fatal(err)
		}
		c := f.last()
		if v, ok := c.hints[tc.hint]; !ok || v.Value() != tc.want {
			t.Errorf("%s: hint %s = %v, want %v (hints %v)", tc.n.Summary, tc.hint, v, tc.want, c.hints)
		}
		for _, k := range soundHintKeys {
			if _, ok := c.hints[k]; ok && k != tc.hint {
				t.Errorf("%s: extra sound hint %s", tc.n.Summary, k)
			}
		}
	}
	if len(player.plays) != 0 {
		t.Fatalf("own player ran with a server that plays sounds: %v", player.plays)
	}

	// Persistent with the persistence capability: resident and never
	// expiring; the default leaves the timeout to the server.
	if _, err := d.Notify(Notification{Summary: "stays", Persistent: true}); err != nil {
		t.Fatal(err)
	}
	if c := f.last(); c.timeout != 0 || c.hints["resident"].Value() != true {
		t.Fatalf("persistent: timeout %d, hints %v", c.timeout, c.hints)
	}
	if _, err := d.Notify(Notification{Summary: "default"}); err != nil {
		t.Fatal(err)
	}
	if c := f.last(); c.timeout != -1 {
		t.Fatalf("default: timeout %d, want -1", c.timeout)
	} else if _, ok := c.hints["resident"]; ok {
		t.Fatalf("default: resident hint sent")
	}
}

// A failed Notify plays nothing.
func TestNoSoundWithoutNotification(t *testing.T) {
	s := startSession(t, desktoptest.Options{Dunst: true})
	player := &recordingPlayer{}
	d, err := DBus(Options{Player: player})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := s.Stop("dunst"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Notify(Notification{Summary: "nobody", Sound: Sound{Name: "message-new-email"}}); err == nil {
		t.Fatal("Notify without a server succeeded")
	}
	player.mu.Lock()
	defer player.mu.Unlock()
	if len(player.plays) != 0 {
		t.Fatalf("played %v for a notification nobody showed", player.plays)
	}
}
