package window

import (
	"context"
	"slices"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/platform/secrets"
)

// recordingBackend is the harness's backend with a real core behind it
// that also records the requests (the settings) it passes on.
type recordingBackend struct {
	*fakeBackend
	mu   sync.Mutex
	reqs []control.Command
}

func (b *recordingBackend) Request(ctx context.Context, cmd control.Command) (control.Event, error) {
	b.mu.Lock()
	b.reqs = append(b.reqs, cmd)
	b.mu.Unlock()
	return b.fakeBackend.Request(ctx, cmd)
}

// savedLanguages are the languages of the save_preferences sent so far.
func (b *recordingBackend) savedLanguages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, c := range b.reqs {
		if c.Cmd == control.CmdSavePreferences && c.Preferences != nil {
			out = append(out, c.Preferences.Language)
		}
	}
	return out
}

// The Language choice lists the system's language first, then each
// language by its own name, and saves "" or the tag with save_preferences.
func TestLanguagePreference(t *testing.T) {
	dir := t.TempDir()
	fb := newFakeBackend()
	rb := &recordingBackend{fakeBackend: fb}
	h := newHarnessOn(t, Deps{}, fb, rb)
	// The core runs in this process here and speaks the saved language
	// (l10n.Use), which then is the window's too; a real window process
	// keeps its language until it is started again.
	t.Cleanup(func() { l10n.Use(l10n.English) })
	h.withCore(app.Options{ConfigDir: dir, Secrets: secrets.Memory()})
	s := h.openSettings("")
	s.tabs.SelectIndex(1)
	p := s.prefs

	want := []string{"System default"}
	for _, l := range l10n.Languages() {
		want = append(want, l.Name)
	}
	if !slices.Equal(p.language.Options, want) || !slices.Contains(want, "Deutsch") || !slices.Contains(want, "日本語") {
		t.Fatalf("language options %q, want %q", p.language.Options, want)
	}
	if p.language.Selected != "System default" || p.language.Disabled() {
		t.Fatalf("loaded: %q selected, disabled %v", p.language.Selected, p.language.Disabled())
	}
	mustText(t, windowTexts(s.w), "Mailbell's windows speak a new language when they are opened again.")
	if !p.saveBtn.Disabled() {
		t.Error("Save enabled with nothing changed")
	}

	save := func(name, tag string) {
		t.Helper()
		p.language.SetSelected(name)
		if p.saveBtn.Disabled() {
			t.Fatalf("Save disabled after choosing %s", name)
		}
		test.Tap(p.saveBtn)
		h.loop.until(t, "the preferences saved", func() bool { return !s.saving })
		if p.status.Text != l10n.T("settings.saved") {
			t.Fatalf("saving %s: %q", name, p.status.Text)
		}
		cfg, err := config.Load(dir)
		if err != nil || cfg.Preferences.Language != tag {
			t.Fatalf("config.json language after choosing %s: %v %q, want %q", name, err, cfg.Preferences.Language, tag)
		}
	}
	save("Deutsch", "de")
	save("System default", "")
	if got := rb.savedLanguages(); !slices.Equal(got, []string{"de", ""}) {
		t.Errorf("save_preferences sent languages %q, want de then \"\"", got)
	}

	// Reopened, the window shows the saved language.
	save("Português (Brasil)", "pt-BR")
	h.u.openRecent() // keeps the process: closing its last window would end it
	s.w.Close()
	s = h.openSettings("")
	if s.prefs.language.Selected != "Português (Brasil)" {
		t.Errorf("reopened: %q selected, want Português (Brasil)", s.prefs.language.Selected)
	}
}

// The account list is sorted by name the way the language sorts, accents
// and case beside their letter; a saved account takes its place in it.
func TestAccountListSorted(t *testing.T) {
	dir := t.TempDir()
	cfg := config.New()
	for _, n := range []string{"Zoë", "Émilie", "adam", "Emil"} {
		cfg.Accounts = append(cfg.Accounts, config.Account{ID: config.NewID(cfg.Accounts), Name: n, Email: "x@example.com", Host: "127.0.0.1", Username: n})
	}
	if err := config.Save(dir, cfg); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: secrets.Memory()})
	s := h.openSettings("")
	names := func() []string {
		var out []string
		for row := range s.accountCount() {
			a, _ := s.accountAt(row)
			out = append(out, a.Name)
		}
		return out
	}
	if got, want := names(), []string{"adam", "Emil", "Émilie", "Zoë"}; !slices.Equal(got, want) {
		t.Fatalf("list %q, want %q", got, want)
	}
	s.selectAccount(s.cfg.Accounts[0].ID) // Zoë
	if s.form.name.Text != "Zoë" {
		t.Fatalf("selecting Zoë opened %q", s.form.name.Text)
	}
	typeInto(s, s.form.name, "Bea")
	typeInto(s, s.form.password, "p")
	test.Tap(s.form.saveBtn)
	h.loop.until(t, "the save", func() bool { return !s.saving })
	if got, want := names(), []string{"adam", "Bea", "Emil", "Émilie"}; !slices.Equal(got, want) {
		t.Fatalf("after renaming Zoë: %q, want %q", got, want)
	}
	if a, _ := s.accountAt(1); s.form.base.ID != a.ID || s.form.name.Text != "Bea" {
		t.Errorf("the form edits %q, want Bea in row 1", s.form.name.Text)
	}
}
