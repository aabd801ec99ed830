package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/oauth2test"
	"mailbell/platform/secrets"
)

// tokenStore is a memory secret store that keeps every value ever set, so
// a test can look for them in logs and files.
type tokenStore struct {
	*secrets.MemoryStore
	mu   sync.Mutex
	sets map[string][]string
}

func newTokenStore() *tokenStore {
	return &tokenStore{MemoryStore: secrets.Memory(), sets: map[string][]string{}}
}

func (s *tokenStore) Set(ctx context.Context, user, v string) error {
	s.mu.Lock()
	s.sets[user] = append(s.sets[user], v)
	s.mu.Unlock()
	return s.MemoryStore.Set(ctx, user, v)
}

func (s *tokenStore) setsOf(user string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sets[user]...)
}

// syncBuf is a log buffer safe for concurrent writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// oauthAccount is an account of the Dovecot test server signing in at the
// OAuth2 test server as a custom provider.
func oauthAccount(d *dovecottest.Server, o *oauth2test.Server, id, email string) config.Account {
	cfg := o.Config("")
	return config.Account{ID: id, Email: email, Host: d.Host(), Port: d.TLSPort(), Security: "tls",
		AuthOptions: config.AuthOptions{Auth: config.AuthOAuth2, OAuth2: &config.OAuth2{Provider: "custom",
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, AuthURL: cfg.Endpoint.AuthURL, TokenURL: cfg.Endpoint.TokenURL,
			Scopes: append(cfg.Scopes, "openid", "email")}}}
}

// oauthServers starts an OAuth2 server with opts and a Dovecot whose
// passdb checks its access tokens, and returns them with the address of
// the OAuth2 server's user (the one Dovecot knows).
func oauthServers(t *testing.T, opts oauth2test.Options) (*oauth2test.Server, *dovecottest.Server, string) {
	t.Helper()
	email := mockoidc.DefaultUser().Email
	o := oauth2test.StartT(t, opts)
	d := dovecottest.StartT(t, dovecottest.Options{
		Users:  map[string]string{email: "unused-password"},
		OAuth2: &dovecottest.OAuth2{TokenInfoURL: o.TokenInfoURL()},
	})
	return o, d, email
}

func writeCA(t *testing.T, dir string, d *dovecottest.Server) string {
	t.Helper()
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, d.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (h *harness) stateEvents(account string) []control.Event {
	var out []control.Event
	for _, e := range h.events(control.EvState) {
		if e.Account == account {
			out = append(out, e)
		}
	}
	return out
}

func assertNoSecrets(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))} {
			if strings.Contains(text, form) {
				t.Fatalf("a token appears in the %s", where)
			}
		}
	}
}

