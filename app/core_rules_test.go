package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/app/view"
	"mailbell/internal/testenv/imaptest"
)

func deliverFrom(t *testing.T, srv *imaptest.Server, user, folder, from, subject string) {
	t.Helper()
	if _, err := srv.Append(user, folder, imaptest.Message(from, user+"@example.com", subject, time.Now())); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// rulesAccount is one account "work" with INBOX and Lists, and the given
// extra account fields and preferences (JSON members, may be "").
func rulesAccount(t *testing.T, acctExtra, prefs string) (*imaptest.Server, string) {
	t.Helper()
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"work": "pw-work"}})
	if err != nil {
		t.Fatalf("imaptest: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.CreateMailbox("work", "Lists"); err != nil {
		t.Fatalf("create Lists: %v", err)
	}
	if acctExtra != "" {
		acctExtra = "," + acctExtra
	}
	cfg := fmt.Sprintf(`{"accounts":[
 {"id":"work","name":"Work","email":"work@example.com","host":"127.0.0.1","port":%d,"security":"plain","username":"work","folders":["INBOX","Lists"]%s}],
 "preferences": {"notifications": true, "show_sender": true, "show_subject": true, "idle_refresh_minutes": 9, "poll_seconds": 60 %s}}`,
		srv.Port(), acctExtra, prefs)
	return srv, cfg
}

func (h *harness) newMail(subject string) (control.Event, bool) {
	for _, e := range h.events(control.EvNewMail) {
		if e.Subject == subject {
			return e, true
		}
	}
	return control.Event{}, false
}

func (h *harness) notifiedSubjects() []string {
	var out []string
	for _, n := range h.notifications() {
		out = append(out, n.Summary+" / "+n.Body)
	}
	return out
}

// A muted sender's mail is counted, listed (marked muted), printed with
// "muted": true, and makes no notification.
func TestMutedSenderCountedListedPrintedNotNotified(t *testing.T) {
	srv, cfg := rulesAccount(t, "", `, "rules": {"mute_senders": ["spam.example.com"]}`)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("2 folders idle", h.allIdle(2))

	deliverFrom(t, srv, "work", "INBOX", "Deals <offers@news.spam.example.com>", "Buy now")
	h.waitFor("the muted mail's event", func() bool { _, ok := h.newMail("Buy now"); return ok })
	// A second message afterwards: notifications go out in order, so once
	// its notification is there the muted one would have been before it.
	deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", "Lunch?")
	h.waitFor("the marker's notification", func() bool { return len(h.notifications()) >= 1 })

	muted, _ := h.newMail("Buy now")
	if !muted.Muted {
		t.Fatalf("muted mail's event %+v: want Muted", muted)
	}
	line, err := json.Marshal(muted)
	if err != nil || !strings.Contains(string(line), `"muted":true`) {
		t.Fatalf("printed line %s (%v): want \"muted\":true", line, err)
	}
	marker, _ := h.newMail("Lunch?")
	if marker.Muted {
		t.Fatalf("unmuted mail printed muted: %+v", marker)
	}
	if l, _ := json.Marshal(marker); strings.Contains(string(l), "muted") {
		t.Fatalf("an unmuted line says muted: %s", l)
	}
	if got := h.notifiedSubjects(); len(got) != 1 || !strings.Contains(got[0], "Lunch?") {
		t.Fatalf("notifications %q: want only Lunch?", got)
	}
	h.waitFor("counted and listed", func() bool {
		s := h.core.Snapshot()
		return s.Unseen == 2 && len(s.Recent) == 2 && s.Muted == 1
	})
	for _, m := range h.core.Snapshot().Recent {
		if m.Muted != (m.Subject == "Buy now") {
			t.Fatalf("recent %+v: muted is wrong", m)
		}
	}
}

// A silent folder is watched and counted but never notifies.
func TestSilentFolderCounts(t *testing.T) {
	srv, cfg := rulesAccount(t, `"folder_options": {"Lists": {"notify": false}}`, "")
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("2 folders idle", h.allIdle(2))

	deliverFrom(t, srv, "work", "Lists", "List <golang-nuts@example.org>", "[go] release")
	h.waitFor("the list mail's event", func() bool { _, ok := h.newMail("[go] release"); return ok })
	deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", "Lunch?")
	h.waitFor("the marker's notification", func() bool { return len(h.notifications()) >= 1 })
	if got := h.notifiedSubjects(); len(got) != 1 || !strings.Contains(got[0], "Lunch?") {
		t.Fatalf("notifications %q: want only Lunch?", got)
	}
	if e, _ := h.newMail("[go] release"); !e.Muted || e.Folder != "Lists" {
		t.Fatalf("list mail %+v: want muted in Lists", e)
	}
	h.waitFor("Lists counts its mail", func() bool {
		for _, f := range h.core.Snapshot().Accounts[0].Folders {
			if f.Name == "Lists" {
				return f.Unseen == 1 && f.Total == 1
			}
		}
		return false
	})
}

// quietNow is quiet hours around now, every day, in the local time zone.
func quietNow() string {
	now := time.Now()
	return fmt.Sprintf(`"quiet_hours": {"from": %q, "to": %q}`, now.Add(-2*time.Hour).Format("15:04"), now.Add(2*time.Hour).Format("15:04"))
}

