package window

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// openSettings opens the settings window and waits for config.json to load.
func (h *harness) openSettings(id string) *settingsWindow {
	h.t.Helper()
	s := h.u.openSettings(id)
	h.loop.until(h.t, "the config to load", func() bool { return s.loaded })
	return s
}

func typeInto(s *settingsWindow, e *focusEntry, text string) {
	s.w.Canvas().Focus(e)
	e.SetText("")
	test.Type(e, text)
}

func TestSettingsPrefillAndValidation(t *testing.T) {
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: t.TempDir(), Secrets: secrets.Memory()})
	s := h.openSettings("")
	f := s.form
	if f.editing || s.formBox.Objects[0] != f.content {
		t.Fatal("no account yet, but the form for a new one is not open")
	}
	if !f.saveBtn.Disabled() {
		t.Error("Save enabled on an empty form")
	}

	// Leaving the email field fills in a known provider's server.
	typeInto(s, f.email, "ann@gmail.com")
	s.w.Canvas().Focus(f.name)
	if f.host.Text != "imap.gmail.com" || f.port.Text != "993" || f.security.Selected != "TLS" {
		t.Errorf("prefill: host %q port %q security %q", f.host.Text, f.port.Text, f.security.Selected)
	}
	if f.username.PlaceHolder != "ann@gmail.com" {
		t.Errorf("username placeholder %q, want the email", f.username.PlaceHolder)
	}
	f.signin.method.SetSelected(methodPassword()) // Gmail's app password, not "Sign in with Google" (settings_signin.go)
	all := windowTexts(s.w)
	mustText(t, all, "To save, fill in: password")
	if !f.saveBtn.Disabled() {
		t.Error("Save enabled without a password")
	}
	typeInto(s, f.password, "secret")
	if f.saveBtn.Disabled() {
		t.Errorf("Save disabled on a complete form; texts %q", windowTexts(s.w))
	}

	// A server typed by hand is not overwritten by the next prefill.
	typeInto(s, f.host, "mail.example.com")
	typeInto(s, f.email, "ann@outlook.com")
	s.w.Canvas().Focus(f.name)
	if f.host.Text != "mail.example.com" {
		t.Errorf("prefill replaced a typed server: %q", f.host.Text)
	}

	// Inline errors, each under its field, and Save off while any shows.
	cases := []struct {
		do   func()
		want string
	}{
		{func() { f.security.SetSelected("None (this computer only)") }, "Without encryption the password would cross the network in the clear: allowed to this computer only (localhost, 127.0.0.1). Choose TLS or STARTTLS."},
		{func() { f.security.SetSelected("TLS"); typeInto(s, f.port, "99999") }, "Port must be a number from 1 to 65535"},
		{func() { typeInto(s, f.port, "993"); typeInto(s, f.host, "imap.example.com:993") }, "Put the port in the Port field"},
		{func() { typeInto(s, f.host, "") }, "Enter the IMAP server, e.g. imap.example.com"},
		{func() { typeInto(s, f.host, "imap.example.com"); typeInto(s, f.email, "not-an-address") }, "Not an email address"},
		{func() { typeInto(s, f.email, "ann@example.com"); typeInto(s, f.folders, "INBOX, INBOX") }, `Folder "INBOX" is listed twice`},
	}
	for _, c := range cases {
		c.do()
		all := windowTexts(s.w)
		mustText(t, all, c.want)
		if !f.saveBtn.Disabled() {
			t.Errorf("Save enabled while %q shows", c.want)
		}
	}
	typeInto(s, f.folders, "INBOX")
	if f.saveBtn.Disabled() {
		t.Errorf("Save still disabled after fixing everything: %q", windowTexts(s.w))
	}

	// The port follows the security while it is the default.
	f.security.SetSelected("STARTTLS")
	if f.port.Text != "143" {
		t.Errorf("port %q after STARTTLS, want 143", f.port.Text)
	}
	typeInto(s, f.port, "1143")
	f.security.SetSelected("TLS")
	if f.port.Text != "1143" {
		t.Errorf("a typed port was replaced: %q", f.port.Text)
	}
}

