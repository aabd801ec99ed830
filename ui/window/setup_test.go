package window

import (
	"context"
	"errors"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/discover"
	"mailbell/app/view"
	"mailbell/mail"
)

// setupBackend answers the setup window's requests the way the core does:
// get_settings with an empty config, test_account with testReply,
// save_account by recording it.
type setupBackend struct {
	*fakeBackend
	mu        sync.Mutex
	requests  []control.Command
	testReply func(control.Command) (control.Event, error)
}

func (b *setupBackend) Request(ctx context.Context, cmd control.Command) (control.Event, error) {
	b.mu.Lock()
	b.requests = append(b.requests, cmd)
	reply := b.testReply
	b.mu.Unlock()
	switch cmd.Cmd {
	case control.CmdGetSettings:
		return control.Event{Settings: &control.Settings{Preferences: config.DefaultPreferences()}}, nil
	case control.CmdTestAccount:
		if reply != nil {
			return reply(cmd)
		}
		return control.Event{Value: "Connected — 0 messages in INBOX"}, nil
	case control.CmdSaveAccount:
		return control.Event{}, nil
	}
	return control.Event{}, errors.New("unexpected " + cmd.Cmd)
}

func (b *setupBackend) sentRequests() []control.Command {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]control.Command(nil), b.requests...)
}

// fakeDiscover stands in for discover.Lookup: it reports a progress line,
// then waits for release (or ctx) and answers.
type fakeDiscover struct {
	mu      sync.Mutex
	release chan struct{}
	result  discover.Result
	err     error
	calls   []string
	ended   chan error // ctx's error, or nil, per call
}

func newFakeDiscover(r discover.Result, err error) *fakeDiscover {
	return &fakeDiscover{release: make(chan struct{}), result: r, err: err, ended: make(chan error, 8)}
}

func (d *fakeDiscover) lookup(ctx context.Context, email string, progress func(discover.Progress)) (discover.Result, error) {
	d.mu.Lock()
	d.calls = append(d.calls, email)
	d.mu.Unlock()
	progress(discover.Progress{Source: discover.SourceAutoconfig, Domain: "example.test"})
	select {
	case <-d.release:
		d.ended <- nil
		return d.result, d.err
	case <-ctx.Done():
		d.ended <- ctx.Err()
		return discover.Result{}, ctx.Err()
	}
}

var foundAutoconfig = discover.Result{
	Host: "imap.example.test", Port: 993, Security: mail.SecurityTLS, Username: "ann@example.test",
	Auth: discover.AuthPassword, Source: discover.SourceAutoconfig, AddressDomain: "example.test", Domain: "example.test",
}

// newSetupHarness opens the setup window with d as its discovery.
func newSetupHarness(t *testing.T, deps Deps, d *fakeDiscover) (*harness, *setupBackend, *setupWindow) {
	t.Helper()
	deps.ConfigDir = t.TempDir()
	deps.Discover = d.lookup
	sb := &setupBackend{fakeBackend: newFakeBackend()}
	h := newHarnessWith(t, deps, sb)
	s := h.u.openSetup()
	h.loop.until(t, "the settings to load", func() bool { return s.cfg != nil })
	return h, sb, s
}

// newHarnessWith is newHarness over the setup tests' backend.
func newHarnessWith(t *testing.T, deps Deps, sb *setupBackend) *harness {
	t.Helper()
	return newHarnessOn(t, deps, sb.fakeBackend, sb)
}

