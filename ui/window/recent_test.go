package window

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/view"
)

func stateSnapshot(now time.Time) view.Snapshot {
	return view.Snapshot{
		Notifications: true,
		Accounts: []view.Account{
			{ID: "work", Name: "Work", Enabled: true, Folders: []view.Folder{
				{Name: "INBOX", State: view.StateIdle, LastCheck: now.Add(-2 * time.Minute)},
			}},
			{ID: "lists", Name: "Lists", Enabled: true, Folders: []view.Folder{
				{Name: "INBOX", State: view.StatePolling, PollInterval: time.Minute, LastCheck: now.Add(-30 * time.Second)},
				{Name: "Lists/go", State: view.StateConnecting},
			}},
			{ID: "home", Name: "Home", Enabled: true, Folders: []view.Folder{
				{Name: "INBOX", State: view.StateBackoff, NextTry: now.Add(12 * time.Second), Error: "cannot reach imap.home.example:993: connection refused", ErrorKind: view.ErrorNetwork, LastCheck: now.Add(-3 * time.Hour)},
			}},
			{ID: "personal", Name: "Personal", Enabled: true, Folders: []view.Folder{
				{Name: "INBOX", State: view.StateStopped, Error: "password rejected for ann", ErrorKind: view.ErrorAuth},
			}},
			{ID: "old", Name: "Old", Enabled: false, Folders: []view.Folder{
				{Name: "INBOX", State: view.StateDisabled},
			}},
		},
		Recent: []view.Message{
			{Account: "work", AccountName: "Work", Folder: "INBOX", UIDValidity: 7, UID: 12, From: "Ann Example", Subject: "Quarterly report", Date: now.Add(-5 * time.Minute)},
			{Account: "home", AccountName: "Home", Folder: "INBOX", UIDValidity: 3, UID: 4, From: "Bob", Subject: "Dinner?", Date: now.Add(-3 * time.Hour), Seen: true},
		},
		Unseen: 1,
	}
}

func TestRecentWindowShowsMessagesAndEveryAccountState(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir()})
	r := h.u.openRecent()
	h.snapshot(stateSnapshot(h.now))

	all := windowTexts(r.w)
	for _, want := range []string{
		"Work", "Connected · idle", "last check 2 min ago",
		"Lists", "INBOX · Polling every 60 s", "last check just now", "Lists/go · Connecting…",
		"Home", "Reconnecting in 12 s", "cannot reach imap.home.example:993: connection refused", "last check 3 h ago",
		"Personal", "Password rejected — open Settings", "Open Settings",
		"Old", "Disabled",
		// the messages, newest first
		"Ann Example", "Quarterly report", "5 min ago",
		"Bob", "Dinner?",
		"Check now", "Pause", "Settings",
	} {
		mustText(t, all, want)
	}
	// No empty-state text when there is mail.
	if containsText(all, "No new mail") {
		t.Errorf("empty state shown with messages: %q", all)
	}
	// Unread sender bold, read sender not; the unread dot only on unread.
	rows := messageRows(r)
	if len(rows) != 2 {
		t.Fatalf("%d rows laid out, want 2", len(rows))
	}
	if !rows[0].sender.TextStyle.Bold || rows[0].sender.Text != "Ann Example" {
		t.Errorf("unread row: sender %q bold=%v, want bold Ann Example", rows[0].sender.Text, rows[0].sender.TextStyle.Bold)
	}
	if rows[1].sender.TextStyle.Bold {
		t.Errorf("read row's sender is bold")
	}
	if _, _, _, a := rows[0].dot.FillColor.RGBA(); a == 0 {
		t.Errorf("unread row has no dot")
	}
	if _, _, _, a := rows[1].dot.FillColor.RGBA(); a != 0 {
		t.Errorf("read row has a dot")
	}
	if rows[0].fromAcct.Text != "Work" || rows[1].fromAcct.Text != "Home" {
		t.Errorf("account names %q, %q", rows[0].fromAcct.Text, rows[1].fromAcct.Text)
	}

	// A countdown ticks every second; time passing is shown on the next tick.
	if !r.fast.Load() {
		t.Errorf("backoff countdown on screen but the clock is not fast")
	}
	h.now = h.now.Add(5 * time.Second)
	r.update()
	mustText(t, windowTexts(r.w), "Reconnecting in 7 s")

	// "Open Settings" on the rejected account opens settings at that account.
	btn := findButton(r.w.Content(), "Open Settings")
	test.Tap(btn)
	if h.u.settings == nil {
		t.Fatal("Open Settings did not open the settings window")
	}
	if h.u.settings.pending != "personal" {
		t.Errorf("settings window will select %q, want personal", h.u.settings.pending)
	}
}