// testResult waits for the connection test to finish and returns its words.
func (h *harness) testResult(f *accountForm) string {
	h.t.Helper()
	h.loop.until(h.t, "the connection test", func() bool { return !f.conn.running() })
	return f.conn.result.Text
}

func TestSettingsTestConnectionAgainstServer(t *testing.T) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"u": "p"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for i := 0; i < 3; i++ {
		if _, err := srv.Append("u", "INBOX", imaptest.Message("Ann <ann@example.com>", "u@example.com", "Hello "+strconv.Itoa(i), time.Now())); err != nil {
			t.Fatal(err)
		}
	}

	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: t.TempDir(), Secrets: secrets.Memory()})
	s := h.openSettings("")
	f := s.form
	fillPlainAccount(s, srv.Host(), srv.Port())

	test.Tap(f.conn.btn)
	if f.conn.result.Text != "Testing…" || !f.conn.activity.Visible() || f.conn.btn.Text != "Cancel test" {
		t.Errorf("while testing: result %q, spinner %v, button %q", f.conn.result.Text, f.conn.activity.Visible(), f.conn.btn.Text)
	}
	if got := h.testResult(f); got != "Connected — 3 messages in INBOX" {
		t.Errorf("right password: %q", got)
	}
	if f.conn.result.Importance != widget.SuccessImportance || f.conn.activity.Visible() {
		t.Error("success not shown as success, or spinner still on")
	}

	typeInto(s, f.password, "wrong")
	test.Tap(f.conn.btn)
	if got := h.testResult(f); got != "Password rejected" {
		t.Errorf("wrong password: %q", got)
	}
	if f.conn.result.Importance != widget.DangerImportance {
		t.Error("failure not shown as an error")
	}

	// Saved, the password lives in the keyring; a test with the field left
	// empty uses it.
	typeInto(s, f.password, "p")
	test.Tap(f.saveBtn)
	h.loop.until(t, "the save", func() bool { return !s.saving })
	if f.password.Text != "" || !f.editing {
		t.Fatalf("after save: password field %q, editing %v; status %q", f.password.Text, f.editing, f.saveStatus.Text)
	}
	test.Tap(f.conn.btn)
	if got := h.testResult(f); got != "Connected — 3 messages in INBOX" {
		t.Errorf("password from the keyring: %q", got)
	}

	typeInto(s, f.folders, "Nope")
	test.Tap(f.conn.btn)
	if got := h.testResult(f); got != "Folder Nope cannot be opened" {
		t.Errorf("missing folder: %q", got)
	}

	// Nothing listening: a closed port.
	srv.Stop()
	typeInto(s, f.folders, "INBOX")
	typeInto(s, f.password, "p")
	test.Tap(f.conn.btn)
	want := "Cannot reach " + srv.Host() + ":" + strconv.Itoa(srv.Port())
	if got := h.testResult(f); got != want {
		t.Errorf("stopped server: %q, want %q", got, want)
	}
}

