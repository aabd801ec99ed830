package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// recordingStore is a memory store that counts deletes and, at each Set,
// notes whether config.json already named the account.
type recordingStore struct {
	*secrets.MemoryStore
	dir string

	mu          sync.Mutex
	deletes     map[string]int
	setBeforeCf []bool // per Set: config.json did not name the account yet
	failSet     error
}

func newRecordingStore(dir string, pw map[string]string) *recordingStore {
	return &recordingStore{MemoryStore: newStore(pw), dir: dir, deletes: map[string]int{}}
}

func (s *recordingStore) Set(ctx context.Context, account, secret string) error {
	s.mu.Lock()
	fail := s.failSet
	s.mu.Unlock()
	if fail != nil {
		return fail
	}
	cfg, err := config.Load(s.dir)
	_, named := cfg.Account(account)
	s.mu.Lock()
	s.setBeforeCf = append(s.setBeforeCf, err == nil && !named)
	s.mu.Unlock()
	return s.MemoryStore.Set(ctx, account, secret)
}

func (s *recordingStore) Delete(ctx context.Context, account string) error {
	s.mu.Lock()
	s.deletes[account]++
	s.mu.Unlock()
	return s.MemoryStore.Delete(ctx, account)
}

func (s *recordingStore) deleteCount(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deletes[id]
}

// plainAccount is an account on the test server.
func plainAccount(srv *imaptest.Server, id, user string) *config.Account {
	return &config.Account{ID: id, Name: strings.ToUpper(id[:1]) + id[1:], Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: user}
}

func loadConfig(t *testing.T, dir string) *config.Config {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatalf("config.json after the command: %v", err)
	}
	return cfg
}

func TestSaveAccountNewStoresSecretThenWritesConfig(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	if err := srv.CreateMailbox("home", "Family"); err != nil { // harmless: a user the server knows
		t.Fatal(err)
	}
	store := newRecordingStore(dir, map[string]string{"work": "pw-work", "home": "pw-home"})
	h := newHarness(t, dir, store)
	h.waitFor("idle", h.allIdle(3))
	logins := srv.LoginCount("work")

	// "home" is set up again as a third account under a new id with its own secret.
	a := plainAccount(srv, "home2", "home")
	a.Folders = []string{"Family"}
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdSaveAccount, Settings: a, Secret: "pw-home"}); err != nil {
		t.Fatalf("save_account: %v", err)
	}
	got := loadConfig(t, dir)
	if saved, ok := got.Account("home2"); !ok || saved.Port != srv.Port() || len(got.Accounts) != 3 {
		t.Fatalf("config.json accounts %+v", got.Accounts)
	}
	data, _ := os.ReadFile(config.Path(dir))
	if strings.Contains(string(data), "pw-home") {
		t.Fatal("the secret is in config.json")
	}
	if pw, err := store.Get(context.Background(), "home2"); err != nil || pw != "pw-home" {
		t.Fatalf("secret store: %q %v", pw, err)
	}
	store.mu.Lock()
	order := append([]bool(nil), store.setBeforeCf...)
	store.mu.Unlock()
	if len(order) != 1 || !order[0] {
		t.Fatalf("the secret was not stored before config.json named the account: %v", order)
	}
	h.waitFor("the new account idle", h.allIdle(4))
	if srv.LoginCount("work") != logins {
		t.Fatal("saving another account restarted work")
	}
}

