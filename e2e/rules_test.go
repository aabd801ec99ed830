package e2e

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/dovecottest"
)

const mutedSender = "Deals <offers@news.spam.example.com>"

// withRules rewrites config.json with notification rules: the account's
// other address, a muted sender domain and subject word.
func (w *world) withRules(t *testing.T) {
	t.Helper()
	cfg := map[string]any{
		"accounts": []map[string]any{{
			"id": accountID, "name": accountName, "email": imapUser + "@example.com",
			"host": "127.0.0.1", "port": w.dc.TLSPort(), "security": "tls",
			"username": imapUser, "ca_file": w.dc.CAFile(),
			"aliases": []string{imapUser + ".other@example.com"},
		}},
		"preferences": map[string]any{
			"notifications": true, "show_sender": true, "show_subject": true,
			"idle_refresh_minutes": 9, "poll_seconds": 60,
			"rules": map[string]any{
				"mute_senders":  []string{"spam.example.com"},
				"mute_subjects": []string{"unsubscribe"},
			},
			"quiet_hours": map[string]any{"from": "22:00", "to": "07:00", "days": []string{"mon", "tue", "wed", "thu", "fri"}},
			"sound":       map[string]any{"enabled": true},
			"popup":       "persistent",
		},
	}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(filepath.Join(w.cfgDir, "config.json"), data, 0o600); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	w.art.write(t, "config-rules.json", data)
}

// Through the built binaries and Dovecot: mail from a muted sender is
// counted but makes no notification while the next message does; the
// headless mode prints it with "muted": true; the settings window's
// Notifications tab shows the rules (screenshot).
func TestRulesEndToEnd(t *testing.T) {
	w := newWorld(t)
	w.withRules(t)
	// The quiet hours above must not hold this test's mail: it may run at
	// night, so they are moved to a spell that is not now.
	w.quietElsewhere(t)
	w.startApp(t)
	w.waitReady(t, "Connected")

	if err := w.dc.Deliver(imapUser, "INBOX", dovecottest.Message(mutedSender, imapUser+"@example.com", "E2E muted offer", time.Now())); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	marker := w.nextSubject("after the muted one")
	// Far enough apart to be two batches: the muted one would be shown
	// before the marker if it were shown at all.
	time.Sleep(1500 * time.Millisecond)
	w.deliver(t, marker)
	if _, err := w.dunst.waitTotal(1, 20*time.Second); err != nil {
		t.Fatalf("the marker's notification: %v", err)
	}
	got, err := w.dunst.collect()
	if err != nil {
		t.Fatalf("dunst: %v", err)
	}
	for _, n := range got {
		if strings.Contains(n.Body+n.Summary, "muted offer") {
			t.Errorf("the muted sender's mail made a notification: %s", describe(got))
		}
	}
	if len(got) != 1 || !strings.Contains(got[0].Body, marker) {
		t.Errorf("notifications %s, want only %q", describe(got), marker)
	}

	// The settings window's Notifications tab, for the README.
	win := startApp(t, w.art, "window-settings", w.bin, w.s.Env(), w.s.Home, "window", "--config-dir", w.cfgDir, "--view", "settings")
	defer win.kill()
	w.notificationsTabShot(t)
	w.stopApp(t)

	// Headless: a muted message is printed with "muted": true.
	h := startApp(t, w.art, "headless", w.bin, w.s.Env(), w.s.Home, "--config-dir", w.cfgDir, "--headless")
	defer h.kill()
	if err := poll(20*time.Second, 100*time.Millisecond, func() error {
		out, _ := h.output()
		if !strings.Contains(out, `"state":"idle"`) {
			return fmt.Errorf("not idle yet: %s", tail(out, 5))
		}
		return nil
	}); err != nil {
		t.Fatalf("headless: %v", err)
	}
	if err := w.dc.Deliver(imapUser, "INBOX", dovecottest.Message(mutedSender, imapUser+"@example.com", "E2E headless muted", time.Now())); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	w.deliver(t, "E2E headless plain")
	var mutedLine, plainLine string
	if err := poll(20*time.Second, 100*time.Millisecond, func() error {
		out, _ := h.output()
		for _, l := range strings.Split(out, "\n") {
			switch {
			case strings.Contains(l, "E2E headless muted"):
				mutedLine = l
			case strings.Contains(l, "E2E headless plain"):
				plainLine = l
			}
		}
		if mutedLine == "" || plainLine == "" {
			return fmt.Errorf("lines so far: %s", tail(out, 10))
		}
		return nil
	}); err != nil {
		t.Fatalf("headless output: %v", err)
	}
	if !strings.Contains(mutedLine, `"muted":true`) {
		t.Errorf("muted message printed as %s, want \"muted\":true", mutedLine)
	}
	if strings.Contains(plainLine, "muted") {
		t.Errorf("plain message printed as %s, want no muted field", plainLine)
	}
}