func TestSettingsTestConnectionStaysResponsive(t *testing.T) {
	started := make(chan struct{}, 4)
	finished := make(chan struct{}, 4)
	hang := func(ctx context.Context, a mail.Account, folder string, _ mail.Options) (mail.FolderInfo, error) {
		started <- struct{}{}
		<-ctx.Done() // a server that never answers
		finished <- struct{}{}
		return mail.FolderInfo{}, ctx.Err()
	}
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: t.TempDir(), Secrets: secrets.Memory(), Probe: hang, ProbeTimeout: 300 * time.Millisecond})
	s := h.openSettings("")
	f := s.form
	typeInto(s, f.email, "ann@example.com")
	typeInto(s, f.host, "imap.example.com")
	typeInto(s, f.password, "pw")

	test.Tap(f.conn.btn) // returns at once: the core probes elsewhere
	<-started
	typeInto(s, f.name, "Work") // the form takes edits meanwhile
	if f.name.Text != "Work" || f.conn.result.Text != "Testing…" {
		t.Errorf("during the test: name %q, result %q", f.name.Text, f.conn.result.Text)
	}
	if got := h.testResult(f); got != "Timed out" {
		t.Errorf("hanging server: %q", got)
	}

	// Cancel stops waiting at once, and the late answer is dropped.
	test.Tap(f.conn.btn)
	<-started
	test.Tap(f.conn.btn)
	if f.conn.result.Text != "Cancelled" || f.conn.running() || f.conn.btn.Text != "Test connection" {
		t.Errorf("after cancel: result %q, button %q", f.conn.result.Text, f.conn.btn.Text)
	}
	<-finished // the first test's
	<-finished // the cancelled one ends at the core's timeout
	h.loop.until(t, "the cancelled test's late answer", func() bool { return f.conn.dropped == 1 })
	if f.conn.result.Text != "Cancelled" {
		t.Errorf("a cancelled test's result replaced the text: %q", f.conn.result.Text)
	}
}

// slowSecrets blocks Set until released: a keyring waiting on an unlock prompt.
type slowSecrets struct {
	secrets.Store
	release chan struct{}
}

func (s *slowSecrets) Set(ctx context.Context, account, secret string) error {
	<-s.release
	return s.Store.Set(ctx, account, secret)
}

func TestSettingsSaveEditRemove(t *testing.T) {
	dir := t.TempDir()
	mem := secrets.Memory()
	slow := &slowSecrets{Store: mem, release: make(chan struct{})}
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: slow})
	s := h.openSettings("")
	f := s.form
	typeInto(s, f.name, "Work")
	typeInto(s, f.email, "ann@example.com")
	typeInto(s, f.host, "127.0.0.1") // the core starts it: nothing leaves this computer
	typeInto(s, f.password, "hunter2")
	typeInto(s, f.folders, "INBOX, Lists/go")

	test.Tap(f.saveBtn) // the keyring hangs: the tap still returns
	if f.saveStatus.Text != "Saving…" || !f.saveBtn.Disabled() {
		t.Errorf("while saving: status %q, save disabled %v", f.saveStatus.Text, f.saveBtn.Disabled())
	}
	typeInto(s, f.name, "Work mail") // and the window takes input
	close(slow.release)
	h.loop.until(t, "the save", func() bool { return !s.saving })
	if f.saveStatus.Text != "Saved — Mailbell applies it now" {
		t.Fatalf("status %q", f.saveStatus.Text)
	}

	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 1 {
		t.Fatalf("accounts %+v", cfg.Accounts)
	}
	a := cfg.Accounts[0]
	if a.ID != "acct1" || a.Name != "Work" || a.Email != "ann@example.com" || a.Host != "127.0.0.1" ||
		a.EffectivePort() != 993 || a.EffectiveSecurity() != mail.SecurityTLS || strings.Join(a.Folders, ",") != "INBOX,Lists/go" || !a.IsEnabled() {
		t.Errorf("saved account %+v", a)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if strings.Contains(string(data), "hunter2") {
		t.Fatal("the password is in config.json")
	}
	if pw, err := mem.Get(context.Background(), "acct1"); err != nil || pw != "hunter2" {
		t.Errorf("keyring: %q, %v", pw, err)
	}

	// The form now edits the saved account; the password is never shown back.
	if !f.editing || f.password.Text != "" || f.password.PlaceHolder != "•••••• (saved in keyring)" {
		t.Errorf("after save: editing %v, password %q, placeholder %q", f.editing, f.password.Text, f.password.PlaceHolder)
	}
	// What was typed during the save stays in the form, not yet saved.
	if f.name.Text != "Work mail" {
		t.Errorf("an edit made while saving was lost: name %q", f.name.Text)
	}
	mustText(t, windowTexts(s.w), "Work") // the list shows what is saved

	// Edit without a password keeps the stored one.
	typeInto(s, f.name, "Office")
	f.enabled.SetChecked(false)
	test.Tap(f.saveBtn)
	h.loop.until(t, "the second save", func() bool { return !s.saving })
	cfg, _ = config.Load(dir)
	if cfg.Accounts[0].Name != "Office" || cfg.Accounts[0].IsEnabled() {
		t.Errorf("edited account %+v", cfg.Accounts[0])
	}
	if pw, _ := mem.Get(context.Background(), "acct1"); pw != "hunter2" {
		t.Errorf("keyring after an edit without password: %q", pw)
	}
	mustText(t, windowTexts(s.w), "Office (disabled)")

	// Opening settings for an account selects it.
	h.u.openSettings("acct1")
	if f.base.ID != "acct1" || f.name.Text != "Office" {
		t.Errorf("OpenSettings(acct1): account %q name %q", f.base.ID, f.name.Text)
	}

	// Remove asks first; then config.json and the keyring forget the account.
	test.Tap(s.removeBtn)
	yes := findInWindow(s.w, "Yes")
	if yes == nil {
		t.Fatalf("no confirmation; texts %q", windowTexts(s.w))
	}
	mustText(t, windowTexts(s.w), "Remove Office? Mailbell stops watching it and forgets its saved password.")
	test.Tap(yes)
	h.loop.until(t, "the removal", func() bool { return !s.saving })
	cfg, _ = config.Load(dir)
	if len(cfg.Accounts) != 0 {
		t.Errorf("accounts after removal: %+v", cfg.Accounts)
	}
	if _, err := mem.Get(context.Background(), "acct1"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("keyring after removal: %v", err)
	}
	if got := h.b.sent(); len(got) != 0 {
		t.Errorf("commands sent besides the settings requests: %+v", got)
	}
}