// The whole OAuth2 path through the core with real parts: sign_in runs the
// browser flow (the test browser follows the redirects), test_account
// logs in with it, save_account stores the refresh token under the
// account's own keyring entry, the watcher logs in to Dovecot (oauth2
// passdb) and announces mail. Access tokens that expire while idling are
// refreshed and the login renewed with no backoff state and no mail lost;
// rotated refresh tokens are saved; a revoked sign-in stops the account
// with "sign in again", one notification and no retries. No token in the
// config, the events, the log or the notifications.
func TestOAuth2AccountThroughTheCore(t *testing.T) {
	t.Parallel()
	o, d, email := oauthServers(t, oauth2test.Options{Rotate: true, AccessTTL: 4 * time.Second})
	dir := t.TempDir()
	store := newTokenStore()
	var logs syncBuf
	h := newHarness(t, dir, store, func(opts *app.Options) {
		opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		opts.SecretNotFound = func(err error) bool { return errors.Is(err, secrets.ErrNotFound) }
		opts.OAuthRefreshAhead = time.Second
		opts.Mail.TokenRenewAhead = time.Second
		opts.Mail.DialTimeout, opts.Mail.CommandTimeout = 10*time.Second, 10*time.Second
	})
	acct := oauthAccount(d, o, "gm", email)
	acct.CAFile = writeCA(t, dir, d)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Sign in: the reply is the URL to open, the end comes as an event.
	reply, err := h.core.Request(ctx, control.Command{Cmd: control.CmdSignIn, Settings: &acct})
	if err != nil {
		t.Fatalf("sign_in: %v", err)
	}
	if !strings.HasPrefix(reply.Value, o.AuthURL()) || reply.SignIn == "" || !strings.Contains(reply.Value, "code_challenge_method=S256") {
		t.Fatalf("sign_in reply %+v", reply)
	}
	if err := oauth2test.Browse(ctx, reply.Value); err != nil {
		t.Fatalf("browser: %v", err)
	}
	h.waitFor("signed_in", func() bool { return len(h.events(control.EvSignedIn)) > 0 })
	ev := h.events(control.EvSignedIn)[0]
	if ev.OK == nil || !*ev.OK || ev.SignIn != reply.SignIn || ev.Value != "Signed in as "+email {
		t.Fatalf("signed_in %+v", ev)
	}
	if len(store.setsOf("gm#oauth2")) != 0 {
		t.Fatal("the refresh token was stored before the save")
	}

	// Test connection with the fresh sign-in.
	if err := d.Deliver(email, "INBOX", dovecottest.Message("bob@example.test", email, "before", time.Now())); err != nil {
		t.Fatal(err)
	}
	tv, err := h.core.Request(ctx, control.Command{Cmd: control.CmdTestAccount, Settings: &acct, SignIn: reply.SignIn})
	if err != nil || tv.Value != "Connected — 1 message in INBOX" {
		t.Fatalf("test_account: %q, %v\n%s", tv.Value, err, d.LogTail(20))
	}

	// Save: the refresh token goes to the keyring, the account runs.
	if _, err := h.core.Request(ctx, control.Command{Cmd: control.CmdSaveAccount, Settings: &acct, SignIn: reply.SignIn}); err != nil {
		t.Fatalf("save_account: %v", err)
	}
	if sets := store.setsOf("gm#oauth2"); len(sets) != 1 || sets[0] == "" {
		t.Fatalf("%d refresh tokens stored at the save, want 1", len(sets))
	}
	h.waitFor("idle", h.allIdle(1))
	if err := d.Deliver(email, "INBOX", dovecottest.Message("bob@example.test", email, "first", time.Now())); err != nil {
		t.Fatal(err)
	}
	h.waitFor("first mail", func() bool { return hasSubject(h.events(control.EvNewMail), "first") })

	// Idle across several access-token lifetimes: the login is renewed
	// before each token expires, refreshed tokens rotate and are saved.
	deadline := time.Now().Add(30 * time.Second)
	for len(store.setsOf("gm#oauth2")) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d refresh tokens saved in 30 s; want the token refreshed (and rotated) twice while idling\n%s", len(store.setsOf("gm#oauth2")), logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := d.Deliver(email, "INBOX", dovecottest.Message("bob@example.test", email, "during renewals", time.Now())); err != nil {
		t.Fatal(err)
	}
	h.waitFor("mail during renewals", func() bool { return hasSubject(h.events(control.EvNewMail), "during renewals") })
	h.waitFor("idle again", h.allIdle(1))
	for _, e := range h.stateEvents("gm") {
		if e.State == "backoff" || e.State == "stopped" || e.Error != "" {
			t.Fatalf("a renewal showed state %s %q", e.State, e.Error)
		}
	}
	saved := store.setsOf("gm#oauth2")
	if len(saved) < 3 {
		t.Fatalf("%d refresh tokens saved, want every rotated one; counts %+v\n%s", len(saved), o.Counts(), logs.String())
	}
	ok, _, err := d.LoginAttempts(email)
	if err != nil || ok < 3 {
		t.Fatalf("Dovecot logins %d (%v), want one per renewal", ok, err)
	}

	// Revoke the sign-in: "sign in again", one notification, no retries.
	current, _ := store.MemoryStore.Get(ctx, "gm#oauth2")
	o.Revoke(current)
	h.waitFor("stopped", func() bool {
		for _, a := range h.core.Snapshot().Accounts {
			for _, f := range a.Folders {
				if f.State == "stopped" {
					return true
				}
			}
		}
		return false
	})
	f := h.core.Snapshot().Accounts[0].Folders[0]
	if f.ErrorKind != "signin" || !strings.Contains(f.Error, "sign in again") {
		t.Fatalf("stopped folder %+v, want 'sign in again'", f)
	}
	refreshes, logins := o.Counts().Refresh, 0
	logins, _, _ = d.LoginAttempts(email)
	// A reload restarts stopped accounts: the refused token is not sent again.
	if _, err := h.core.Request(ctx, control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // a window in which a retry storm would show
	if c := o.Counts().Refresh; c != refreshes {
		t.Fatalf("%d more refreshes after the sign-in was revoked, want none", c-refreshes)
	}
	if n, _, _ := d.LoginAttempts(email); n != logins {
		t.Fatalf("%d more Dovecot logins after the sign-in was revoked, want none\n%s", n-logins, d.LogTail(20))
	}
	n := 0
	for _, p := range h.notifications() {
		if strings.Contains(p.Body, "Sign-in expired — sign in again") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d 'sign in again' notifications, want 1: %+v", n, h.notifications())
	}

	// No token anywhere the user or a log could see.
	cfgData, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	evData, _ := json.Marshal(h.events(""))
	h.mu.Lock()
	allEv, _ := json.Marshal(h.out)
	h.mu.Unlock()
	notes, _ := json.Marshal(h.notifications())
	toks := store.setsOf("gm#oauth2")
	for _, w := range []struct{ where, text string }{{"config.json", string(cfgData)}, {"events", string(evData) + string(allEv)},
		{"log", logs.String()}, {"notifications", string(notes)}, {"snapshot", fmt.Sprint(h.core.Snapshot())}} {
		assertNoSecrets(t, w.where, w.text, toks...)
	}
	if strings.Contains(string(cfgData), "refresh_token") {
		t.Fatal("config.json mentions a refresh token")
	}

	// Removing the account deletes its sign-in too.
	if _, err := h.core.Request(ctx, control.Command{Cmd: control.CmdRemoveAccount, Account: "gm"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.MemoryStore.Get(ctx, "gm#oauth2"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("refresh token after removal: %v, want it deleted", err)
	}
}

func hasSubject(evs []control.Event, subject string) bool {
	for _, e := range evs {
		if e.Subject == subject {
			return true
		}
	}
	return false
}

// token_command against Dovecot: the command (run without a shell) prints
// an access token at every login.
func TestTokenCommandAgainstDovecot(t *testing.T) {
	t.Parallel()
	o, d, email := oauthServers(t, oauth2test.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := o.Mint(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token with space.txt")
	if err := os.WriteFile(tokFile, []byte(tok.AccessToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := writeCA(t, dir, d)
	cfg := fmt.Sprintf(`{"accounts": [{"id": "tc", "email": %q, "host": %q, "port": %d, "ca_file": %q,
  "auth": "oauth2", "token_command": %q}]}`, email, d.Host(), d.TLSPort(), ca, `cat "`+tokFile+`"`)
	writeConfig(t, dir, cfg)
	var logs syncBuf
	h := newHarness(t, dir, newTokenStore(), func(opts *app.Options) {
		opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		opts.TokenCommand = func(ctx context.Context, line string) (string, error) {
			cmd, err := secrets.CommandFromString(line)
			if err != nil {
				return "", err
			}
			return cmd.Get(ctx, "")
		}
	})
	h.waitFor("idle", h.allIdle(1))
	if err := d.Deliver(email, "INBOX", dovecottest.Message("bob@example.test", email, "via token_command", time.Now())); err != nil {
		t.Fatal(err)
	}
	h.waitFor("new mail", func() bool { return hasSubject(h.events(control.EvNewMail), "via token_command") })

	// A revoked token: the command is asked once more, then the account
	// stops with the token refused.
	o.Revoke(tok.AccessToken)
	if _, err := h.core.Request(ctx, control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	// Force a new login: rewrite the config with another folder list.
	writeConfig(t, dir, strings.Replace(cfg, `"auth"`, `"folders": ["INBOX"], "auth"`, 1))
	if _, err := h.core.Request(ctx, control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("stopped", func() bool {
		for _, e := range h.stateEvents("tc") {
			if e.State == "stopped" && e.Error != "" {
				return true
			}
		}
		return false
	})
	assertNoSecrets(t, "log", logs.String(), tok.AccessToken)
	h.mu.Lock()
	allEv, _ := json.Marshal(h.out)
	h.mu.Unlock()
	assertNoSecrets(t, "events", string(allEv), tok.AccessToken)
}

// A token endpoint that fails (503) is like an unreachable server: the
// account backs off with "sign-in server unreachable" and is not stopped;
// once the endpoint answers again it logs in, and nobody is told to sign
// in again.
func TestOAuth2TokenEndpointDownBacksOff(t *testing.T) {
	t.Parallel()
	o, d, email := oauthServers(t, oauth2test.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tok, err := o.Mint(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store := newTokenStore()
	if err := store.MemoryStore.Set(ctx, "down"+app.OAuthSecretSuffix, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	acct := oauthAccount(d, o, "down", email)
	acct.CAFile = writeCA(t, dir, d)
	cfg := config.New()
	cfg.Accounts = []config.Account{acct}
	if err := config.Save(dir, cfg); err != nil {
		t.Fatal(err)
	}
	o.FailNext(3, 503, "temporarily_unavailable")
	h := newHarness(t, dir, store, func(opts *app.Options) {
		opts.SecretNotFound = func(err error) bool { return errors.Is(err, secrets.ErrNotFound) }
	})
	h.waitFor("a backoff", func() bool {
		for _, e := range h.stateEvents("down") {
			if e.State == "backoff" && strings.Contains(e.Error, "sign-in server unreachable") {
				return true
			}
		}
		return false
	})
	h.waitFor("idle once the endpoint answers", h.allIdle(1))
	for _, e := range h.stateEvents("down") {
		if e.State == "stopped" {
			t.Fatalf("stopped on a token endpoint that was down: %q", e.Error)
		}
	}
	if n := len(h.notifications()); n != 0 {
		t.Fatalf("%d notifications for a token endpoint that was down", n)
	}
}
