package cli

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

	"github.com/oauth2-proxy/mockoidc"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/goatest"
	"mailbell/internal/testenv/oauth2test"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// A goa_account through the core with the real wiring (goaAdapter over
// platform/goa) and the GNOME Online Accounts stand-in on a private bus:
// online_accounts lists its mail account; the access token goa hands out
// logs in to Dovecot's oauth2 passdb and new mail is announced; an account
// removed from Online Accounts stops with goa's words, no crash, no retry.
func TestOnlineAccountThroughTheCore(t *testing.T) {
	s, err := desktoptest.Start(desktoptest.Options{DBus: true})
	if err != nil {
		t.Fatalf("desktop session: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	s.Setenv(t)
	goa, err := goatest.Start(s.BusAddress)
	if err != nil {
		t.Fatalf("goatest: %v", err)
	}
	t.Cleanup(func() { _ = goa.Close() })

	o := oauth2test.StartT(t, oauth2test.Options{})
	email := mockoidc.DefaultUser().Email
	d := dovecottest.StartT(t, dovecottest.Options{
		Users:  map[string]string{email: "unused-password-9"},
		OAuth2: &dovecottest.OAuth2{TokenInfoURL: o.TokenInfoURL()},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tok, err := o.Mint(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	const goaID = "account_1700000000_0"
	if err := goa.Add(goatest.Account{ID: goaID, ProviderType: "google", ProviderName: "Google", Identity: email,
		PresentationIdentity: email, EmailAddress: email, ImapHost: fmt.Sprintf("127.0.0.1:%d", d.TLSPort()),
		ImapUserName: email, ImapUseSsl: true, Auth: goatest.AuthOAuth2, Token: tok.AccessToken, ExpiresIn: 3600}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, d.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		out []control.Event
	)
	events := func() []control.Event { mu.Lock(); defer mu.Unlock(); return append([]control.Event(nil), out...) }
	opts := app.Options{ConfigDir: dir, Secrets: secrets.Memory(),
		Mail:         mail.Options{BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond},
		Output:       func(ev control.Event) { mu.Lock(); out = append(out, ev); mu.Unlock() },
		OAuthOptions: oauthOptions()}
	core, err := app.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	cctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { core.Run(cctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })

	// The settings window's list of Online Accounts.
	ev, err := core.Request(ctx, control.Command{Cmd: control.CmdOnlineAccounts})
	if err != nil || len(ev.OnlineAccounts) != 1 {
		t.Fatalf("online_accounts: %+v %v", ev.OnlineAccounts, err)
	}
	oa := ev.OnlineAccounts[0]
	if oa.ID != goaID || oa.Host != "127.0.0.1" || oa.Port != d.TLSPort() || oa.Security != "tls" || oa.Auth != "oauth2" || oa.Username != email {
		t.Fatalf("online account %+v", oa)
	}

	// Added with one click: the account as the window would save it.
	cfg := fmt.Sprintf(`{"accounts": [{"id": "goa", "email": %q, "host": %q, "port": %d, "ca_file": %q,
  "auth": "oauth2", "goa_account": %q}]}`, email, oa.Host, oa.Port, ca, goaID)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := core.Request(ctx, control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); {
			if time.Now().After(deadline) {
				b, _ := json.Marshal(events())
				t.Fatalf("no %s; events %s\n%s", what, b, d.LogTail(20))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	state := func(st string) func() bool {
		return func() bool {
			for _, a := range core.Snapshot().Accounts {
				for _, f := range a.Folders {
					if string(f.State) == st {
						return true
					}
				}
			}
			return false
		}
	}
	waitFor("idle", state("idle"))
	if err := d.Deliver(email, "INBOX", dovecottest.Message("bob@example.test", email, "via Online Accounts", time.Now())); err != nil {
		t.Fatal(err)
	}
	waitFor("new mail", func() bool {
		for _, e := range events() {
			if e.Event == control.EvNewMail && e.Subject == "via Online Accounts" {
				return true
			}
		}
		return false
	})
	if goa.Calls(goaID, "GetAccessToken") < 1 {
		t.Fatal("the token did not come from Online Accounts")
	}

	// Removed in Online Accounts: the next login stops with its words.
	if err := goa.Remove(goaID); err != nil {
		t.Fatal(err)
	}
	o.Revoke(tok.AccessToken) // and the server ends the session
	if _, err := core.Request(ctx, control.Command{Cmd: control.CmdCheckNow}); err != nil {
		t.Fatal(err)
	}
	writeAgain := strings.Replace(cfg, `"auth"`, `"folders": ["INBOX"], "auth"`, 1) // a restart: a new login
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(writeAgain), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := core.Request(ctx, control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	waitFor("stopped", state("stopped"))
	f := core.Snapshot().Accounts[0].Folders[0]
	if !strings.Contains(f.Error, "removed from Online Accounts") {
		t.Fatalf("stopped folder %+v, want goa's words", f)
	}
	if strings.Contains(fmt.Sprint(events()), tok.AccessToken) {
		t.Fatal("the token is in the events")
	}
}