// messageRows returns the list's laid-out rows, top first.
func messageRows(r *recentWindow) []*messageRow {
	var rows []*messageRow
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *messageRow:
			rows = append(rows, x)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(r.list)
	// The list lays rows out in order, but keeps them in a pool: sort by position.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Position().Y < rows[j-1].Position().Y; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	return rows
}

func TestRecentWindowEmptyStates(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir()})
	r := h.u.openRecent()
	mustText(t, windowTexts(r.w), "Connecting to Mailbell…")

	h.snapshot(view.Snapshot{Notifications: true})
	all := windowTexts(r.w)
	mustText(t, all, "No accounts yet — open Settings to add one")
	mustNotText(t, all, "Connecting to Mailbell…")

	two := view.Snapshot{Notifications: true, Accounts: []view.Account{
		{ID: "a", Name: "A", Enabled: true, Folders: []view.Folder{{Name: "INBOX", State: view.StateIdle}}},
		{ID: "b", Name: "B", Enabled: true, Folders: []view.Folder{{Name: "INBOX", State: view.StateIdle}}},
		{ID: "c", Name: "C", Enabled: false, Folders: []view.Folder{{Name: "INBOX", State: view.StateDisabled}}},
	}}
	h.snapshot(two)
	mustText(t, windowTexts(r.w), "No new mail yet — watching 2 accounts")

	two.Accounts = two.Accounts[:1]
	h.snapshot(two)
	mustText(t, windowTexts(r.w), "No new mail yet — watching 1 account")

	// What is not one account's business shows in the banner.
	two.ConfigError = "config.json:3:5: accounts[0].port: want a whole number"
	h.snapshot(two)
	mustText(t, windowTexts(r.w), "Settings file has an error: config.json:3:5: accounts[0].port: want a whole number")
	two.ConfigError = ""
	two.Notifications = false
	h.snapshot(two)
	mustText(t, windowTexts(r.w), "Notifications are off (Settings → Preferences).")

	// The core going away is said, and the buttons that need it are off.
	close(h.b.snaps)
	h.loop.until(t, "the lost-core banner", func() bool { return h.u.disconnected })
	mustText(t, windowTexts(r.w), "Lost the connection to Mailbell's background process. Start Mailbell again.")
	if !r.checkNow.Disabled() {
		t.Error("Check now enabled without a core")
	}
}

func TestRecentWindowCommands(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir()})
	r := h.u.openRecent()
	s := stateSnapshot(h.now)
	h.snapshot(s)

	test.Tap(r.checkNow)
	// Picking a message opens the mail where the person reads it (the
	// core decides where: open_mail), read or not.
	r.list.Select(1)
	r.list.Select(0)
	// Pause offers lengths; each sends a pause with its end.
	// The tray offers the same lengths with the same words.
	menu := r.pauseMenu()
	opts := view.PauseOptions()
	if len(menu.Items) != len(opts) {
		t.Fatalf("pause menu has %d items, want %d", len(menu.Items), len(opts))
	}
	for i, o := range opts {
		if menu.Items[i].Label != o.Label {
			t.Errorf("pause item %d %q, want %q", i, menu.Items[i].Label, o.Label)
		}
		menu.Items[i].Action()
	}

	want := []control.Command{
		{Cmd: control.CmdCheckNow},
		{Cmd: control.CmdOpenMail, Message: "home/INBOX/3/4"},
		{Cmd: control.CmdOpenMail, Message: "work/INBOX/7/12"},
		{Cmd: control.CmdPause, Until: h.now.Add(time.Hour)},
		{Cmd: control.CmdPause, Until: view.TomorrowMorning(h.now)},
		{Cmd: control.CmdPause, Until: view.Forever},
	}
	h.waitCommands(want)

	// Paused: the banner says until when, the button resumes.
	s.PausedUntil = view.Forever
	h.snapshot(s)
	all := windowTexts(r.w)
	mustText(t, all, "Notifications paused until you resume")
	mustText(t, all, "Resume")
	test.Tap(r.pause)
	h.waitCommands(append(want, control.Command{Cmd: control.CmdResume}))

	s.PausedUntil = h.now.Add(90 * time.Minute)
	h.snapshot(s)
	mustText(t, windowTexts(r.w), "Notifications paused until "+l10n.Clock(h.now.Add(90*time.Minute)))
}

