//go:build linux

package goa_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/goatest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/platform/goa"
)

// requireDaemon fails under CI=true when goa-daemon or what the test runs
// beside it is missing (make deps installs gnome-online-accounts,
// gnome-keyring and libsecret-tools), and skips elsewhere.
func requireDaemon(t *testing.T) {
	t.Helper()
	missing := func(what string, err error) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed under CI=true: run make deps (%v)", what, err)
		}
		t.Skipf("%s not installed: %v", what, err)
	}
	if _, err := goatest.DaemonPath(); err != nil {
		missing("goa-daemon (gnome-online-accounts)", err)
	}
	for _, tool := range []struct{ bin, pkg string }{
		{"gnome-keyring-daemon", "gnome-keyring"}, {"secret-tool", "libsecret-tools"},
	} {
		if _, err := exec.LookPath(tool.bin); err != nil {
			missing(tool.bin+" ("+tool.pkg+")", err)
		}
	}
}

// TestRealDaemonIMAPAccount runs the real goa-daemon on a private bus with
// an "IMAP and SMTP" account in accounts.conf and its password in
// gnome-keyring, against an IMAP server on loopback: List reads it, the
// password comes from the keyring through goa-daemon, a failed check by
// goa-daemon itself (wrong password) flags it AttentionNeeded, removing it
// from accounts.conf makes it ErrAccountGone, and a stopped daemon is
// ErrNoGOA.
func TestRealDaemonIMAPAccount(t *testing.T) {
	requireDaemon(t)
	s := session(t, desktoptest.Options{DBus: true, Keyring: true})

	const user, password = "carol", "c4rol's imap pw"
	imap, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{user: password}})
	if err != nil {
		t.Fatalf("imaptest.Start: %v", err)
	}
	t.Cleanup(func() { _ = imap.Close() })

	acct := goatest.IMAPAccount{
		ID: "account_1700000002_0", Address: "carol@example.test", User: user,
		Host: fmt.Sprintf("127.0.0.1:%d", imap.Port()), Password: password,
	}
	if err := goatest.WriteAccounts(s.ConfigHome, acct); err != nil {
		t.Fatal(err)
	}
	if err := goatest.StorePassword(s, acct); err != nil {
		t.Fatal(err)
	}
	d, err := goatest.StartDaemon(s, 10*time.Second)
	if err != nil {
		t.Fatalf("StartDaemon: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = d.Stop()
		}
		if t.Failed() {
			t.Logf("goa-daemon log:\n%s", d.Log())
		}
	})

	want := goa.Account{
		ID: acct.ID, ProviderType: "imap_smtp", ProviderName: "IMAP and SMTP", Identity: acct.Address,
		Address: acct.Address, Host: "127.0.0.1", Port: imap.Port(), Security: goa.SecurityPlain,
		Username: user, Auth: goa.AuthPassword,
	}
	got, err := goa.List(ctx(t))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("List = %+v, want the one account", got)
	}
	got[0].AttentionNeeded = false // goa-daemon may be checking it right now
	if !reflect.DeepEqual(got, []goa.Account{want}) {
		t.Fatalf("List:\n got %+v\nwant %+v", got, []goa.Account{want})
	}

	// goa-daemon validates the account with a real IMAP login of its own.
	bus, err := dbus.Connect(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	ensure := func() error {
		c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		var expires int32
		return bus.Object(goatest.BusName, dbus.ObjectPath(goatest.AccountsPath+acct.ID)).
			CallWithContext(c, "org.gnome.OnlineAccounts.Account.EnsureCredentials", 0).Store(&expires)
	}
	logins := imap.LoginCount(user)
	if err := ensure(); err != nil {
		t.Fatalf("EnsureCredentials with the right password: %v", err)
	}
	if imap.LoginCount(user) <= logins {
		t.Fatalf("EnsureCredentials did not log in to the IMAP server")
	}
	sec, err := goa.Credential(ctx(t), acct.ID)
	if err != nil {
		t.Fatalf("Credential: %v", err)
	}
	if sec.Kind != goa.AuthPassword || sec.Value != password {
		t.Fatalf("Credential = kind %s, right password %t", sec.Kind, sec.Value == password)
	}

	// A wrong password in the keyring: goa-daemon's own check fails and it
	// flags the account; Credential then asks the user to sign in again.
	wrong := acct
	wrong.Password = "not it"
	if err := goatest.StorePassword(s, wrong); err != nil {
		t.Fatal(err)
	}
	var dbusErr dbus.Error
	if err := ensure(); !errors.As(err, &dbusErr) || dbusErr.Name != goatest.ErrNotAuthorized {
		t.Fatalf("EnsureCredentials with a wrong password = %v, want %s", err, goatest.ErrNotAuthorized)
	}
	_, err = goa.Credential(ctx(t), acct.ID)
	if !errors.Is(err, goa.ErrAttentionNeeded) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential after a failed check = %v, want ErrAttentionNeeded", err)
	}
	noSecretIn(t, err, password, wrong.Password)
	if got, err := goa.List(ctx(t)); err != nil || len(got) != 1 || !got[0].AttentionNeeded {
		t.Fatalf("List after a failed check = %+v, %v; want the account flagged", got, err)
	}

	// Fixed in the keyring and checked again: usable again.
	if err := goatest.StorePassword(s, acct); err != nil {
		t.Fatal(err)
	}
	if err := ensure(); err != nil {
		t.Fatalf("EnsureCredentials with the password restored: %v", err)
	}
	if sec, err := goa.Credential(ctx(t), acct.ID); err != nil || sec.Value != password {
		t.Fatalf("Credential after the fix = right password %t, %v", sec.Value == password, err)
	}

	// Removed from Online Accounts: goa-daemon reloads accounts.conf.
	if err := goatest.WriteAccounts(s.ConfigHome); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := goa.List(ctx(t))
		if err != nil {
			t.Fatalf("List while removing: %v", err)
		}
		if len(got) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("account still listed 10 s after accounts.conf dropped it: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := goa.Credential(ctx(t), acct.ID); !errors.Is(err, goa.ErrAccountGone) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential after removal = %v, want ErrAccountGone", err)
	}

	stopped = true
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	checkNoGOA(t)
}