func TestSetupFindsTestsAndSaves(t *testing.T) {
	d := newFakeDiscover(foundAutoconfig, nil)
	h, sb, s := newSetupHarness(t, Deps{}, d)
	all := windowTexts(s.w)
	mustText(t, all, setupTitle())
	mustText(t, all, editLabel()) // always there
	if s.w.Canvas().Focused() != s.email {
		t.Error("the email field does not have the focus when the window opens")
	}
	if !s.connectBtn.Disabled() {
		t.Error("Connect enabled before anything was typed")
	}

	test.Type(s.name, "Work")
	test.Type(s.email, "ann@example.test")
	test.Type(s.password, "secret")
	s.email.FocusLost() // leaving the field starts the lookup
	h.loop.until(t, "the progress line", func() bool {
		return s.progress.Text == "Looking up example.test's autoconfig…"
	})
	if s.state != setupFinding || !s.cancelBtn.Visible() || s.findBtn.Visible() || s.activity.Hidden {
		t.Errorf("while looking up: state %d, cancel shown %v, activity hidden %v", s.state, s.cancelBtn.Visible(), s.activity.Hidden)
	}
	close(d.release)
	h.loop.until(t, "the result", func() bool { return s.state == setupFound })
	want := "Found: imap.example.test, port 993, TLS — from example.test's autoconfig"
	if s.progress.Text != want {
		t.Errorf("result %q, want %q", s.progress.Text, want)
	}
	mustText(t, windowTexts(s.w), editLabel())
	if s.connectBtn.Disabled() {
		t.Fatal("Connect disabled with settings and a password")
	}

	test.Tap(s.connectBtn)
	h.loop.until(t, "the window to close after the save", func() bool { return h.u.setup == nil })
	if h.u.recent == nil {
		t.Error("the recent window did not open after the save")
	}
	reqs := sb.sentRequests()
	var tested, saved *control.Command
	for i := range reqs {
		switch reqs[i].Cmd {
		case control.CmdTestAccount:
			tested = &reqs[i]
		case control.CmdSaveAccount:
			if tested == nil {
				t.Fatal("saved before the connection test")
			}
			saved = &reqs[i]
		}
	}
	if tested == nil || saved == nil {
		t.Fatalf("requests %+v: want test_account then save_account", reqs)
	}
	a := *saved.Settings
	if a.Host != "imap.example.test" || a.Port != 993 || a.Security != "tls" || a.Email != "ann@example.test" || a.Name != "Work" || a.ID == "" {
		t.Errorf("saved %+v", a)
	}
	if saved.Secret != "secret" || tested.Secret != "secret" || saved.OriginalID != "" {
		t.Errorf("secret/original id: test %q save %q orig %q", tested.Secret, saved.Secret, saved.OriginalID)
	}
}

func TestSetupCancel(t *testing.T) {
	d := newFakeDiscover(foundAutoconfig, nil)
	h, _, s := newSetupHarness(t, Deps{}, d)
	test.Type(s.email, "ann@example.test")
	test.Tap(s.findBtn)
	h.loop.until(t, "the lookup to start", func() bool { return s.cancelBtn.Visible() })
	mustText(t, windowTexts(s.w), "Cancel")
	test.Tap(s.cancelBtn)
	if s.progress.Text != cancelledText() || s.state != setupNotFound {
		t.Errorf("after cancel: %q, state %d", s.progress.Text, s.state)
	}
	if err := <-d.ended; !errors.Is(err, context.Canceled) {
		t.Errorf("the lookup was not cancelled: %v", err)
	}
	h.loop.drain()
	if s.progress.Text != cancelledText() {
		t.Errorf("a late answer replaced the cancel: %q", s.progress.Text)
	}
	if !s.connectBtn.Disabled() {
		t.Error("Connect enabled without settings")
	}
}