func TestSaveAccountInvalidHasTheLoadersWords(t *testing.T) {
	dir := t.TempDir()
	store := newRecordingStore(dir, nil)
	h := newHarness(t, dir, store)
	bad := config.Account{ID: "acct1", Host: "imap.example.com:993", Port: 70000, Username: "ann", Folders: []string{"INBOX", "INBOX"}}
	_, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdSaveAccount, Settings: &bad})
	fields := control.FieldsOf(err)
	if fields == nil {
		t.Fatalf("save_account of a bad account: %v, want field errors", err)
	}

	// The same account in a hand-written config.json: the loader's words.
	other := t.TempDir()
	writeConfig(t, other, `{"accounts":[{"id":"acct1","host":"imap.example.com:993","port":70000,"username":"ann","folders":["INBOX","INBOX"]}]}`)
	_, lerr := config.Load(other)
	var ce *config.Error
	if !errors.As(lerr, &ce) {
		t.Fatalf("loader: %v", lerr)
	}
	want := map[string]string{}
	for _, p := range ce.Problems {
		name := strings.TrimPrefix(p.Field, "accounts[0].")
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		want[name] = p.Msg
	}
	for _, f := range []string{"host", "port", "folders"} {
		if want[f] == "" || fields[f] != want[f] {
			t.Errorf("field %s: core says %q, the loader %q", f, fields[f], want[f])
		}
	}
	if fields[control.FieldSecret] == "" {
		t.Errorf("a new account without a secret: no %q error in %q", control.FieldSecret, fields)
	}
	if _, err := os.Stat(config.Path(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("config.json written for an invalid account: %v", err)
	}
	if _, err := store.Get(context.Background(), "acct1"); err == nil {
		t.Error("a secret stored for an invalid account")
	}

	// Over the socket the reply carries the fields.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := h.listen(ctx)
	_, err = c.Call(ctx, control.Command{Cmd: control.CmdSaveAccount, Settings: &bad, Secret: "x"})
	if got := control.FieldsOf(err); got["host"] != want["host"] || got["port"] != want["port"] {
		t.Errorf("socket reply fields %q (err %v)", got, err)
	}
}

func TestSaveAccountRenameMovesSecret(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newRecordingStore(dir, map[string]string{"work": "pw-work", "home": "pw-home"})
	h := newHarness(t, dir, store)
	h.waitFor("idle", h.allIdle(3))
	workLogins := srv.LoginCount("work")

	a := plainAccount(srv, "family", "home")
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdSaveAccount, Settings: a, OriginalID: "home"}); err != nil {
		t.Fatalf("rename: %v", err)
	}
	got := loadConfig(t, dir)
	if _, ok := got.Account("home"); ok {
		t.Fatal("the old id is still in config.json")
	}
	if got.Accounts[1].ID != "family" {
		t.Fatalf("renamed account not in place: %+v", got.Accounts)
	}
	if pw, err := store.Get(context.Background(), "family"); err != nil || pw != "pw-home" {
		t.Fatalf("secret under the new id: %q %v", pw, err)
	}
	if _, err := store.Get(context.Background(), "home"); err == nil {
		t.Fatal("the old id's secret is still there")
	}
	if n := store.deleteCount("home"); n != 1 {
		t.Fatalf("old secret deleted %d times", n)
	}
	h.waitFor("the renamed account idle", func() bool {
		for _, acct := range h.core.Snapshot().Accounts {
			if acct.ID == "family" && len(acct.Folders) == 1 && acct.Folders[0].State == "idle" {
				return true
			}
		}
		return false
	})
	if srv.LoginCount("work") != workLogins {
		t.Fatal("renaming home restarted work")
	}
	// Editing an account that is not there is refused, without "<nil>".
	_, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdSaveAccount, Settings: a, OriginalID: "nope"})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || strings.Contains(err.Error(), "<nil>") {
		t.Fatalf("editing a missing account: %v", err)
	}
}

func TestSaveAccountKeyringFailsWritesNothing(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newRecordingStore(dir, map[string]string{"work": "pw-work", "home": "pw-home"})
	store.failSet = errors.New("keyring did not answer (locked?)")
	h := newHarness(t, dir, store)
	before, _ := os.ReadFile(config.Path(dir))
	_, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdSaveAccount, Settings: plainAccount(srv, "third", "home"), Secret: "pw"})
	if err == nil || control.FieldsOf(err)[control.FieldSecret] == "" || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("save with a failing keyring: %v (fields %q)", err, control.FieldsOf(err))
	}
	if after, _ := os.ReadFile(config.Path(dir)); string(after) != string(before) {
		t.Fatal("config.json changed although the secret was not stored")
	}
}

func TestRemoveAccountDeletesSecretOnce(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newRecordingStore(dir, map[string]string{"work": "pw-work", "home": "pw-home"})
	h := newHarness(t, dir, store)
	h.waitFor("idle", h.allIdle(3))
	deliver(t, srv, "home", "INBOX", "for home")
	h.waitFor("home's mail in the recent list", func() bool { return len(h.core.Snapshot().Recent) == 1 })
	workLogins := srv.LoginCount("work")

	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdRemoveAccount, Account: "home"}); err != nil {
		t.Fatalf("remove_account: %v", err)
	}
	if _, ok := loadConfig(t, dir).Account("home"); ok {
		t.Fatal("home still in config.json")
	}
	if n := store.deleteCount("home"); n != 1 {
		t.Fatalf("home's secret deleted %d times at the reply, want 1", n)
	}
	// State gone with it: the snapshot has no home, its recent mail is gone.
	s := h.core.Snapshot()
	if len(s.Accounts) != 1 || s.Accounts[0].ID != "work" || len(s.Recent) != 0 {
		t.Fatalf("snapshot after removal: %+v", s)
	}
	// A reload after it deletes nothing more (the config already agrees).
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	if n := store.deleteCount("home"); n != 1 {
		t.Fatalf("home's secret deleted %d times, want 1", n)
	}
	if srv.LoginCount("work") != workLogins {
		t.Fatal("removing home restarted work")
	}
	_, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdRemoveAccount, Account: "home"})
	if err == nil || strings.Contains(err.Error(), "<nil>") {
		t.Fatalf("removing it again: %v", err)
	}
}

