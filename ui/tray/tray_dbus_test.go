package tray

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/text/language"

	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/view"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/sniwatcher"
	"mailbell/ui/icon"
)

// fakeBackend is the core as the tray sees it: a snapshot to show, a change
// channel, and a record of the commands the menu sent.
type fakeBackend struct {
	mu      sync.Mutex
	snap    view.Snapshot
	reads   int
	changes chan struct{}
	cmds    chan control.Command
}

func newFakeBackend(s view.Snapshot) *fakeBackend {
	return &fakeBackend{snap: s, changes: make(chan struct{}, 1), cmds: make(chan control.Command, 16)}
}

func (f *fakeBackend) Snapshot() view.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.snap
}

func (f *fakeBackend) Changes() <-chan struct{} { return f.changes }
func (f *fakeBackend) Do(cmd control.Command)   { f.cmds <- cmd }

func (f *fakeBackend) set(s view.Snapshot) {
	f.mu.Lock()
	f.snap = s
	f.mu.Unlock()
	select {
	case f.changes <- struct{}{}:
	default:
	}
}

func (f *fakeBackend) readCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

func (f *fakeBackend) next(t *testing.T) control.Command {
	t.Helper()
	select {
	case c := <-f.cmds:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no command from the tray within 5 s")
		return control.Command{}
	}
}