// quietElsewhere sets the quiet hours to a two-hour spell twelve hours
// from now, so they show in the window without holding this test's mail.
func (w *world) quietElsewhere(t *testing.T) {
	t.Helper()
	path := filepath.Join(w.cfgDir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("config.json: %v", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	from := time.Now().Add(12 * time.Hour)
	cfg["preferences"].(map[string]any)["quiet_hours"] = map[string]any{
		"from": from.Format("15:04"), "to": from.Add(2 * time.Hour).Format("15:04"),
	}
	data, _ = json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("config.json: %v", err)
	}
}

// notificationsTabShot waits for the settings window, clicks its
// Notifications tab (the third, at the tab bar's left) and saves a
// screenshot of the screen as notifications-tab.png.
func (w *world) notificationsTabShot(t *testing.T) {
	t.Helper()
	env := w.s.Env()
	var win xWindow
	if err := poll(20*time.Second, 100*time.Millisecond, func() error {
		var err error
		win, err = viewableWindow(env, "Mailbell Settings")
		return err
	}); err != nil {
		t.Fatalf("settings window: %v", err)
	}
	rect := image.Rect(win.X, win.Y, win.X+win.W, win.Y+win.H)
	before := w.art.path("settings-before.png")
	// Fyne draws a moment after mapping: wait for content.
	if err := poll(15*time.Second, 200*time.Millisecond, func() error {
		if err := w.s.Screenshot(before); err != nil {
			return err
		}
		colours, _, err := shotStats(before, rect, connectedGreen)
		if err != nil {
			return err
		}
		if colours < 16 {
			return fmt.Errorf("%d colours: blank", colours)
		}
		return nil
	}); err != nil {
		t.Fatalf("settings window content: %v", err)
	}
	x, err := dialXInput(w.s.Display)
	if err != nil {
		t.Fatalf("XTEST: %v", err)
	}
	defer x.Close()

	// The account form's Notifications section: choose the account, scroll
	// its form down.
	w.clickAndShoot(t, x, before, "account-form.png", int16(win.X+accountX), int16(win.Y+accountY))
	w.scrollAndShoot(t, x, "account-form.png", "account-notifications.png", int16(win.X+formX), int16(win.Y+win.H/2))

	px, py := int16(win.X+tabX), int16(win.Y+tabY)
	for _, ev := range []struct{ typ, detail byte }{{6, 0}, {4, 1}, {5, 1}} {
		if err := x.fake(ev.typ, ev.detail, px, py); err != nil {
			t.Fatalf("click: %v", err)
		}
	}
	if err := x.sync(); err != nil {
		t.Fatalf("click: %v", err)
	}
	shot := w.art.path("notifications-tab.png")
	if err := waitScreenChange(w.s, before, shot); err != nil {
		t.Errorf("Notifications tab (click at %d,%d): %v", px, py, err)
	}
	t.Logf("screenshot %s (window %dx%d+%d+%d)", shot, win.W, win.H, win.X, win.Y)

	// The rest of the tab: scroll down (wheel: button 5) over the labels'
	// column (an entry would scroll its own text).
	px, py = int16(win.X+30), int16(win.Y+win.H/2)
	if err := x.fake(6, 0, px, py); err != nil {
		t.Fatalf("pointer: %v", err)
	}
	if err := x.sync(); err != nil {
		t.Fatalf("pointer: %v", err)
	}
	// Hover effects settle before the reference shot.
	if err := waitScreenStill(w.s, shot); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	for range 30 {
		if err := x.fake(4, 5, px, py); err != nil {
			t.Fatalf("scroll: %v", err)
		}
		if err := x.fake(5, 5, px, py); err != nil {
			t.Fatalf("scroll: %v", err)
		}
	}
	if err := x.sync(); err != nil {
		t.Fatalf("scroll: %v", err)
	}
	if err := waitScreenChange(w.s, shot, w.art.path("notifications-tab-rest.png")); err != nil {
		t.Errorf("scrolling the Notifications tab: %v", err)
	}
}

// clickAndShoot clicks at px, py and saves a screenshot as shot once the
// screen differs from the screenshot ref.
func (w *world) clickAndShoot(t *testing.T, x *xInput, ref, shot string, px, py int16) {
	t.Helper()
	for _, ev := range []struct{ typ, detail byte }{{6, 0}, {4, 1}, {5, 1}} {
		if err := x.fake(ev.typ, ev.detail, px, py); err != nil {
			t.Fatalf("click: %v", err)
		}
	}
	if err := x.sync(); err != nil {
		t.Fatalf("click: %v", err)
	}
	w.shootWhenChanged(t, ref, shot)
}

// scrollAndShoot scrolls down with the pointer at px, py (over labels: an
// entry would scroll its own text) and saves a screenshot as shot once the
// screen differs from the screenshot ref.
func (w *world) scrollAndShoot(t *testing.T, x *xInput, ref, shot string, px, py int16) {
	t.Helper()
	if err := x.fake(6, 0, px, py); err != nil {
		t.Fatalf("pointer: %v", err)
	}
	for range 30 {
		if err := x.fake(4, 5, px, py); err != nil {
			t.Fatalf("scroll: %v", err)
		}
		if err := x.fake(5, 5, px, py); err != nil {
			t.Fatalf("scroll: %v", err)
		}
	}
	if err := x.sync(); err != nil {
		t.Fatalf("scroll: %v", err)
	}
	w.shootWhenChanged(t, ref, shot)
}

func (w *world) shootWhenChanged(t *testing.T, ref, shot string) {
	t.Helper()
	refPath := w.art.path(ref)
	if filepath.IsAbs(ref) {
		refPath = ref
	}
	if err := waitScreenChange(w.s, refPath, w.art.path(shot)); err != nil {
		t.Errorf("%s: %v", shot, err)
	}
}

// Where the account's row and the form's labels are, from the settings
// window's top-left corner.
const (
	accountX, accountY = 40, 62
	formX              = 230
)

// Where the Notifications tab's label is, from the settings window's
// top-left corner: the third tab of the bar (Accounts, Preferences,
// Notifications) at Fyne's default theme and scale.
const tabX, tabY = 244, 21
