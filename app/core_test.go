package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/policy"
	"mailbell/app/view"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// harness is a core on a temp config folder against in-memory servers.
type harness struct {
	t        *testing.T
	dir      string
	secrets  app.Secrets
	mu       sync.Mutex
	out      []control.Event
	shown    []policy.Notification
	core     *app.Core
	cancel   context.CancelFunc
	done     chan struct{}
	outEvent chan struct{}
}

type notifier struct{ h *harness }

func (n notifier) Show(p policy.Notification) error {
	n.h.mu.Lock()
	n.h.shown = append(n.h.shown, p)
	n.h.mu.Unlock()
	return nil
}

func writeConfig(t *testing.T, dir string, cfg string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newHarness starts a core on dir with store; with changes the Options
// further (a logger, an autostart, timeouts).
func newHarness(t *testing.T, dir string, store app.Secrets, with ...func(*app.Options)) *harness {
	t.Helper()
	h := &harness{t: t, dir: dir, secrets: store, outEvent: make(chan struct{}, 1)}
	opts := app.Options{
		ConfigDir: dir,
		Secrets:   store,
		Notifier:  notifier{h},
		// English whatever the machine's LANG: the tests assert English words.
		SystemLanguages: func() []string { return nil },
		Mail:            mail.Options{BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond},
		Output: func(ev control.Event) {
			h.mu.Lock()
			h.out = append(h.out, ev)
			h.mu.Unlock()
			select {
			case h.outEvent <- struct{}{}:
			default:
			}
		},
	}
	for _, f := range with {
		f(&opts)
	}
	core, err := app.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.core = core
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan struct{})
	go func() {
		core.Run(ctx)
		close(h.done)
	}()
	t.Cleanup(h.stop)
	return h
}

// listen has the core listen on its control socket (run/control.sock in
// its folder) until ctx ends, and returns a client connected to it (closed
// when the test ends) and the socket's path.
func (h *harness) listen(ctx context.Context) (*control.Client, string) {
	h.t.Helper()
	sock := filepath.Join(h.dir, "run", "control.sock")
	if _, err := h.core.Listen(ctx, sock); err != nil {
		h.t.Fatal(err)
	}
	c, err := control.Dial(ctx, sock)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c, sock
}

func (h *harness) stop() {
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		h.t.Error("core did not stop")
	}
}

func (h *harness) events(kind string) []control.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []control.Event
	for _, e := range h.out {
		if e.Event == kind {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) notifications() []policy.Notification {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]policy.Notification(nil), h.shown...)
}

func (h *harness) waitFor(what string, ok func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			h.mu.Lock()
			b, _ := json.MarshalIndent(h.out, "", " ")
			h.mu.Unlock()
			h.t.Fatalf("timed out waiting for %s; output:\n%s", what, b)
		}
		select {
		case <-h.outEvent:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (h *harness) allIdle(n int) func() bool {
	return h.accountIdle("", n)
}

// accountIdle is true when n folders of account id ("" for any account)
// are idle: synced, so mail delivered now is new mail, not the baseline.
func (h *harness) accountIdle(id string, n int) func() bool {
	return func() bool {
		idle := 0
		for _, a := range h.core.Snapshot().Accounts {
			if id != "" && a.ID != id {
				continue
			}
			for _, f := range a.Folders {
				if f.State == view.StateIdle {
					idle++
				}
			}
		}
		return idle == n
	}
}

func deliver(t *testing.T, srv *imaptest.Server, user, folder, subject string) {
	t.Helper()
	if _, err := srv.Append(user, folder, imaptest.Message("Ann Lee <ann@example.com>", user+"@example.com", subject, time.Now())); err != nil {
		t.Fatal(err)
	}
}

func twoAccounts(t *testing.T) (srv *imaptest.Server, cfg string) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"work": "pw-work", "home": "pw-home"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, f := range []string{"Lists", "Archive"} {
		if err := srv.CreateMailbox("work", f); err != nil {
			t.Fatal(err)
		}
	}
	cfg = fmt.Sprintf(`{"accounts":[
 {"id":"work","name":"Work","email":"work@example.com","host":"127.0.0.1","port":%d,"security":"plain","username":"work","folders":["INBOX","Lists"]},
 {"id":"home","name":"Home","host":"127.0.0.1","port":%d,"security":"plain","username":"home"}]}`, srv.Port(), srv.Port())
	return srv, cfg
}