func (h *harness) waitCommands(want []control.Command) {
	h.t.Helper()
	h.loop.until(h.t, "the commands", func() bool { return len(h.b.sent()) >= len(want) })
	got := h.b.sent()
	if len(got) != len(want) {
		h.t.Fatalf("commands %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Cmd != want[i].Cmd || got[i].Message != want[i].Message || !got[i].Until.Equal(want[i].Until) {
			h.t.Errorf("command %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestShowMessageSelectsAndMarksRead(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir()})
	// The core asks for a message before the window has its first snapshot.
	h.u.Show(control.Event{Event: control.EvShow, View: control.ViewRecent, Message: "work/INBOX/7/12"})
	r := h.u.recent
	if r == nil || r.pendingKey != "work/INBOX/7/12" {
		t.Fatalf("show with a message not yet known: pending %q", r.pendingKey)
	}
	s := stateSnapshot(h.now)
	// Put the wanted message far down so that it has to scroll.
	for i := 0; i < 40; i++ {
		m := s.Recent[1]
		m.UID = uint32(100 + i)
		s.Recent = append([]view.Message{m}, s.Recent...)
	}
	h.snapshot(s)
	if r.selected != "work/INBOX/7/12" {
		t.Fatalf("selected %q", r.selected)
	}
	if r.list.GetScrollOffset() <= 0 {
		t.Errorf("list not scrolled to the message (offset %v)", r.list.GetScrollOffset())
	}
	h.waitCommands([]control.Command{{Cmd: control.CmdMarkRead, Message: "work/INBOX/7/12"}})

	// A new snapshot (the message now read) keeps the selection and sends nothing.
	s.Recent[40].Seen = true
	s.Unseen = 0
	h.snapshot(s)
	if r.selected != "work/INBOX/7/12" {
		t.Errorf("selection lost: %q", r.selected)
	}
	time.Sleep(20 * time.Millisecond)
	h.loop.drain()
	if n := len(h.b.sent()); n != 1 {
		t.Errorf("%d commands, want 1: %+v", n, h.b.sent())
	}
}

func TestShowEventsAndLastWindowQuits(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir()})
	h.b.shows <- control.Event{Event: control.EvShow, View: control.ViewSettings}
	h.loop.until(t, "the settings window", func() bool { return h.u.settings != nil })
	h.b.shows <- control.Event{Event: control.EvShow, View: control.ViewRecent}
	h.loop.until(t, "the recent window", func() bool { return h.u.recent != nil })
	// Showing again raises the same window rather than a second one.
	first := h.u.recent
	h.u.Show(control.Event{Event: control.EvShow})
	if h.u.recent != first {
		t.Error("a second recent window")
	}
	titled := 0
	for _, w := range h.app.Driver().AllWindows() {
		if w.Title() != "" { // the test driver keeps an untitled window of its own
			titled++
		}
	}
	if titled != 2 {
		t.Errorf("%d windows, want 2", titled)
	}

	h.u.recent.w.Close()
	if h.u.recent != nil {
		t.Error("closed recent window still known")
	}
	if h.quitCount() != 0 {
		t.Fatal("quit with the settings window still open")
	}
	h.u.settings.w.Close()
	if h.quitCount() != 1 {
		t.Fatalf("quit %d times after the last window closed, want 1", h.quitCount())
	}
}

func TestSnapshotsLatestWins(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir()})
	r := h.u.openRecent()
	var last view.Snapshot
	for i := 1; i <= 5; i++ {
		last = view.Snapshot{Notifications: true, Unseen: i}
		h.b.snaps <- last
	}
	h.loop.until(t, "the last snapshot", func() bool { return h.u.snap.Unseen == 5 })
	if r.u.snap.Unseen != last.Unseen {
		t.Fatal("not the latest")
	}
}
