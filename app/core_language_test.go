// The tray's menu model lives in ui/tray, whose fyne.io/systray needs cgo
// on macOS; make test-cross vets app for darwin without cgo.

//go:build !darwin

package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/ui/tray"
)

// TestSavePreferencesLanguage: save_preferences with a "language" switches
// the process's language at once: the snapshot says so (a change, so the
// tray renders again), the tray menu built from it speaks the new
// language, and so do the notifications after it. The pseudo-locale
// stands in for a translation, so the test does not depend on one.
func TestSavePreferencesLanguage(t *testing.T) {
	t.Cleanup(func() { l10n.Use(language.English) })
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}))
	h.waitFor("idle", h.allIdle(3))

	if m := tray.BuildMenu(h.core.Snapshot(), time.Now()); m.Labels.Quit != "Quit" || m.Status != "All accounts connected" {
		t.Fatalf("before: %q, %q", m.Labels.Quit, m.Status)
	}
	changes, unsubscribe := h.core.Subscribe()
	defer unsubscribe()

	save := func(lang string) {
		t.Helper()
		p := config.DefaultPreferences()
		p.Language, p.ShowSubject = lang, false // without subjects every notification has words of ours
		if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdSavePreferences, Preferences: &p}); err != nil {
			t.Fatalf("save_preferences %q: %v", lang, err)
		}
	}
	save("en-XA")
	select {
	case <-changes:
	case <-time.After(10 * time.Second):
		t.Fatal("no change published after the language changed")
	}
	s := h.core.Snapshot()
	if s.Language != "en-XA" {
		t.Fatalf("snapshot language %q", s.Language)
	}
	m := tray.BuildMenu(s, time.Now())
	for _, label := range []string{m.Labels.Quit, m.Labels.Open, m.Labels.Settings, m.Status, m.PauseTitle, m.OpenMail[0].Label} {
		if !strings.HasPrefix(label, l10n.PseudoOpen) {
			t.Errorf("tray says %q after the switch", label)
		}
	}

	deliver(t, srv, "work", "INBOX", "Quarterly report")
	h.waitFor("a notification", func() bool { return len(h.notifications()) > 0 })
	for _, n := range h.notifications() {
		words := n.Body // a single: the sender, then "New message in Work"
		if n.Group {
			words = n.Summary
		}
		if !strings.HasPrefix(words, l10n.PseudoOpen) || strings.Contains(words, "New message") {
			t.Errorf("notification %+v is not in the new language", n)
		}
	}

	save("") // the system's: English in tests
	if m := tray.BuildMenu(h.core.Snapshot(), time.Now()); m.Labels.Quit != "Quit" || h.core.Snapshot().Language != "en" {
		t.Errorf("back to the system's language: %q, %q", m.Labels.Quit, h.core.Snapshot().Language)
	}
}

// TestLanguageAtStart: the core speaks config.json's language from New on,
// before the tray menu or any notification is built.
func TestLanguageAtStart(t *testing.T) {
	t.Cleanup(func() { l10n.Use(language.English) })
	dir := t.TempDir()
	writeConfig(t, dir, `{"accounts":[],"preferences":{"language":"en-XA"}}`)
	h := newHarness(t, dir, newStore(nil))
	s := h.core.Snapshot()
	if s.Language != "en-XA" || l10n.Current() != l10n.Pseudo {
		t.Fatalf("language at start: snapshot %q, process %s", s.Language, l10n.Current())
	}
	if m := tray.BuildMenu(s, time.Now()); !strings.HasPrefix(m.Status, l10n.PseudoOpen) || !strings.HasPrefix(m.Labels.Quit, l10n.PseudoOpen) {
		t.Errorf("menu at start: %q, %q", m.Status, m.Labels.Quit)
	}
}

// TestLanguageFromSystem: "language": "" speaks the system's language.
func TestLanguageFromSystem(t *testing.T) {
	t.Cleanup(func() { l10n.Use(language.English) })
	dir := t.TempDir()
	writeConfig(t, dir, `{"accounts":[]}`)
	h := newHarness(t, dir, newStore(nil), func(o *app.Options) {
		o.SystemLanguages = func() []string { return []string{"en-GB"} }
	})
	if got := h.core.Snapshot().Language; got != "en-GB" || l10n.Current().String() != "en-GB" {
		t.Fatalf("system language: snapshot %q, process %s", got, l10n.Current())
	}
}