func newStore(pw map[string]string) *secrets.MemoryStore {
	s := secrets.Memory()
	for k, v := range pw {
		s.Set(context.Background(), k, v)
	}
	return s
}

func TestTwoAccountsThreeFoldersNewMail(t *testing.T) {
	srv, cfg := twoAccounts(t)
	deliver(t, srv, "work", "INBOX", "old one") // before the first start: never announced
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}))
	h.waitFor("3 folders idle", h.allIdle(3))

	deliver(t, srv, "work", "INBOX", "Quarterly report")
	deliver(t, srv, "work", "Lists", "List post")
	deliver(t, srv, "home", "INBOX", "Dinner?")
	h.waitFor("3 new_mail events", func() bool { return len(h.events(control.EvNewMail)) == 3 })
	got := map[string]string{}
	for _, e := range h.events(control.EvNewMail) {
		got[e.Account+"/"+e.Folder] = e.Subject
		if e.From != "Ann Lee" || e.Date == "" || e.UID == 0 {
			t.Fatalf("event %+v", e)
		}
	}
	want := map[string]string{"work/INBOX": "Quarterly report", "work/Lists": "List post", "home/INBOX": "Dinner?"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v", got)
	}
	h.waitFor("notifications", func() bool { return len(h.notifications()) == 3 })
	found := false
	for _, n := range h.notifications() {
		found = found || (n.Summary == "Ann Lee" && n.Body == "Quarterly report")
	}
	if !found {
		t.Fatalf("notifications %+v", h.notifications())
	}
	snap := h.core.Snapshot()
	if snap.Unseen != 4 || len(snap.Recent) < 3 || snap.Recent[0].Subject == "old one" {
		t.Fatalf("snapshot unseen=%d recent=%+v", snap.Unseen, snap.Recent)
	}
	if line := snap.StatusLine(time.Now()); line != "All accounts connected" {
		t.Fatalf("status %q", line)
	}
}

func TestRestartNoDuplicateNoLoss(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newStore(map[string]string{"work": "pw-work", "home": "pw-home"})
	h := newHarness(t, dir, store)
	h.waitFor("idle", h.allIdle(3))
	deliver(t, srv, "work", "INBOX", "before restart")
	h.waitFor("announced", func() bool { return len(h.events(control.EvNewMail)) == 1 })
	h.stop()

	deliver(t, srv, "work", "INBOX", "while closed")
	h2 := newHarness(t, dir, store)
	h2.waitFor("idle again", h2.allIdle(3))
	h2.waitFor("the mail from while closed", func() bool { return len(h2.events(control.EvNewMail)) >= 1 })
	// A marker after it: once it is announced, anything the restart would
	// have repeated on that folder has been announced before it.
	deliver(t, srv, "work", "INBOX", "marker")
	h2.waitFor("the marker", func() bool {
		evs := h2.events(control.EvNewMail)
		return len(evs) > 0 && evs[len(evs)-1].Subject == "marker"
	})
	evs := h2.events(control.EvNewMail)
	if len(evs) != 2 || evs[0].Subject != "while closed" {
		t.Fatalf("after restart: %+v", evs)
	}
}