type fakeAutostart struct {
	mu    sync.Mutex
	on    bool
	calls int
}

func (a *fakeAutostart) Supported() bool { return true }
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
	a.calls++
	return nil
}

func TestSavePreferencesWithAutostart(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	auto := &fakeAutostart{}
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}), func(o *app.Options) { o.Autostart = auto })
	h.waitFor("idle", h.allIdle(3))
	logins := srv.TotalLogins()

	ev, err := h.core.Request(context.Background(), control.Command{Cmd: control.CmdGetSettings})
	if err != nil || ev.Settings == nil || !ev.Settings.AutostartSupported || ev.Settings.Preferences.StartAtLogin || len(ev.Settings.Accounts) != 2 {
		t.Fatalf("get_settings: %+v %v", ev.Settings, err)
	}

	p := config.DefaultPreferences()
	p.ShowSubject, p.StartAtLogin = false, true
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdSavePreferences, Preferences: &p}); err != nil {
		t.Fatalf("save_preferences: %v", err)
	}
	if got := loadConfig(t, dir).Preferences; !reflect.DeepEqual(got, p) {
		t.Fatalf("config.json preferences %+v, want %+v", got, p)
	}
	if on, _ := auto.Enabled(); !on || auto.calls != 1 {
		t.Fatalf("autostart on %v after %d calls", on, auto.calls)
	}
	if srv.TotalLogins() != logins {
		t.Fatal("a preference no watcher uses restarted the accounts")
	}
	ev, err = h.core.Request(context.Background(), control.Command{Cmd: control.CmdGetSettings})
	if err != nil || ev.Settings == nil || !ev.Settings.Preferences.StartAtLogin {
		t.Fatalf("get_settings after: %+v %v", ev.Settings, err)
	}

	// Out of range: the loader's words under the field's name, nothing written.
	bad := p
	bad.IdleRefreshMinutes = 45
	_, err = h.core.Do(context.Background(), control.Command{Cmd: control.CmdSavePreferences, Preferences: &bad})
	other := t.TempDir()
	writeConfig(t, other, `{"preferences":{"notifications":true,"show_sender":true,"show_subject":false,"idle_refresh_minutes":45,"poll_seconds":60}}`)
	_, lerr := config.Load(other)
	var ce *config.Error
	if !errors.As(lerr, &ce) || len(ce.Problems) != 1 {
		t.Fatalf("loader: %v", lerr)
	}
	if got := control.FieldsOf(err)["idle_refresh_minutes"]; got != ce.Problems[0].Msg {
		t.Fatalf("idle_refresh_minutes: core %q, loader %q (err %v)", got, ce.Problems[0].Msg, err)
	}
	if loadConfig(t, dir).Preferences.IdleRefreshMinutes != 9 {
		t.Fatal("an invalid preference was written")
	}
}

func TestTestAccountRightAndWrongPassword(t *testing.T) {
	srv, cfg := twoAccounts(t)
	for i := range 3 {
		deliver(t, srv, "home", "INBOX", fmt.Sprint("m", i))
	}
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}))
	ctx := context.Background()
	a := plainAccount(srv, "home", "home")
	test := func(orig, secret string) (string, error) {
		return h.core.Do(ctx, control.Command{Cmd: control.CmdTestAccount, Settings: a, OriginalID: orig, Secret: secret})
	}
	if got, err := test("", "pw-home"); err != nil || got != "Connected — 3 messages in INBOX" {
		t.Errorf("right password: %q %v", got, err)
	}
	if _, err := test("", "wrong"); err == nil || err.Error() != "Password rejected" {
		t.Errorf("wrong password: %v", err)
	}
	// Editing: no password typed, the stored one is used.
	if got, err := test("home", ""); err != nil || got != "Connected — 3 messages in INBOX" {
		t.Errorf("stored password: %q %v", got, err)
	}
	if _, err := test("", ""); err == nil || err.Error() != "No password: type it in" {
		t.Errorf("no password at all: %v", err)
	}
	bad := *a
	bad.Host = ""
	_, err := h.core.Do(ctx, control.Command{Cmd: control.CmdTestAccount, Settings: &bad, Secret: "x"})
	if control.FieldsOf(err)["host"] == "" || !strings.HasPrefix(err.Error(), "Check the settings: ") {
		t.Errorf("no host: %v", err)
	}
}