// TestSettingsShowsTheCoresFieldErrors: what only the core can find (here
// a keyring that refuses) comes back next to the field, in its words.
func TestSettingsShowsTheCoresFieldErrors(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: failingSecrets{secrets.Memory()}})
	s := h.openSettings("")
	f := s.form
	typeInto(s, f.email, "ann@example.com")
	typeInto(s, f.host, "127.0.0.1")
	typeInto(s, f.password, "pw")
	test.Tap(f.saveBtn)
	h.loop.until(t, "the refused save", func() bool { return !s.saving })
	all := windowTexts(s.w)
	mustText(t, all, "Could not save the password in the keyring: keyring is locked: unlock it (for example by logging in again) and retry")
	mustText(t, all, "Not saved: see the fields above")
	if !f.errs["password"].Visible() {
		t.Error("the keyring's error is not under the password field")
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("config.json written although the password was not stored: %v", err)
	}
	if !f.saveBtn.Disabled() {
		t.Error("Save enabled again before anything changed")
	}
	typeInto(s, f.name, "Ann")
	if f.saveBtn.Disabled() || f.errs["password"].Visible() {
		t.Error("an edit did not clear the refused save")
	}
}

// failingSecrets refuses to store anything, like a locked keyring.
type failingSecrets struct{ *secrets.MemoryStore }

func (failingSecrets) Set(context.Context, string, string) error { return secrets.ErrKeyringLocked }

func TestSettingsBrokenConfigIsReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	broken := []byte(`{"accounts": [{"id": "a", "host": "x", "prot": 993}]}`)
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: secrets.Memory()})
	s := h.openSettings("")
	if !containsText(windowTexts(s.w), "config.json cannot be used") || !containsText(windowTexts(s.w), "prot") {
		t.Errorf("load error not shown: %q", windowTexts(s.w))
	}
	if !s.addBtn.Disabled() || !s.prefs.saveBtn.Disabled() {
		t.Error("editing allowed on a config that did not load")
	}
	if data, _ := os.ReadFile(path); string(data) != string(broken) {
		t.Error("the broken file changed")
	}
}

type fakeAutostart struct {
	supported bool
	mu        sync.Mutex
	on        bool
	calls     []string
}