func TestWrongPasswordNeedsAttentionNoRetry(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newStore(map[string]string{"work": "pw-work", "home": "WRONG"})
	h := newHarness(t, dir, store)
	h.waitFor("home stopped", func() bool {
		return strings.Contains(h.core.Snapshot().StatusLine(time.Now()), "Home: password rejected")
	})
	// Let the loop go round: new mail on the other account is announced
	// after any retry home's watcher would have made (its backoff is 50 ms).
	// Work must have synced first, or the message joins its baseline.
	h.waitFor("work idle", h.accountIdle("work", 2))
	deliver(t, srv, "work", "INBOX", "meanwhile")
	h.waitFor("work's mail", func() bool { return len(h.events(control.EvNewMail)) == 1 })
	if n := srv.LoginCount("home"); n != 1 {
		t.Fatalf("%d login attempts for a rejected password", n)
	}
	for _, e := range h.events(control.EvState) {
		if e.Account == "home" && strings.Contains(e.Error, "WRONG") {
			t.Fatal("password in an event")
		}
	}
	// The user fixes the password: reload retries that account only.
	workLogins := srv.LoginCount("work")
	store.Set(context.Background(), "home", "pw-home")
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("home idle", h.allIdle(3))
	if srv.LoginCount("work") != workLogins {
		t.Fatal("reload restarted an unchanged account")
	}
}

func TestConfigChangeRestartsOnlyThatAccount(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newStore(map[string]string{"work": "pw-work", "home": "pw-home"})
	h := newHarness(t, dir, store)
	h.waitFor("idle", h.allIdle(3))
	work, home := srv.LoginCount("work"), srv.LoginCount("home")
	// Home gets a second folder; work is untouched.
	if err := srv.CreateMailbox("home", "Family"); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, dir, strings.Replace(cfg, `"username":"home"}`, `"username":"home","folders":["INBOX","Family"]}`, 1))
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("4 folders idle", h.allIdle(4))
	if srv.LoginCount("work") != work || srv.LoginCount("home") != home+2 {
		t.Fatalf("logins work %d→%d home %d→%d", work, srv.LoginCount("work"), home, srv.LoginCount("home"))
	}
	// Removing an account stops it and removes its secret.
	writeConfig(t, dir, strings.Replace(cfg, `,
 {"id":"home","name":"Home","host":"127.0.0.1","port":`+fmt.Sprint(srv.Port())+`,"security":"plain","username":"home"}`, "", 1))
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("home gone", func() bool { return len(h.core.Snapshot().Accounts) == 1 })
	h.waitFor("secret deleted", func() bool {
		_, err := store.Get(context.Background(), "home")
		return err != nil
	})
}

func TestMalformedConfigOnReloadKeepsRunning(t *testing.T) {
	_, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}))
	h.waitFor("idle", h.allIdle(3))
	writeConfig(t, dir, `{"accounts": [ {"id": "x", "port": "993"} ]}`)
	_, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdReload})
	if err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Fatalf("reload of a broken file: %v", err)
	}
	if s := h.core.Snapshot(); s.ConfigError == "" || len(s.Accounts) != 2 {
		t.Fatalf("snapshot %+v", s)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(data), `"993"`) {
		t.Fatal("the broken file was changed")
	}
}

func TestBurstIsOneSummaryAndPauseResume(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}))
	h.waitFor("idle", h.allIdle(3))
	for i := range 20 {
		deliver(t, srv, "home", "INBOX", fmt.Sprint("burst ", i))
	}
	h.waitFor("20 announced", func() bool { return len(h.events(control.EvNewMail)) == 20 })
	// On screen: at most one single and one summary (a later summary
	// replaces the earlier one and counts its messages too). Wait for the
	// batch window to close on a summary that accounts for all 20.
	onScreen := func() (singles int, ok bool) {
		ns := h.notifications()
		if len(ns) == 0 {
			return 0, false
		}
		for _, n := range ns {
			if !n.Group {
				singles++
			}
		}
		last := ns[len(ns)-1]
		return singles, last.Group && singles+len(last.Keys) == 20
	}
	h.waitFor("a summary of the burst", func() bool { _, ok := onScreen(); return ok })
	if singles, _ := onScreen(); singles > 1 {
		t.Fatalf("burst of 20 gave %d single notifications: %+v", singles, h.notifications())
	}

	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdPause, Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	before := len(h.notifications())
	for i := range 5 {
		deliver(t, srv, "work", "INBOX", fmt.Sprint("paused ", i))
	}
	h.waitFor("25 announced", func() bool { return len(h.events(control.EvNewMail)) == 25 })
	h.waitFor("the paused mail in the snapshot", func() bool {
		s := h.core.Snapshot()
		return len(s.Recent) > 0 && s.Recent[0].Subject == "paused 4"
	})
	if s := h.core.Snapshot(); !s.Paused(time.Now()) {
		t.Fatal("snapshot not paused")
	}
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdResume}); err != nil {
		t.Fatal(err)
	}
	// Exactly one notification after the pause, and it is the resume's
	// summary: anything shown while paused would come before it.
	h.waitFor("one summary on resume", func() bool { return len(h.notifications()) >= before+1 })
	if ns := h.notifications(); len(ns) != before+1 || !strings.Contains(ns[before].Summary, "5 new messages in Work while paused") {
		t.Fatalf("after the pause: %+v, want only the resume summary", ns[before:])
	}
}

