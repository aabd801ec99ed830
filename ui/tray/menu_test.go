package tray

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin for the DST case, whatever the machine has
	"unicode/utf8"

	"mailbell/app/view"

	"mailbell/internal/testenv/l10ntest"
)

var (
	cet = time.FixedZone("CET", 3600)
	// A Monday afternoon.
	now = time.Date(2025, 3, 10, 14, 0, 0, 0, cet)
)

func idle(name string) view.Account {
	return view.Account{ID: strings.ToLower(name), Name: name, Enabled: true,
		Folders: []view.Folder{{Name: "INBOX", State: view.StateIdle}}}
}

func msg(i int, from, subject string, seen bool) view.Message {
	return view.Message{Account: "work", AccountName: "Work", Folder: "INBOX", UIDValidity: 7,
		UID: uint32(i), From: from, Subject: subject, Date: now.Add(-time.Duration(i) * time.Minute), Seen: seen}
}

func TestBuildMenuAllConnected(t *testing.T) {
	s := view.Snapshot{Accounts: []view.Account{idle("Work"), idle("Personal")}, Notifications: true}
	m := BuildMenu(s, now)
	want := Menu{
		Icon:       view.IconNormal,
		Tooltip:    "Mailbell · All accounts connected",
		Status:     "All accounts connected",
		OpenMail:   []OpenMailItem{{Label: "Open mail — Work", Account: "work"}, {Label: "Open mail — Personal", Account: "personal"}},
		PauseTitle: "Pause notifications",
		Labels: Labels{Open: "Open Mailbell", Check: "Check now", Resume: "Resume", Settings: "Settings…", Quit: "Quit",
			Pauses: []string{"For 1 hour", "Until tomorrow morning", "Until I resume"}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got  %+v\nwant %+v", m, want)
	}
	if !reflect.DeepEqual(BuildMenu(s, now), m) {
		t.Fatal("BuildMenu is not deterministic")
	}

	one := BuildMenu(view.Snapshot{Accounts: []view.Account{idle("Work")}}, now)
	if one.Status != "Connected" {
		t.Errorf("one account: status %q", one.Status)
	}
	none := BuildMenu(view.Snapshot{}, now)
	if none.Status != "No accounts set up" || none.RefreshIn != 0 {
		t.Errorf("no accounts: %+v", none)
	}
	bad := BuildMenu(view.Snapshot{ConfigError: "line 3: unexpected }"}, now)
	if bad.Status != "Settings file has an error" {
		t.Errorf("config error: status %q", bad.Status)
	}
}

func TestBuildMenuReconnecting(t *testing.T) {
	work := idle("Work")
	work.Folders[0] = view.Folder{Name: "INBOX", State: view.StateBackoff, Error: "connection reset",
		ErrorKind: view.ErrorNetwork, NextTry: now.Add(30 * time.Second)}
	s := view.Snapshot{Accounts: []view.Account{work, idle("Personal")}}

	m := BuildMenu(s, now)
	if m.Status != "Work: reconnecting in 30 s" {
		t.Errorf("status %q", m.Status)
	}
	if m.Icon != view.IconNormal {
		t.Errorf("a retrying connection is not trouble yet: icon %v", m.Icon)
	}
	if m.RefreshIn != time.Second {
		t.Errorf("seconds count down every second: RefreshIn %v", m.RefreshIn)
	}
	// The countdown moves.
	if got := BuildMenu(s, now.Add(12*time.Second)).Status; got != "Work: reconnecting in 18 s" {
		t.Errorf("12 s later: %q", got)
	}

	work.Folders[0].NextTry = now.Add(5 * time.Minute)
	m = BuildMenu(view.Snapshot{Accounts: []view.Account{work}}, now)
	if m.Status != "Work: reconnecting in 5 min" || m.RefreshIn != 10*time.Second {
		t.Errorf("minutes away: %q, RefreshIn %v", m.Status, m.RefreshIn)
	}

	// Past the retry time the core is dialling: nothing left to count.
	m = BuildMenu(view.Snapshot{Accounts: []view.Account{work}}, now.Add(6*time.Minute))
	if m.Status != "Work: reconnecting…" || m.RefreshIn != 0 {
		t.Errorf("overdue: %q, RefreshIn %v", m.Status, m.RefreshIn)
	}

	// A disabled account's stale backoff does not keep a timer running.
	work.Enabled = false
	work.Folders[0].NextTry = now.Add(30 * time.Second)
	if m := BuildMenu(view.Snapshot{Accounts: []view.Account{work, idle("Personal")}}, now); m.RefreshIn != 0 {
		t.Errorf("disabled account: RefreshIn %v", m.RefreshIn)
	}
}

func TestBuildMenuPasswordRejected(t *testing.T) {
	personal := idle("Personal")
	personal.Folders[0] = view.Folder{Name: "INBOX", State: view.StateStopped, Error: "AUTHENTICATIONFAILED", ErrorKind: view.ErrorAuth}
	s := view.Snapshot{Accounts: []view.Account{idle("Work"), personal}, Unseen: 4,
		Recent: []view.Message{msg(1, "Ann Lee", "Hi", false)}}
	m := BuildMenu(s, now)
	if m.Status != "Personal: password rejected — open Settings" {
		t.Errorf("status %q", m.Status)
	}
	if m.Icon != view.IconAttention {
		t.Errorf("icon %v, want attention (trouble beats unread)", m.Icon)
	}
	if m.RefreshIn != 0 {
		t.Errorf("nothing counts down: RefreshIn %v", m.RefreshIn)
	}
	if m.Tooltip != "Mailbell · 4 unread messages · Personal: password rejected — open Settings" {
		t.Errorf("tooltip %q", m.Tooltip)
	}
	if len(m.Subjects) != 1 {
		t.Errorf("subjects still listed while an account is in trouble: %v", m.Subjects)
	}
}

func TestBuildMenuSubjects(t *testing.T) {
	var recent []view.Message
	for i := 1; i <= 12; i++ {
		recent = append(recent, msg(i, fmt.Sprintf("Sender %d", i), fmt.Sprintf("Subject %d", i), i%3 == 0))
	}
	s := view.Snapshot{Accounts: []view.Account{idle("Work")}, Recent: recent, Unseen: 8}
	m := BuildMenu(s, now)
	if m.Icon != view.IconUnread || m.Unseen != 8 {
		t.Errorf("icon %v unseen %d", m.Icon, m.Unseen)
	}
	var labels, keys []string
	for _, sub := range m.Subjects {
		labels = append(labels, sub.Label)
		keys = append(keys, sub.Key)
	}
	wantLabels := []string{"Sender 1 — Subject 1", "Sender 2 — Subject 2", "Sender 4 — Subject 4",
		"Sender 5 — Subject 5", "Sender 7 — Subject 7"}
	if !reflect.DeepEqual(labels, wantLabels) {
		t.Errorf("labels %q\nwant   %q", labels, wantLabels)
	}
	wantKeys := []string{"work/INBOX/7/1", "work/INBOX/7/2", "work/INBOX/7/4", "work/INBOX/7/5", "work/INBOX/7/7"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("keys %q, want %q", keys, wantKeys)
	}
	if m.Tooltip != "Mailbell · 8 unread messages · Connected" {
		t.Errorf("tooltip %q", m.Tooltip)
	}
	if got := BuildMenu(view.Snapshot{Unseen: 1}, now).Tooltip; got != "Mailbell · 1 unread message · No accounts set up" {
		t.Errorf("tooltip for one %q", got)
	}

	// All read: no subject lines, and a read message never shows.
	for i := range recent {
		recent[i].Seen = true
	}
	if m := BuildMenu(s, now); len(m.Subjects) != 0 {
		t.Errorf("read messages listed: %v", m.Subjects)
	}
}

func TestSubjectLabels(t *testing.T) {
	long := strings.Repeat("Quarterly report with many many words ", 10)
	cases := []struct {
		name          string
		from, addr, s string
		want          string
	}{
		{"plain", "Ann Lee", "ann@example.com", "Quarterly report", "Ann Lee — Quarterly report"},
		{"address when no name", "", "ann@example.com", "Hi", "ann@example.com — Hi"},
		{"no sender at all", "", "", "Hi", "Hi"},
		{"no subject", "Ann Lee", "", "", "Ann Lee — (no subject)"},
		{"whitespace subject", "Ann Lee", "", " \t ", "Ann Lee — (no subject)"},
		{"line breaks and tabs", "Ann\r\nLee", "", "Quarterly\n\treport", "Ann Lee — Quarterly report"},
		{"bidi override and zero-width", "Ann\u202eLee", "", "in\u200bvoice\u2066", "AnnLee — invoice"},
		{"control characters", "Ann\x07", "", "a\x00b\x1bc", "Ann — a b c"},
		{"long subject", "Ann Lee", "", long, "Ann Lee — Quarterly report with many many words Quarterly…"},
		{"long sender", strings.Repeat("Bartholomew ", 5), "", "Hi", "Bartholomew Bartholomew… — Hi"},
		{"wide runes", "李", "", strings.Repeat("界", 100), "李 — " + strings.Repeat("界", 55) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := view.Message{Account: "a", Folder: "INBOX", UID: 1, From: c.from, FromAddr: c.addr, Subject: c.s}
			got := BuildMenu(view.Snapshot{Recent: []view.Message{m}}, now).Subjects[0].Label
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxLabel {
				t.Errorf("%d runes, max %d", n, MaxLabel)
			}
		})
	}
}