func TestSetupNotFoundThenManual(t *testing.T) {
	d := newFakeDiscover(discover.Result{}, &discover.NotFoundError{Domain: "example.test"})
	close(d.release)
	h, sb, s := newSetupHarness(t, Deps{}, d)
	test.Type(s.email, "ann@example.test")
	test.Type(s.password, "secret")
	test.Tap(s.findBtn)
	h.loop.until(t, "the answer", func() bool { return s.state == setupNotFound })
	if s.progress.Text != notFoundText() {
		t.Errorf("not found says %q", s.progress.Text)
	}
	if !s.connectBtn.Disabled() {
		t.Error("Connect enabled without settings")
	}
	test.Tap(s.editBtn)
	if !s.manual.Visible() || s.host.Text != "imap.example.test" || s.port.Text != "993" || s.username.Text != "ann@example.test" {
		t.Errorf("manual fields: visible %v host %q port %q user %q", s.manual.Visible(), s.host.Text, s.port.Text, s.username.Text)
	}
	s.host.SetText("mail.example.test")
	if s.connectBtn.Disabled() {
		t.Fatal("Connect disabled with typed settings and a password")
	}
	// The test fails: its words are shown and nothing is saved.
	sb.testReply = func(control.Command) (control.Event, error) {
		return control.Event{}, errors.New("Password rejected")
	}
	test.Tap(s.connectBtn)
	h.loop.until(t, "the test's answer", func() bool { return s.state == setupFound })
	if s.status.Text != "Password rejected" {
		t.Errorf("status %q", s.status.Text)
	}
	for _, r := range sb.sentRequests() {
		if r.Cmd == control.CmdSaveAccount {
			t.Error("saved after a failed test")
		}
		if r.Cmd == control.CmdTestAccount && r.Settings.Host != "mail.example.test" {
			t.Errorf("tested %q, want the typed host", r.Settings.Host)
		}
	}
}

type fakeSignIn struct {
	mu    sync.Mutex
	calls []discover.OAuth2Provider
}

func (f *fakeSignIn) Available(p discover.OAuth2Provider) bool { return p == discover.OAuth2Google }
func (f *fakeSignIn) SignIn(ctx context.Context, p discover.OAuth2Provider, a config.Account) (config.Account, error) {
	f.mu.Lock()
	f.calls = append(f.calls, p)
	f.mu.Unlock()
	return a, nil
}