func TestMarkRead(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}))
	h.waitFor("idle", h.allIdle(3))
	deliver(t, srv, "home", "INBOX", "read me")
	h.waitFor("announced", func() bool { return len(h.events(control.EvNewMail)) == 1 })
	h.waitFor("in recent", func() bool { return len(h.core.Snapshot().Recent) == 1 })
	recent := h.core.Snapshot().Recent
	if len(recent) == 0 {
		t.Fatal("recent list emptied")
	}
	key := recent[0].Key()
	if _, err := h.core.Do(context.Background(), control.Command{Cmd: control.CmdMarkRead, Message: key}); err != nil {
		t.Fatal(err)
	}
	st, err := srv.Status("home", "INBOX")
	if err != nil || st.NumUnseen == nil || *st.NumUnseen != 0 {
		t.Fatalf("server unseen after mark read: %+v %v", st, err)
	}
	h.waitFor("seen in snapshot", func() bool { s := h.core.Snapshot(); return len(s.Recent) > 0 && s.Recent[0].Seen && s.Unseen == 0 })
}

func TestControlSocket(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, sock := h.listen(ctx)
	select {
	case s := <-c.Snapshots():
		if len(s.Accounts) != 2 {
			t.Fatalf("first snapshot %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no snapshot on connect")
	}
	h.waitFor("idle", h.allIdle(3))
	deliver(t, srv, "work", "INBOX", "over the socket")
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-c.Events():
			if ev.Event == control.EvNewMail && ev.Subject == "over the socket" {
				goto gotMail
			}
		case <-deadline:
			t.Fatal("no new_mail on the socket")
		}
	}
gotMail:
	if _, err := c.Call(ctx, control.Command{Cmd: "bogus"}); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("bogus command: %v", err)
	}
	if _, err := c.Call(ctx, control.Command{Cmd: control.CmdCheckNow}); err != nil {
		t.Fatal(err)
	}
	// A second core on the same socket is refused: single instance.
	if _, err := h.core.Listen(ctx, sock); err != control.ErrRunning {
		t.Fatalf("second listen: %v", err)
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v", fi.Mode())
	}
}

// TestMarkReadAccountGone: the recent list can hold mail of an account the
// config no longer has (config.json edited while Mailbell was stopped);
// marking it read says so, without a "<nil>" error in the message.
func TestMarkReadAccountGone(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	store := newStore(map[string]string{"work": "pw-work", "home": "pw-home"})
	h := newHarness(t, dir, store)
	h.waitFor("idle", h.allIdle(3))
	deliver(t, srv, "home", "INBOX", "read me")
	h.waitFor("in recent", func() bool { return len(h.core.Snapshot().Recent) == 1 })
	key := h.core.Snapshot().Recent[0].Key()
	h.stop()

	writeConfig(t, dir, strings.Replace(cfg, `,
 {"id":"home","name":"Home","host":"127.0.0.1","port":`+fmt.Sprint(srv.Port())+`,"security":"plain","username":"home"}`, "", 1))
	h2 := newHarness(t, dir, store)
	_, err := h2.core.Do(context.Background(), control.Command{Cmd: control.CmdMarkRead, Message: key})
	if err == nil || strings.Contains(err.Error(), "<nil>") || !strings.Contains(err.Error(), `"home"`) {
		t.Fatalf("mark_read of a removed account's mail: %v", err)
	}
}