func TestBuildMenuPaused(t *testing.T) {
	l10ntest.Use(t, "en-GB") // times of day on a 24-hour clock
	base := view.Snapshot{Accounts: []view.Account{idle("Work")}, Unseen: 2,
		Recent: []view.Message{msg(1, "Ann", "Hi", false)}}
	cases := []struct {
		name    string
		until   time.Time
		title   string
		refresh time.Duration
	}{
		{"later today", time.Date(2025, 3, 10, 15, 30, 0, 0, cet), "Notifications paused until 15:30",
			90*time.Minute + 50*time.Millisecond},
		{"tomorrow morning", view.TomorrowMorning(now), "Notifications paused until tomorrow 08:00",
			10*time.Hour + 50*time.Millisecond}, // at midnight the words change
		{"later this week", time.Date(2025, 3, 13, 8, 0, 0, 0, cet), "Notifications paused until Thu 08:00",
			10*time.Hour + 50*time.Millisecond},
		{"next month", time.Date(2025, 4, 2, 9, 15, 0, 0, cet), "Notifications paused until 2 Apr 09:15",
			10*time.Hour + 50*time.Millisecond},
		{"until resumed", view.Forever, "Notifications paused until you resume", 0},
		{"other time zone shown in local time", time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC),
			"Notifications paused until 16:00", 2*time.Hour + 50*time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base
			s.PausedUntil = c.until
			m := BuildMenu(s, now)
			if m.PauseTitle != c.title {
				t.Errorf("title %q, want %q", m.PauseTitle, c.title)
			}
			if !m.Paused || !m.CanResume {
				t.Errorf("paused %v, resume enabled %v", m.Paused, m.CanResume)
			}
			if m.Icon != view.IconPaused {
				t.Errorf("icon %v, want paused", m.Icon)
			}
			if m.RefreshIn != c.refresh {
				t.Errorf("RefreshIn %v, want %v", m.RefreshIn, c.refresh)
			}
			if !strings.HasSuffix(m.Tooltip, "· notifications paused") {
				t.Errorf("tooltip %q", m.Tooltip)
			}
		})
	}

	// A pause that ended is no pause.
	s := base
	s.PausedUntil = now.Add(-time.Minute)
	m := BuildMenu(s, now)
	if m.Paused || m.CanResume || m.PauseTitle != view.PauseLabel() || m.Icon != view.IconUnread || m.RefreshIn != 0 {
		t.Errorf("expired pause: %+v", m)
	}
	// A trouble icon wins over pause, and the pause stays visible in the menu.
	bad := s
	bad.PausedUntil = view.Forever
	bad.Accounts = []view.Account{{Name: "Work", Enabled: true, Folders: []view.Folder{{State: view.StateStopped, Error: "x", ErrorKind: view.ErrorTLS}}}}
	m = BuildMenu(bad, now)
	if m.Icon != view.IconAttention || !m.CanResume {
		t.Errorf("trouble while paused: %+v", m)
	}
}