func TestTestAccountDoesNotHoldUpTheCore(t *testing.T) {
	dir := t.TempDir()
	started := make(chan struct{}, 1)
	h := newHarness(t, dir, secrets.Memory(), func(o *app.Options) {
		o.ProbeTimeout = 200 * time.Millisecond
		o.Probe = func(ctx context.Context, _ mail.Account, _ string, _ mail.Options) (mail.FolderInfo, error) {
			started <- struct{}{}
			<-ctx.Done() // a server that never answers
			return mail.FolderInfo{}, ctx.Err()
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdTestAccount,
			Settings: &config.Account{ID: "x", Host: "imap.example.com", Username: "u"}, Secret: "pw"})
		done <- err
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the probe did not start")
	}
	// Meanwhile the core answers other commands.
	if _, err := h.core.Request(context.Background(), control.Command{Cmd: control.CmdGetSettings}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdCheckNow}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || err.Error() != "Timed out" {
			t.Fatalf("hanging server: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the probe's timeout did not end it")
	}
}

// TestSecretNeverLogged runs every settings command that carries a secret
// over the socket with debug logging and the protocol trace on, and looks
// for the secret in everything written.
func TestSecretNeverLogged(t *testing.T) {
	const secret = "s3cr3t-Zq9-unique"
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	var logMu sync.Mutex
	var logBuf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logBuf.Write(p)
	})
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := newRecordingStore(dir, nil)
	h := newHarness(t, dir, store, func(o *app.Options) {
		o.Logger = log
		o.Mail.Trace = func(line string) { log.Debug("imap", "line", line) }
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := h.listen(ctx)
	a := plainAccount(srv, "ann", "ann")
	if got, err := c.Call(ctx, control.Command{Cmd: control.CmdTestAccount, Settings: a, Secret: secret}); err != nil {
		t.Fatalf("test_account: %q %v", got, err)
	}
	if _, err := c.Call(ctx, control.Command{Cmd: control.CmdTestAccount, Settings: a, Secret: secret + "-wrong"}); err == nil {
		t.Fatal("a wrong password passed")
	}
	bad := *a
	bad.Port = -1
	if _, err := c.Call(ctx, control.Command{Cmd: control.CmdSaveAccount, Settings: &bad, Secret: secret}); err == nil {
		t.Fatal("an invalid account was saved")
	}
	if _, err := c.Call(ctx, control.Command{Cmd: control.CmdSaveAccount, Settings: a, Secret: secret}); err != nil {
		t.Fatalf("save_account: %v", err)
	}
	h.waitFor("the account idle", h.allIdle(1))
	store.mu.Lock()
	store.failSet = errors.New("keyring is locked")
	store.mu.Unlock()
	if _, err := c.Call(ctx, control.Command{Cmd: control.CmdSaveAccount, Settings: a, OriginalID: "ann", Secret: secret}); err == nil {
		t.Fatal("a failing keyring passed")
	}
	if _, err := c.Call(ctx, control.Command{Cmd: control.CmdRemoveAccount, Account: "ann"}); err != nil {
		t.Fatal(err)
	}

	logMu.Lock()
	logged := logBuf.String()
	logMu.Unlock()
	if !strings.Contains(logged, "imap") {
		t.Fatalf("the trace was not captured; the test would prove nothing:\n%s", logged)
	}
	if strings.Contains(logged, secret) {
		t.Errorf("the secret is in the log:\n%s", logged)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range h.out {
		if strings.Contains(fmt.Sprintf("%+v", ev), secret) {
			t.Errorf("the secret is in an event: %+v", ev)
		}
	}
	if data, _ := os.ReadFile(config.Path(dir)); strings.Contains(string(data), secret) {
		t.Error("the secret is in config.json")
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