func noSecretIn(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if err != nil && s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q shows a secret", err)
		}
	}
}

// TestRealDaemonGoogleAccount: the real goa-daemon with a Google account in
// accounts.conf and no sign-in in the keyring (its token refresh would need
// the internet). List reads Gmail's IMAP settings from goa-daemon's own
// Google provider and sees OAuth2; Credential reports that the user must
// sign in again, from goa-daemon's own NotAuthorized (or its
// AttentionNeeded flag, should its start-up check have run first).
func TestRealDaemonGoogleAccount(t *testing.T) {
	requireDaemon(t)
	s := session(t, desktoptest.Options{DBus: true, Keyring: true})
	acct := goatest.OAuth2Account{ID: "account_1700000005_0", Provider: "google", Address: "grace@gmail.com"}
	if err := goatest.WriteAccounts(s.ConfigHome, acct); err != nil {
		t.Fatal(err)
	}
	d, err := goatest.StartDaemon(s, 10*time.Second)
	if err != nil {
		t.Fatalf("StartDaemon: %v", err)
	}
	t.Cleanup(func() {
		_ = d.Stop()
		if t.Failed() {
			t.Logf("goa-daemon log:\n%s", d.Log())
		}
	})
	got, err := goa.List(ctx(t))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := goa.Account{
		ID: acct.ID, ProviderType: "google", ProviderName: "Google", Identity: acct.Address,
		Address: acct.Address, Host: "imap.gmail.com", Port: 993, Security: goa.SecurityTLS,
		Username: acct.Address, Auth: goa.AuthOAuth2,
	}
	if len(got) == 1 {
		got[0].AttentionNeeded = false
	}
	if !reflect.DeepEqual(got, []goa.Account{want}) {
		t.Fatalf("List:\n got %+v\nwant %+v", got, []goa.Account{want})
	}
	_, err = goa.Credential(ctx(t), acct.ID)
	if !errors.Is(err, goa.ErrAttentionNeeded) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential without a sign-in = %v, want ErrAttentionNeeded", err)
	}
	t.Logf("Credential without a sign-in: %v", err)
	// Nothing of this may have gone to the network (there is none here,
	// but a test must not depend on that).
	if strings.Contains(d.Log(), "GSocketClient") || strings.Contains(d.Log(), "Resolving") {
		t.Fatalf("goa-daemon tried to connect somewhere:\n%s", d.Log())
	}
}