// A VIP allowed to break quiet hours notifies during them, silently; the
// others are muted by the VIP list.
func TestVIPNotifiesDuringQuietHours(t *testing.T) {
	srv, cfg := rulesAccount(t, "", `, `+quietNow()+`, "rules": {"vip_senders": ["boss@example.com"], "vip_breaks_quiet": true}`)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("2 folders idle", h.allIdle(2))

	deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", "Not a VIP")
	h.waitFor("the first event", func() bool { _, ok := h.newMail("Not a VIP"); return ok })
	deliverFrom(t, srv, "work", "INBOX", "The Boss <boss@example.com>", "Urgent")
	h.waitFor("the VIP's notification", func() bool { return len(h.notifications()) >= 1 })
	ns := h.notifications()
	if len(ns) != 1 || ns[0].Body != "Urgent" {
		t.Fatalf("notifications %+v: want only the VIP's", ns)
	}
	if ns[0].Sound {
		t.Fatalf("a sound during quiet hours: %+v", ns[0])
	}
	if e, _ := h.newMail("Not a VIP"); !e.Muted {
		t.Fatalf("non-VIP %+v: want muted", e)
	}
}

// Quiet hours hold mail; when they end (here: removed by a reload) it
// comes as one notification with its sound.
func TestQuietHoursHoldThenOneSummary(t *testing.T) {
	srv, cfg := rulesAccount(t, "", `, `+quietNow())
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("2 folders idle", h.allIdle(2))
	for i := range 2 {
		deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", fmt.Sprint("held ", i))
	}
	h.waitFor("both events", func() bool { return len(h.events(control.EvNewMail)) == 2 })
	if n := h.notifications(); len(n) != 0 {
		t.Fatalf("notified during quiet hours: %+v", n)
	}
	writeConfig(t, dir, strings.Replace(cfg, `, `+quietNow(), "", 1))
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatalf("reload: %v", err)
	}
	h.waitFor("the summary", func() bool { return len(h.notifications()) >= 1 })
	ns := h.notifications()
	if len(ns) != 1 || !strings.Contains(ns[0].Summary, "2 new messages") || !strings.Contains(ns[0].Summary, "quiet hours") || !ns[0].Sound {
		t.Fatalf("notifications %+v: want one summary of 2 with a sound", ns)
	}
}

// A pause survives a restart of the core on the same config folder.
func TestPauseSurvivesRestart(t *testing.T) {
	srv, cfg := rulesAccount(t, "", "")
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newStore(map[string]string{"work": "pw-work"})
	h := newHarness(t, dir, store)
	h.waitFor("2 folders idle", h.allIdle(2))
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdPause}); err != nil {
		t.Fatalf("pause: %v", err)
	}
	h.stop()

	h2 := newHarness(t, dir, store)
	if got := h2.core.Snapshot().PausedUntil; !got.Equal(view.Forever) {
		t.Fatalf("after a restart PausedUntil = %v, want until resumed", got)
	}
	h2.waitFor("2 folders idle", h2.allIdle(2))
	deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", "While paused")
	h2.waitFor("the event", func() bool { _, ok := h2.newMail("While paused"); return ok })
	if n := h2.notifications(); len(n) != 0 {
		t.Fatalf("notified while paused: %+v", n)
	}
	if _, err := h2.core.Do(context.Background(), control.Command{Cmd: control.CmdResume}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	h2.waitFor("the held mail", func() bool { return len(h2.notifications()) == 1 })
	h2.stop()

	h3 := newHarness(t, dir, store)
	if got := h3.core.Snapshot().PausedUntil; !got.IsZero() {
		t.Fatalf("resumed, restarted: PausedUntil = %v", got)
	}
}

// The notification carries the sound (first of a burst only, not for an
// account whose sound is off), the sound file and the pop-up persistence.
func TestSoundAndPopupPreferences(t *testing.T) {
	srv, cfg := rulesAccount(t, "", `, "sound": {"file": "/tmp/ding.oga"}, "popup": "persistent", "batching": "each"`)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("2 folders idle", h.allIdle(2))
	deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", "One")
	h.waitFor("one", func() bool { return len(h.notifications()) == 1 })
	n := h.notifications()[0]
	if !n.Sound || n.SoundFile != "/tmp/ding.oga" || !n.Persistent {
		t.Fatalf("notification %+v: want sound with the file, persistent", n)
	}

	// The account's sound off: silent, still shown.
	writeConfig(t, dir, strings.Replace(cfg, `"folders":["INBOX","Lists"]`, `"folders":["INBOX","Lists"],"sound":false`, 1))
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatalf("reload: %v", err)
	}
	h.waitFor("2 folders idle again", h.allIdle(2))
	deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", "Two")
	h.waitFor("two", func() bool { return len(h.notifications()) == 2 })
	if n := h.notifications()[1]; n.Sound || n.SoundFile != "" || n.Body != "Two" {
		t.Fatalf("notification %+v: want silent", n)
	}
}

// Changing an account's notification settings applies at once without
// reconnecting it: the next mail follows the new rules, with no new login.
func TestNotificationSettingsApplyWithoutReconnect(t *testing.T) {
	srv, cfg := rulesAccount(t, "", "")
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("2 folders idle", h.allIdle(2))
	logins := srv.LoginCount("work")

	writeConfig(t, dir, strings.Replace(cfg, `"folders":["INBOX","Lists"]`, `"folders":["INBOX","Lists"],"notify":false,"aliases":["w@example.org"]`, 1))
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatalf("reload: %v", err)
	}
	deliverFrom(t, srv, "work", "INBOX", "Bob <bob@example.org>", "After the change")
	h.waitFor("the event", func() bool { _, ok := h.newMail("After the change"); return ok })
	if e, _ := h.newMail("After the change"); !e.Muted {
		t.Fatalf("mail of an account with notify off: %+v, want muted", e)
	}
	if n := srv.LoginCount("work"); n != logins {
		t.Fatalf("logins went from %d to %d: the account reconnected for a notification setting", logins, n)
	}
}
