package window

import (
	"reflect"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/rules"
	"mailbell/platform/secrets"
)

// The Notifications tab: the defaults shown, problems in words under their
// fields (Save refused), the rules in words, and a save that reaches
// config.json through the core without touching the other preferences.
func TestNotificationsTab(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: secrets.Memory()})
	s := h.openSettings("")
	s.tabs.SelectIndex(2)
	r := s.rules
	all := windowTexts(s.w)
	for _, want := range []string{"Mute mail from", "Quiet hours", "Play a sound", "Pop-ups", popupDefaultLabel(), batchSummariseLabel()} {
		mustText(t, all, want)
	}
	if !r.sound.Checked || r.quiet.Checked || !r.from.Disabled() || r.popup.Selected != popupDefaultLabel() || r.batching.Selected != batchSummariseLabel() {
		t.Fatalf("defaults not shown: sound %v quiet %v popup %q batching %q", r.sound.Checked, r.quiet.Checked, r.popup.Selected, r.batching.Selected)
	}
	if !containsText(all, "Every new message notifies") || !containsText(all, "No quiet hours") {
		t.Errorf("the defaults in words missing: %q", all)
	}
	if !r.saveBtn.Disabled() {
		t.Error("Save enabled with nothing changed")
	}

	// Problems, in words, under their fields.
	r.muteSenders.SetText("spam.example.com\nnot an address")
	r.quiet.SetChecked(true)
	r.from.SetText("25:00")
	r.soundFile.SetText("ding.oga")
	all = windowTexts(s.w)
	for _, want := range []string{
		`Line 2: "not an address" is not an address or a domain`,
		`"25:00" is not a time`,
		`"ding.oga" is not an absolute path`,
		"(fix the fields marked in red to see the rules in words)",
	} {
		if !containsText(all, want) {
			t.Errorf("no %q on screen; texts: %q", want, all)
		}
	}
	if !r.saveBtn.Disabled() {
		t.Error("Save enabled with invalid fields")
	}

	// Fixed: the rules in words, then saved.
	r.muteSenders.SetText("spam.example.com")
	r.muteSubjects.SetText("unsubscribe")
	r.vips.SetText("boss@example.com")
	r.vipQuiet.SetChecked(true)
	r.from.SetText("22:00")
	r.to.SetText("07:00")
	for i, d := range r.days { // Mon and Fri only
		d.SetChecked(i == 0 || i == 4)
	}
	r.soundFile.SetText("/usr/share/sounds/bell.oga")
	r.popup.SetSelected(popupPersistentLabel())
	r.batching.SetSelected(batchEachLabel())
	all = windowTexts(s.w)
	for _, want := range []string{
		"Mute mail from spam.example.com (and its subdomains)",
		"Mute mail whose subject contains the word “unsubscribe”",
		"Only mail from boss@example.com notifies, even during quiet hours",
		"Quiet from 22:00 to 07:00 on nights starting Mon or Fri",
		"Plays /usr/share/sounds/bell.oga once per batch",
		"Pop-ups stay until you close them",
		"One notification per message",
	} {
		if !containsText(all, want) {
			t.Errorf("no %q in words; texts: %q", want, all)
		}
	}
	if r.saveBtn.Disabled() {
		t.Fatal("Save disabled after valid changes")
	}
	test.Tap(r.saveBtn)
	h.loop.until(t, "saved", func() bool { return !s.saving && r.status.Text != "Saving…" })
	if r.status.Text != "Saved" {
		t.Fatalf("status %q", r.status.Text)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatalf("config.json after save: %v", err)
	}
	want := rules.Preferences{
		Rules: rules.Rules{MuteSenders: []string{"spam.example.com"}, MuteSubjects: []string{"unsubscribe"},
			VIPSenders: []string{"boss@example.com"}, VIPBreaksQuiet: true},
		QuietHours: &rules.QuietHours{From: "22:00", To: "07:00", Days: []string{"mon", "fri"}},
		Sound:      rules.Sound{File: "/usr/share/sounds/bell.oga"},
		Popup:      rules.PopupPersistent,
		Batching:   rules.BatchEach,
	}
	if !reflect.DeepEqual(cfg.Preferences.Preferences, want) {
		t.Errorf("saved %+v\nwant %+v", cfg.Preferences.Preferences, want)
	}
	if cfg.Preferences.IdleRefreshMinutes != 9 || !cfg.Preferences.Notifications {
		t.Errorf("the other preferences changed: %+v", cfg.Preferences)
	}
	if !r.saveBtn.Disabled() {
		t.Error("Save enabled right after saving")
	}

	// The Preferences tab saves on top of these, not over them.
	s.tabs.SelectIndex(1)
	s.prefs.idle.SetText("5")
	test.Tap(s.prefs.saveBtn)
	h.loop.until(t, "preferences saved", func() bool { return !s.saving && s.prefs.status.Text != "Saving…" })
	cfg, err = config.Load(dir)
	if err != nil {
		t.Fatalf("config.json after the second save: %v", err)
	}
	if cfg.Preferences.IdleRefreshMinutes != 5 || !reflect.DeepEqual(cfg.Preferences.Preferences, want) {
		t.Errorf("after saving the Preferences tab: %+v", cfg.Preferences)
	}
}