// The tray asks to be rebuilt when the pause title's words change: at the
// local midnight that turns "tomorrow 08:00" into "08:00", on the night the
// clocks go forward too, and at the end of the pause.
func TestPauseTitleAcrossMidnight(t *testing.T) {
	l10ntest.Use(t, "en-GB") // times of day on a 24-hour clock
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("loading Europe/Berlin: %v", err)
	}
	evening := time.Date(2025, 3, 29, 23, 30, 0, 0, berlin) // clocks go forward at 02:00
	s := view.Snapshot{Accounts: []view.Account{idle("Work")}, PausedUntil: view.TomorrowMorning(evening)}
	m := BuildMenu(s, evening)
	if m.PauseTitle != "Notifications paused until tomorrow 08:00" || m.RefreshIn != 30*time.Minute+50*time.Millisecond {
		t.Fatalf("before midnight: %q, refresh in %v", m.PauseTitle, m.RefreshIn)
	}
	night := evening.Add(m.RefreshIn)
	m = BuildMenu(s, night)
	if m.PauseTitle != "Notifications paused until 08:00" {
		t.Errorf("after midnight: %q", m.PauseTitle)
	}
	// 00:00 CET to 08:00 CEST is seven hours of real time (built 50 ms past
	// midnight, asked 50 ms past the end: the two cancel).
	if want := 7 * time.Hour; m.RefreshIn != want {
		t.Errorf("after midnight: refresh in %v, want %v", m.RefreshIn, want)
	}
	if m = BuildMenu(s, night.Add(m.RefreshIn)); m.Paused || m.PauseTitle != view.PauseLabel() || m.RefreshIn != 0 {
		t.Errorf("after the pause: %+v", m)
	}
}

