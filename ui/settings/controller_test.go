package settings

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/internal/testenv/imaptest"
	"mailbell/platform/secrets"
)

// scripted is a Backend that answers from a function and records commands.
type scripted struct {
	mu     sync.Mutex
	cmds   []control.Command
	answer func(ctx context.Context, cmd control.Command) (control.Event, error)
}

func (s *scripted) Request(ctx context.Context, cmd control.Command) (control.Event, error) {
	s.mu.Lock()
	s.cmds = append(s.cmds, cmd)
	s.mu.Unlock()
	return s.answer(ctx, cmd)
}

func TestFromCoreMapsFieldsToTheForm(t *testing.T) {
	got := FromCore(control.FieldErrors{
		"host":               "missing: the IMAP server's name, e.g. imap.example.com",
		"secret":             "could not save the password in the keyring: keyring is locked",
		"id":                 `duplicate id "a": accounts[0] has it already`,
		control.FieldGeneral: "no account \"x\" in config.json to change",
	})
	want := Errors{
		FHost:     "Missing: the IMAP server's name, e.g. imap.example.com",
		FPassword: "Could not save the password in the keyring: keyring is locked",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: %q, want %q", k, got[k], v)
		}
	}
	if g := got[FGeneral]; !strings.Contains(g, `id: duplicate id "a"`) || !strings.Contains(g, `No account "x"`) {
		t.Errorf("general: %q", g)
	}
	if FromCore(nil) != nil {
		t.Error("no fields, yet errors")
	}
}

func TestControllerSendsIntents(t *testing.T) {
	b := &scripted{answer: func(ctx context.Context, cmd control.Command) (control.Event, error) {
		switch cmd.Cmd {
		case control.CmdGetSettings:
			return control.Event{Settings: &control.Settings{Accounts: []config.Account{{ID: "a", Host: "h"}}, Preferences: config.DefaultPreferences(), AutostartSupported: true}}, nil
		case control.CmdSaveAccount:
			if cmd.Settings.Host == "" {
				return control.Event{}, control.Invalid(control.FieldErrors{"host": "missing: the IMAP server's name, e.g. imap.example.com"})
			}
			return control.Event{}, nil
		case control.CmdSavePreferences:
			return control.Event{}, &control.CommandError{Msg: "saved, but start at login could not be changed: no", Fields: control.FieldErrors{"start_at_login": "could not be changed: no"}}
		case control.CmdTestAccount:
			if cmd.Secret == "hang" {
				<-ctx.Done()
				return control.Event{}, ctx.Err()
			}
			if cmd.Secret == "right" || (cmd.Secret == "" && cmd.OriginalID == "a") {
				return control.Event{Value: "Connected — 1,204 messages in INBOX"}, nil
			}
			return control.Event{}, &control.CommandError{Msg: "Password rejected"}
		}
		return control.Event{}, errors.New("unknown command")
	}}
	c := New(b)
	ctx := context.Background()

	l, err := c.Load(ctx)
	if err != nil || l.Config == nil || len(l.Config.Accounts) != 1 || !l.AutostartSupported {
		t.Fatalf("load: %+v %v", l, err)
	}
	errs, err := c.SaveAccount(ctx, config.Account{ID: "a"}, "a", "")
	if err == nil || errs[FHost] != "Missing: the IMAP server's name, e.g. imap.example.com" {
		t.Fatalf("refused save: %q %v", errs, err)
	}
	if errs, err := c.SaveAccount(ctx, config.Account{ID: "b", Host: "h"}, "", "pw"); err != nil || errs != nil {
		t.Fatalf("save: %q %v", errs, err)
	}
	b.mu.Lock()
	last := b.cmds[len(b.cmds)-1]
	b.mu.Unlock()
	if last.Cmd != control.CmdSaveAccount || last.Secret != "pw" || last.OriginalID != "" || last.Settings.ID != "b" {
		t.Fatalf("sent %+v", last)
	}
	pf, err := c.SavePreferences(ctx, config.DefaultPreferences())
	if err == nil || !OnlyAutostartFailed(pf) {
		t.Fatalf("preferences: %q %v", pf, err)
	}

	if r := c.Test(ctx, config.Account{ID: "a"}, "a", ""); !r.OK || r.Text != "Connected — 1,204 messages in INBOX" {
		t.Errorf("stored password: %+v", r)
	}
	if r := c.Test(ctx, config.Account{ID: "n"}, "", "wrong"); r.OK || r.Text != "Password rejected" {
		t.Errorf("wrong password: %+v", r)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan TestResult, 1)
	go func() { done <- c.Test(cctx, config.Account{ID: "n"}, "", "hang") }()
	cancel()
	select {
	case r := <-done:
		if r.OK || r.Text != "Cancelled" {
			t.Errorf("cancelled: %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled test still waits")
	}
}

// TestControllerAgainstTheCore drives a real core (it is a Backend too)
// against the in-memory IMAP server: what the window does, minus Fyne.
func TestControllerAgainstTheCore(t *testing.T) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	store := secrets.Memory()
	core, err := app.New(app.Options{ConfigDir: dir, Secrets: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { core.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("core did not stop")
		}
	})
	c := New(core)

	l, err := c.Load(ctx)
	if err != nil || l.Config == nil || len(l.Config.Accounts) != 0 {
		t.Fatalf("load: %+v %v", l, err)
	}
	v := Values{Name: "Ann", Email: "ann@example.com", Host: "127.0.0.1", Port: fmt.Sprint(srv.Port()), Security: "plain", Username: "ann", Password: "pw", Enabled: true}
	base := config.Account{ID: config.NewID(l.Config.Accounts)}
	if errs := Validate(v, base, l.Config, "", false); len(errs) != 0 {
		t.Fatalf("form: %q", errs)
	}
	a := v.Account(base)
	if r := c.Test(ctx, a, "", "pw"); !r.OK || r.Text != "Connected — 0 messages in INBOX" {
		t.Fatalf("test: %+v", r)
	}
	if errs, err := c.SaveAccount(ctx, a, "", "pw"); err != nil {
		t.Fatalf("save: %q %v", errs, err)
	}
	if pw, _ := store.Get(ctx, a.ID); pw != "pw" {
		t.Fatalf("secret %q", pw)
	}
	// Editing with no password typed: the test uses the stored one.
	if r := c.Test(ctx, a, a.ID, ""); !r.OK {
		t.Fatalf("test with the stored password: %+v", r)
	}
	if r := c.Test(ctx, a, a.ID, "nope"); r.OK || r.Text != "Password rejected" {
		t.Fatalf("wrong password: %+v", r)
	}
	bad := a
	bad.Port = 70000
	errs, err := c.SaveAccount(ctx, bad, a.ID, "")
	if err == nil || errs[FPort] != "70000 is out of range: want 1 to 65535 (or leave it out for the default)" {
		t.Fatalf("bad port: %q %v", errs, err)
	}
	if err := c.RemoveAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, a.ID); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("secret after removal: %v", err)
	}
	l, err = c.Load(ctx)
	if err != nil || len(l.Config.Accounts) != 0 {
		t.Fatalf("after removal: %+v %v", l, err)
	}
	data, _ := os.ReadFile(config.Path(dir))
	if strings.Contains(string(data), `"pw"`) {
		t.Fatal("the password is in config.json")
	}
}