func session(t *testing.T, withBus bool) *desktoptest.Session {
	t.Helper()
	s, err := desktoptest.Start(desktoptest.Options{DBus: withBus})
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

func TestAvailableWithoutBus(t *testing.T) {
	session(t, false)
	ok, why := Available()
	if ok || !strings.Contains(why, "no D-Bus session bus") {
		t.Fatalf("Available() = %v, %q", ok, why)
	}
	// Run refuses instead of letting systray panic on exit, and does not
	// use up the process's one tray.
	err := Run(context.Background(), newFakeBackend(view.Snapshot{}), Options{})
	if !errors.Is(err, ErrNoBus) {
		t.Fatalf("Run without a bus: %v, want ErrNoBus", err)
	}
	if ran.Load() {
		t.Fatal("a failed Run counted as the process's tray")
	}
}

func TestAvailableWithBusButNoWatcher(t *testing.T) {
	session(t, true)
	ok, why := Available()
	if ok || !strings.Contains(why, "no tray host") || !strings.Contains(why, NoHostHint) {
		t.Fatalf("Available() = %v, %q", ok, why)
	}
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, got := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s after 5 s", what, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func decodePNG(t *testing.T, b []byte) *image.NRGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewNRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, image.Point{}, draw.Src)
	return out
}

// TestTrayOverDBus runs the real tray (fyne.io/systray) on a private bus and
// looks at it the way a desktop's tray host does, through sniwatcher. It is
// the one test per process that may call Run.
//
// systray allows one tray per process, so the test runs itself in a child
// process: -count=N and the other tests' environment cannot get in its way.
func TestTrayOverDBus(t *testing.T) {
	if os.Getenv("MAILBELL_TRAY_CHILD") != "1" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTrayOverDBus$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "MAILBELL_TRAY_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || testing.Verbose() {
			t.Logf("child output:\n%s", out)
		}
		if err != nil {
			t.Fatalf("child test: %v", err)
		}
		if !strings.Contains(string(out), "--- PASS: TestTrayOverDBus") {
			t.Fatal("the child did not run the test")
		}
		return
	}
	s := session(t, true)
	leaks := goleak.IgnoreCurrent()

	now := time.Now()
	work := view.Account{ID: "work", Name: "Work", Enabled: true, Folders: []view.Folder{{Name: "INBOX", State: view.StateIdle}}}
	personal := view.Account{ID: "personal", Name: "Personal", Enabled: true, Folders: []view.Folder{{Name: "INBOX", State: view.StateIdle}}}
	ann := view.Message{Account: "work", Folder: "INBOX", UIDValidity: 1, UID: 42, From: "Ann Lee", Subject: "Quarterly report", Date: now}
	bob := view.Message{Account: "work", Folder: "INBOX", UIDValidity: 1, UID: 41, From: "Bob", Subject: "re_port", Date: now.Add(-time.Minute)}
	old := view.Message{Account: "work", Folder: "INBOX", UIDValidity: 1, UID: 40, From: "Cy", Subject: "read already", Seen: true}
	snap := view.Snapshot{Accounts: []view.Account{work, personal}, Recent: []view.Message{ann, bob, old}, Unseen: 2, Notifications: true}
	fb := newFakeBackend(snap)

	// The tray starts before any tray host exists, as when a session's
	// autostart beats the panel.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- Run(ctx, fb, Options{OnReady: func() { close(ready) }}) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the tray did not get ready")
	}

	// Then the host appears: systray registers with it by itself.
	w, err := sniwatcher.Dial(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c, cancelC := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelC()
	it, err := w.WaitItem(c)
	if err != nil {
		t.Fatal(err)
	}
	// systray registers under its unique name; the start-up guard under the
	// well-known one.
	t.Logf("registered as %s", it)
	if ok, why := Available(); !ok {
		t.Fatalf("Available with a watcher: %q", why)
	}

	props, err := w.Properties(c, it)
	if err != nil {
		t.Fatal(err)
	}
	if props.Title != Title || props.ID != Title || props.Status != "Active" {
		t.Errorf("properties %+v", props)
	}
	if props.ToolTip.Title != "Mailbell · 2 unread messages · All accounts connected" {
		t.Errorf("tooltip %q", props.ToolTip.Title)
	}
	checkIcon := func(want view.Icon, unseen int) (bool, string) {
		p, err := w.Properties(c, it)
		if err != nil || len(p.IconPixmap) != 1 {
			return false, "no icon"
		}
		got := p.IconPixmap[0].Image()
		exp := decodePNG(t, icon.Variant(want, unseen, icon.TraySize))
		if got == nil || !reflect.DeepEqual(got.Pix, exp.Pix) {
			return false, "a different icon"
		}
		return true, ""
	}
	eventually(t, "unread icon", func() (bool, string) { return checkIcon(view.IconUnread, 2) })

	menu := func() sniwatcher.MenuItem {
		t.Helper()
		m, err := w.Menu(c, it)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := menu()
	wantShown := []string{"All accounts connected", "Ann Lee — Quarterly report", "Bob — re_port", "---",
		"Open mail" + " — Work", "Open mail" + " — Personal", "Open Mailbell", "Check now", view.PauseLabel(), "Settings…", "---", "Quit"}
	if got := m.Shown(); !reflect.DeepEqual(got, wantShown) {
		t.Fatalf("menu %q\nwant %q", got, wantShown)
	}
	if st, _ := m.Find("All accounts connected"); st.Enabled {
		t.Error("the status line is clickable")
	}
	if b, _ := m.Find("Bob — re_port"); b.Label != "Bob — re__port" {
		t.Errorf("underscore not escaped for dbusmenu: %q", b.Label)
	}
	pause, _ := m.Find(view.PauseLabel())
	var wantPause []string
	for _, o := range view.PauseOptions() {
		wantPause = append(wantPause, o.Label)
	}
	if got := pause.Shown(); !reflect.DeepEqual(got, append(wantPause, view.ResumeLabel())) {
		t.Errorf("pause submenu %q, want the lengths %q and %q", got, wantPause, view.ResumeLabel())
	}
	if r, _ := m.Find(view.ResumeLabel()); r.Enabled {
		t.Error("Resume enabled while not paused")
	}

	// Every entry sends its command.
	click := func(text string) control.Command {
		t.Helper()
		if err := w.ClickText(c, it, text); err != nil {
			t.Fatal(err)
		}
		return fb.next(t)
	}
	if got := click("Check now"); got.Cmd != control.CmdCheckNow {
		t.Errorf("Check now sent %+v", got)
	}
	if got := click("Ann Lee — Quarterly report"); got != (control.Command{Cmd: control.CmdOpenMail, Message: ann.Key()}) {
		t.Errorf("subject sent %+v", got)
	}
	if got := click("Bob — re_port"); got.Message != bob.Key() {
		t.Errorf("second subject sent %+v", got)
	}
	if got := click("Open mail" + " — Personal"); got != (control.Command{Cmd: control.CmdOpenMail, Account: "personal"}) {
		t.Errorf("Open mail sent %+v", got)
	}
	if got := click("Open Mailbell"); got != (control.Command{Cmd: control.CmdShowWindow, View: control.ViewRecent}) {
		t.Errorf("Open sent %+v", got)
	}
	if got := click("Settings…"); got != (control.Command{Cmd: control.CmdShowWindow, View: control.ViewSettings}) {
		t.Errorf("Settings sent %+v", got)
	}
	// Each pause length sends its end, as view computes it for the moment of
	// the click (somewhere between before and after).
	for _, o := range view.PauseOptions() {
		before := time.Now()
		got := click(o.Label)
		after := time.Now()
		if got.Cmd != control.CmdPause || got.Until.Before(o.Until(before)) || got.Until.After(o.Until(after)) {
			t.Errorf("%s sent %+v, want a pause until between %v and %v", o.Label, got, o.Until(before), o.Until(after))
		}
	}
	if got := click("Quit"); got.Cmd != control.CmdQuit {
		t.Errorf("Quit sent %+v", got)
	}
	if err := w.Activate(c, it); err != nil {
		t.Fatal(err)
	}
	if got := fb.next(t); got.Cmd != control.CmdShowWindow {
		t.Errorf("a left click sent %+v", got)
	}
	// Opening the menu, as a host does (AboutToShow, Event "opened"),
	// tells the core the person looked; each opening once.
	for range 2 {
		if err := w.Open(c, it); err != nil {
			t.Fatal(err)
		}
		if got := fb.next(t); got != (control.Command{Cmd: control.CmdLooked}) {
			t.Errorf("opening the menu sent %+v", got)
		}
	}

	// Idle: nothing changes, nothing counts down — the tray does not wake.
	reads := fb.readCount()
	time.Sleep(1500 * time.Millisecond)
	if n := fb.readCount() - reads; n != 0 {
		t.Errorf("the idle tray read the snapshot %d times in 1.5 s", n)
	}

	// A connection drops: the status line counts down on its own.
	// Each change gets fresh account slices: the tray reads the old
	// snapshot concurrently.
	setFolders := func(w, p view.Folder) {
		a, b := work, personal
		a.Folders, b.Folders = []view.Folder{w}, []view.Folder{p}
		snap.Accounts = []view.Account{a, b}
	}
	setFolders(view.Folder{Name: "INBOX", State: view.StateBackoff, Error: "reset", NextTry: time.Now().Add(40 * time.Second)}, personal.Folders[0])
	fb.set(snap)
	var first string
	eventually(t, "reconnecting status", func() (bool, string) {
		first = menu().Children[0].Text()
		return strings.HasPrefix(first, "Work: reconnecting in "), first
	})
	eventually(t, "countdown", func() (bool, string) {
		got := menu().Children[0].Text()
		return got != first && strings.HasPrefix(got, "Work: reconnecting in "), got
	})

	// A password is refused while notifications are paused until resumed
	// and the unread mail was read elsewhere.
	setFolders(work.Folders[0], view.Folder{Name: "INBOX", State: view.StateStopped, Error: "AUTHENTICATIONFAILED", ErrorKind: view.ErrorAuth})
	snap.PausedUntil = view.Forever
	snap.Recent = []view.Message{old}
	snap.Unseen = 0
	fb.set(snap)
	paused := view.PausedText(view.Forever, time.Now())
	eventually(t, "trouble and pause", func() (bool, string) {
		got := menu().Shown()
		want := []string{"Personal: password rejected — open Settings", "---",
			"Open mail" + " — Work", "Open mail" + " — Personal", "Open Mailbell", "Check now", paused, "Settings…", "---", "Quit"}
		return reflect.DeepEqual(got, want), strings.Join(got, " | ")
	})
	if r, _ := menu().Find(view.ResumeLabel()); !r.Enabled {
		t.Error("Resume disabled while paused")
	}
	if got := click(view.ResumeLabel()); got.Cmd != control.CmdResume {
		t.Errorf("Resume sent %+v", got)
	}
	eventually(t, "attention icon", func() (bool, string) { return checkIcon(view.IconAttention, 0) })

	// Many unread: five subject lines, newest first.
	setFolders(work.Folders[0], personal.Folders[0])
	snap.PausedUntil = time.Time{}
	snap.Recent = nil
	for i := 1; i <= 8; i++ {
		snap.Recent = append(snap.Recent, view.Message{Account: "work", Folder: "INBOX", UIDValidity: 1, UID: uint32(100 - i),
			From: "Sender", Subject: "Message " + string(rune('0'+i))})
	}
	snap.Unseen = 8
	fb.set(snap)
	eventually(t, "five subjects", func() (bool, string) {
		got := menu().Shown()
		want := []string{"All accounts connected", "Sender — Message 1", "Sender — Message 2", "Sender — Message 3",
			"Sender — Message 4", "Sender — Message 5", "---", "Open mail" + " — Work", "Open mail" + " — Personal", "Open Mailbell", "Check now", view.PauseLabel(), "Settings…", "---", "Quit"}
		return reflect.DeepEqual(got, want), strings.Join(got, " | ")
	})
	eventually(t, "unread 8 icon", func() (bool, string) { return checkIcon(view.IconUnread, 8) })
	props, _ = w.Properties(c, it)
	if props.ToolTip.Title != "Mailbell · 8 unread messages · All accounts connected" {
		t.Errorf("tooltip %q", props.ToolTip.Title)
	}

	// The language changes (save_preferences "language"): the core
	// publishes a snapshot with the new locale, and every word of the menu
	// and the tooltip follows at once, fixed entries and pause lengths too.
	l10n.Use(l10n.Pseudo)
	defer l10n.Use(language.English)
	snap.Language = l10n.Pseudo.String()
	fb.set(snap)
	eventually(t, "the menu in the new language", func() (bool, string) {
		m := menu()
		got := m.Shown()
		if pause, ok := m.Find(view.PauseLabel()); ok {
			got = append(got, pause.Shown()...)
		} else {
			return false, "no pause submenu: " + strings.Join(got, " | ")
		}
		for _, label := range got {
			if label != "---" && !strings.HasPrefix(label, "Sender — ") && !strings.HasPrefix(label, l10n.PseudoOpen) {
				return false, strings.Join(got, " | ")
			}
		}
		return len(got) == 15+4, strings.Join(got, " | ")
	})
	props, _ = w.Properties(c, it)
	if !strings.HasPrefix(props.ToolTip.Title, Title+" · "+l10n.PseudoOpen) || strings.Contains(props.ToolTip.Title, "unread") {
		t.Errorf("tooltip after the change of language %q", props.ToolTip.Title)
	}

	// Stop: Run returns, the item leaves the bus.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	eventually(t, "item gone", func() (bool, string) {
		return len(w.Items()) == 0, "registered"
	})
	if err := Run(context.Background(), fb, Options{}); !errors.Is(err, ErrAlreadyRan) {
		t.Errorf("second Run: %v, want ErrAlreadyRan", err)
	}
	if err := w.Close(); err != nil {
		t.Error(err)
	}
	goleak.VerifyNone(t, leaks)
}
