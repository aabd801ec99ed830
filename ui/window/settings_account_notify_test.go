package window

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/platform/secrets"
)

// The account form's notification section: what config.json says shown,
// a wrong alias refused in the config's words, and notify, sound, aliases
// and silent folders saved through the core.
func TestAccountNotificationSection(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"accounts":[{"id":"work","name":"Work","email":"ann@example.com","host":"127.0.0.1","port":1,"security":"plain",
 "folders":["INBOX","Lists"],"aliases":["ann.lee@example.com"]}]}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	mem := secrets.Memory()
	mem.Set(context.Background(), "work", "pw")
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: mem})
	s := h.openSettings("work")
	h.loop.until(t, "the account in the form", func() bool { return s.form.base.ID == "work" })
	f, n := s.form, s.form.notif
	if !n.notify.Checked || !n.sound.Checked || n.aliases.Text != "ann.lee@example.com" || n.silent.Text != "" {
		t.Fatalf("section shows notify %v sound %v aliases %q silent %q", n.notify.Checked, n.sound.Checked, n.aliases.Text, n.silent.Text)
	}
	mustText(t, windowTexts(s.w), "• Never for mail from your own addresses (ann@example.com, ann.lee@example.com)")

	n.aliases.SetText("ann.lee@example.com, me")
	if !containsText(windowTexts(s.w), `aliases: "me" is not an email address`) || !f.saveBtn.Disabled() {
		t.Fatalf("a wrong alias: save enabled %v; texts %q", !f.saveBtn.Disabled(), windowTexts(s.w))
	}
	n.aliases.SetText("ann.lee@example.com, a.lee@example.org")
	n.silent.SetText("Spam")
	if !containsText(windowTexts(s.w), `is not one of this account's folders`) || !f.saveBtn.Disabled() {
		t.Fatalf("a silent folder not watched: texts %q", windowTexts(s.w))
	}
	n.silent.SetText("Lists")
	n.sound.SetChecked(false)
	if !containsText(windowTexts(s.w), "• No notifications for Lists") {
		t.Errorf("no %q in words; texts %q", "• No notifications for Lists", windowTexts(s.w))
	}
	if f.saveBtn.Disabled() {
		t.Fatalf("Save disabled; texts %q", windowTexts(s.w))
	}
	test.Tap(f.saveBtn)
	h.loop.until(t, "saved", func() bool { return !s.saving })
	got, err := config.Load(dir)
	if err != nil {
		t.Fatalf("config.json after save: %v", err)
	}
	a := got.Accounts[0]
	if !a.NotifyOn() || a.SoundOn() || !reflect.DeepEqual(a.Aliases, []string{"ann.lee@example.com", "a.lee@example.org"}) ||
		a.FolderNotifyOn("Lists") || !a.FolderNotifyOn("INBOX") {
		t.Fatalf("saved %+v", a.AccountOptions)
	}

	// Notify off: the account is muted; sound cannot be chosen.
	n.notify.SetChecked(false)
	if !n.sound.Disabled() {
		t.Error("sound can be chosen for an account that does not notify")
	}
	if !containsText(windowTexts(s.w), "• No notifications for this account") {
		t.Errorf("no %q in words; texts %q", "• No notifications for this account", windowTexts(s.w))
	}
}