func TestMenuLabelEscapesMnemonics(t *testing.T) {
	got := menuLabel("re_port __init__")
	switch runtime.GOOS {
	case "darwin":
		if got != "re_port __init__" {
			t.Errorf("got %q", got)
		}
	case "windows":
		if menuLabel("Q&A") != "Q&&A" {
			t.Errorf("got %q", menuLabel("Q&A"))
		}
	default:
		if got != "re__port ____init____" {
			t.Errorf("got %q", got)
		}
	}
}

func TestOpenMailItems(t *testing.T) {
	one := BuildMenu(view.Snapshot{Accounts: []view.Account{idle("Work")}}, now)
	if want := []OpenMailItem{{Label: "Open mail", Account: "work"}}; !reflect.DeepEqual(one.OpenMail, want) {
		t.Fatalf("one account: %+v", one.OpenMail)
	}
	off := idle("Off")
	off.Enabled = false
	many := []view.Account{off}
	for _, n := range []string{"A", "B", "C", "D", "E"} {
		many = append(many, idle(n))
	}
	m := BuildMenu(view.Snapshot{Accounts: many}, now)
	if len(m.OpenMail) != MaxOpenMail || m.OpenMail[0].Account != "a" || m.OpenMail[0].Label != "Open mail — A" {
		t.Fatalf("many accounts: %+v", m.OpenMail)
	}
	if none := BuildMenu(view.Snapshot{}, now); len(none.OpenMail) != 0 {
		t.Fatalf("no accounts: %+v", none.OpenMail)
	}
}