func TestSetupSignInHook(t *testing.T) {
	hosted := discover.Result{
		Host: "imap.gmail.com", Port: 993, Security: mail.SecurityTLS, Username: "ann@corp.test",
		Auth: discover.AuthOAuth2, OAuth2Provider: discover.OAuth2Google, Source: discover.SourcePreset,
		AddressDomain: "corp.test", Domain: "google.com", Provider: "Google Workspace", MXHost: "aspmx.l.google.com",
	}
	// Without a sign-in in the build: the button says so and is off.
	d := newFakeDiscover(hosted, nil)
	close(d.release)
	h, _, s := newSetupHarness(t, Deps{}, d)
	test.Type(s.email, "ann@corp.test")
	test.Tap(s.findBtn)
	h.loop.until(t, "the answer", func() bool { return s.state == setupFound })
	if !s.signIn.Visible() || !s.signIn.Disabled() || s.signIn.Text != "Sign in with Google (not available in this build)" {
		t.Errorf("sign-in button: visible %v disabled %v %q", s.signIn.Visible(), s.signIn.Disabled(), s.signIn.Text)
	}
	if s.password.Visible() {
		t.Error("a password field for a provider that refuses passwords")
	}

	// With one: it is called, then the account is tested and saved.
	si := &fakeSignIn{}
	d2 := newFakeDiscover(hosted, nil)
	close(d2.release)
	h2, sb2, s2 := newSetupHarness(t, Deps{SignIn: si}, d2)
	test.Type(s2.email, "ann@corp.test")
	test.Tap(s2.findBtn)
	h2.loop.until(t, "the answer", func() bool { return s2.state == setupFound })
	if s2.signIn.Disabled() || s2.signIn.Text != "Sign in with Google" {
		t.Fatalf("sign-in button: disabled %v %q", s2.signIn.Disabled(), s2.signIn.Text)
	}
	test.Tap(s2.signIn)
	h2.loop.until(t, "the save", func() bool { return h2.u.setup == nil })
	si.mu.Lock()
	calls := si.calls
	si.mu.Unlock()
	if len(calls) != 1 || calls[0] != discover.OAuth2Google {
		t.Errorf("sign-in calls %v", calls)
	}
	n := 0
	for _, r := range sb2.sentRequests() {
		if r.Cmd == control.CmdSaveAccount {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d saves after the sign-in", n)
	}
}

func TestSetupNoTray(t *testing.T) {
	d := newFakeDiscover(foundAutoconfig, nil)
	h, _, s := newSetupHarness(t, Deps{NoTray: true}, d)
	all := windowTexts(s.w)
	mustText(t, all, noTrayText())
	q := findInWindow(s.w, quitLabel())
	if q == nil {
		t.Fatalf("no %q button without a tray; texts %q", quitLabel(), all)
	}
	test.Tap(q)
	h.loop.until(t, "the quit command", func() bool {
		for _, c := range h.b.sent() {
			if c.Cmd == control.CmdQuit {
				return true
			}
		}
		return false
	})
	if h.quitCount() != 1 {
		t.Errorf("window process quit %d times", h.quitCount())
	}

	// With a tray: neither the note nor Quit.
	h2, _, s2 := newSetupHarness(t, Deps{}, newFakeDiscover(foundAutoconfig, nil))
	_ = h2
	mustNotText(t, windowTexts(s2.w), noTrayText())
	if findInWindow(s2.w, quitLabel()) != nil {
		t.Error("Quit button where the tray has Quit")
	}
}

// The empty state is a paragraph at the window's default size and at a
// narrow one: the label is as wide as the window allows and a few lines
// tall, not one letter wide (what container.NewCenter made of it).
func TestRecentEmptyStateIsAParagraph(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir(), NoTray: true})
	r := h.u.openRecent()
	h.snapshot(view.Snapshot{Notifications: true})
	if !r.checkNow.Disabled() || !r.pause.Disabled() {
		t.Error("Check now or Pause enabled with no account")
	}
	mustText(t, windowTexts(r.w), noTrayText())
	add := findInWindow(r.w, setupTitle())
	if add == nil {
		t.Fatalf("no %q button in the empty state; texts %q", setupTitle(), windowTexts(r.w))
	}
	lineH := fyne.MeasureText("No", theme.TextSize(), fyne.TextStyle{}).Height
	for _, width := range []float32{420, 260} {
		r.w.Resize(fyne.NewSize(width, 520))
		r.w.Content().Refresh()
		sz := r.empty.Size()
		t.Logf("window %v wide: empty-state label %v", width, sz)
		if sz.Width < width/2 {
			t.Errorf("window %v wide: the empty-state label is %v wide", width, sz.Width)
		}
		if sz.Height > 6*lineH+40 {
			t.Errorf("window %v wide: the empty-state label is %v tall (a line is %v): one letter per line?", width, sz.Height, lineH)
		}
	}

	// Accounts but no mail: one line.
	r.w.Resize(fyne.NewSize(420, 520))
	h.snapshot(view.Snapshot{Notifications: true, Accounts: []view.Account{
		{ID: "a", Name: "A", Enabled: true, Folders: []view.Folder{{Name: "INBOX", State: view.StateIdle}}},
	}})
	if r.checkNow.Disabled() || r.pause.Disabled() {
		t.Error("Check now or Pause disabled with an account")
	}
	if findInWindow(r.w, setupTitle()) != nil {
		t.Errorf("%q offered with an account", setupTitle())
	}
	r.w.Content().Refresh()
	if got := r.empty.MinSize().Height; got > 2*lineH+20 {
		t.Errorf("no-mail line is %v tall, a line is %v", got, lineH)
	}
}

func TestRecentEmptyStateOpensSetup(t *testing.T) {
	sb := &setupBackend{fakeBackend: newFakeBackend()}
	h := newHarnessWith(t, Deps{ConfigDir: t.TempDir(), Discover: newFakeDiscover(foundAutoconfig, nil).lookup}, sb)
	r := h.u.openRecent()
	h.snapshot(view.Snapshot{Notifications: true})
	add := findInWindow(r.w, setupTitle())
	if add == nil {
		t.Fatalf("no %q button; texts %q", setupTitle(), windowTexts(r.w))
	}
	test.Tap(add)
	if h.u.setup == nil {
		t.Fatal("the setup window did not open")
	}
	h.loop.until(t, "the settings to load", func() bool { return h.u.setup.cfg != nil })
}