func (a *fakeAutostart) Supported() bool { return a.supported }
func (a *fakeAutostart) Enabled() (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.on, nil
}
func (a *fakeAutostart) Enable() error  { return a.set(true) }
func (a *fakeAutostart) Disable() error { return a.set(false) }
func (a *fakeAutostart) set(on bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.on = on
	a.calls = append(a.calls, strconv.FormatBool(on))
	return nil
}

func TestPreferences(t *testing.T) {
	t.Run("autostart unsupported", func(t *testing.T) {
		h := newHarness(t, Deps{})
		h.withCore(app.Options{ConfigDir: t.TempDir(), Secrets: secrets.Memory(), Autostart: &fakeAutostart{}})
		s := h.openSettings("")
		s.tabs.SelectIndex(1)
		mustText(t, windowTexts(s.w), "not supported on this system yet")
		if !s.prefs.startAtLogin.Disabled() {
			t.Error("start at login can be ticked where it is not supported")
		}
	})

	dir := t.TempDir()
	auto := &fakeAutostart{supported: true}
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: secrets.Memory(), Autostart: auto})
	s := h.openSettings("")
	s.tabs.SelectIndex(1)
	p := s.prefs
	all := windowTexts(s.w)
	mustNotText(t, all, "not supported on this system yet")
	if !p.notifications.Checked || !p.showSender.Checked || p.idle.Text != "9" || p.startAtLogin.Disabled() {
		t.Errorf("defaults not shown: %v %v %q", p.notifications.Checked, p.showSender.Checked, p.idle.Text)
	}
	if !p.saveBtn.Disabled() {
		t.Error("Save enabled with nothing changed")
	}
	p.idle.SetText("45")
	mustText(t, windowTexts(s.w), "A whole number of minutes from 1 to 29")
	if !p.saveBtn.Disabled() {
		t.Error("Save enabled with 45 minutes")
	}
	p.idle.SetText("5")
	p.showSubject.SetChecked(false)
	p.startAtLogin.SetChecked(true)
	// Notifications off turns the details off too.
	p.notifications.SetChecked(false)
	if !p.showSender.Disabled() {
		t.Error("sender choice enabled with notifications off")
	}
	p.notifications.SetChecked(true)
	if p.saveBtn.Disabled() {
		t.Fatal("Save disabled after changes")
	}
	test.Tap(p.saveBtn)
	h.loop.until(t, "preferences saved", func() bool { return !s.saving })
	if p.status.Text != "Saved" {
		t.Errorf("status %q", p.status.Text)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := config.DefaultPreferences()
	want.IdleRefreshMinutes, want.ShowSubject, want.StartAtLogin = 5, false, true
	if !reflect.DeepEqual(cfg.Preferences, want) {
		t.Errorf("saved %+v, want %+v", cfg.Preferences, want)
	}
	if on, _ := auto.Enabled(); !on || len(auto.calls) != 1 {
		t.Errorf("autostart on=%v calls %v", on, auto.calls)
	}
	if !p.saveBtn.Disabled() {
		t.Error("Save enabled right after saving")
	}
}

func TestClosingDuringSaveStillSaves(t *testing.T) {
	dir := t.TempDir()
	mem := secrets.Memory()
	slow := &slowSecrets{Store: mem, release: make(chan struct{})}
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: slow})
	s := h.openSettings("")
	f := s.form
	typeInto(s, f.email, "ann@example.com")
	typeInto(s, f.host, "127.0.0.1")
	typeInto(s, f.password, "pw")
	test.Tap(f.saveBtn)
	s.w.Close() // the last window: the app quits while the keyring still thinks
	if h.quitCount() != 1 {
		t.Fatalf("quit %d times", h.quitCount())
	}
	stopped := make(chan struct{})
	go func() {
		h.u.Stop() // what Run does after the app's loop ends: waits for the core's answer
		close(stopped)
	}()
	close(slow.release)
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return once the save was done")
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		t.Errorf("config.json not written: %v", err)
	}
	if pw, _ := mem.Get(context.Background(), "acct1"); pw != "pw" {
		t.Errorf("secret %q", pw)
	}
}
