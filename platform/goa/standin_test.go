package goa_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/goatest"
	"mailbell/platform/goa"
)

// requireDBus fails under CI=true (make deps installs dbus) and skips
// elsewhere when dbus-daemon is missing.
func requireDBus(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dbus-daemon (package dbus) not installed under CI=true: run make deps (%v)", err)
		}
		t.Skip("dbus-daemon not installed")
	}
}

// session starts a private bus and points this process at it.
func session(t *testing.T, opts desktoptest.Options) *desktoptest.Session {
	t.Helper()
	requireDBus(t)
	s, err := desktoptest.Start(opts)
	if err != nil {
		t.Fatalf("desktoptest.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing the session: %v", err)
		}
	})
	s.Setenv(t)
	return s
}

// standIn starts the goatest stand-in on s's bus.
func standIn(t *testing.T, s *desktoptest.Session) *goatest.Server {
	t.Helper()
	srv, err := goatest.Start(s.BusAddress)
	if err != nil {
		t.Fatalf("goatest.Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

const (
	googleID = "account_1700000000_0"
	imapID   = "account_1700000001_1"
	token1   = "ya29.stand-in-token-ONE"
	token2   = "ya29.stand-in-token-TWO"
	imapPass = "imap pass w0rd's"
)

var (
	google = goatest.Account{
		ID: googleID, ProviderType: "google", ProviderName: "Google",
		Identity: "alice@gmail.com", PresentationIdentity: "alice@gmail.com",
		EmailAddress: "alice@gmail.com", ImapHost: "imap.gmail.com", ImapUserName: "alice@gmail.com",
		ImapUseSsl: true, Auth: goatest.AuthOAuth2, Token: token1, ExpiresIn: 3599,
	}
	imapAcct = goatest.Account{
		ID: imapID, ProviderType: "imap_smtp", ProviderName: "IMAP and SMTP",
		Identity: "bob", PresentationIdentity: "bob@example.test",
		EmailAddress: "bob@example.test", ImapHost: "127.0.0.1:1143", ImapUserName: "bob",
		ImapUseTls: true, ImapAcceptSslErrors: true, Auth: goatest.AuthPassword,
		Passwords: map[string]string{"imap-password": imapPass, "smtp-password": "smtp-other"},
	}
	wantGoogle = goa.Account{
		ID: googleID, ProviderType: "google", ProviderName: "Google", Identity: "alice@gmail.com",
		Address: "alice@gmail.com", Host: "imap.gmail.com", Port: 993, Security: goa.SecurityTLS,
		Username: "alice@gmail.com", Auth: goa.AuthOAuth2,
	}
	wantIMAP = goa.Account{
		ID: imapID, ProviderType: "imap_smtp", ProviderName: "IMAP and SMTP", Identity: "bob@example.test",
		Address: "bob@example.test", Host: "127.0.0.1", Port: 1143, Security: goa.SecuritySTARTTLS,
		Username: "bob", AcceptSSLErrors: true, Auth: goa.AuthPassword,
	}
)

func add(t *testing.T, srv *goatest.Server, accts ...goatest.Account) {
	t.Helper()
	for _, a := range accts {
		if err := srv.Add(a); err != nil {
			t.Fatalf("adding %s: %v", a.ID, err)
		}
	}
}

// noSecret fails when err's text holds any of the test's secrets.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{token1, token2, imapPass, "smtp-other"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q shows a secret", err)
		}
	}
}

// TestStandInListAndCredential: List offers exactly the mail accounts it
// can sign in to, with host, port, security and user from the Mail
// interface; Credential gives goa-daemon's current token (fresh at every
// call) or the IMAP password.
func TestStandInListAndCredential(t *testing.T) {
	s := session(t, desktoptest.Options{DBus: true})
	srv := standIn(t, s)
	add(t, srv, google, imapAcct,
		goatest.Account{ID: "account_2", ProviderType: "google", ProviderName: "Google", PresentationIdentity: "a-mail-off@gmail.com",
			MailDisabled: true, EmailAddress: "x@gmail.com", ImapHost: "imap.gmail.com", ImapUseSsl: true, Auth: goatest.AuthOAuth2, Token: "t"},
		goatest.Account{ID: "account_3", ProviderType: "owncloud", ProviderName: "Nextcloud", PresentationIdentity: "no-mail",
			NoMail: true, Auth: goatest.AuthPassword},
		goatest.Account{ID: "account_4", ProviderType: "flickr", ProviderName: "OAuth1 thing", PresentationIdentity: "no-auth",
			EmailAddress: "y@example.test", ImapHost: "imap.example.test", ImapUseSsl: true, Auth: goatest.AuthNone},
	)

	got, err := goa.List(ctx(t))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if want := []goa.Account{wantGoogle, wantIMAP}; !reflect.DeepEqual(got, want) {
		t.Fatalf("List:\n got %+v\nwant %+v", got, want)
	}

	sec, err := goa.Credential(ctx(t), googleID)
	if err != nil {
		t.Fatalf("Credential(google): %v", err)
	}
	if sec.Kind != goa.AuthOAuth2 || sec.Value != token1 || sec.ExpiresIn != 3599*time.Second {
		t.Fatalf("Credential(google) = kind %s, right token %t, expires in %v", sec.Kind, sec.Value == token1, sec.ExpiresIn)
	}
	// goa-daemon refreshed meanwhile: the next login gets the new token,
	// nothing is cached on this side.
	if err := srv.SetToken(googleID, token2, 3600); err != nil {
		t.Fatal(err)
	}
	sec, err = goa.Credential(ctx(t), googleID)
	if err != nil || sec.Value != token2 {
		t.Fatalf("Credential(google) after a refresh: new token %t, err %v", sec.Value == token2, err)
	}
	if n := srv.Calls(googleID, "GetAccessToken"); n != 2 {
		t.Fatalf("GetAccessToken called %d times for two logins, want 2", n)
	}

	sec, err = goa.Credential(ctx(t), imapID)
	if err != nil {
		t.Fatalf("Credential(imap): %v", err)
	}
	if sec.Kind != goa.AuthPassword || sec.Value != imapPass || sec.ExpiresIn != 0 {
		t.Fatalf("Credential(imap) = kind %s, right password %t, expires in %v", sec.Kind, sec.Value == imapPass, sec.ExpiresIn)
	}

	// An account whose mail is off, or that cannot give IMAP a secret.
	if _, err := goa.Credential(ctx(t), "account_2"); !errors.Is(err, goa.ErrMailDisabled) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential(mail disabled) = %v, want ErrMailDisabled", err)
	}
	if _, err := goa.Credential(ctx(t), "account_4"); !errors.Is(err, goa.ErrUnsupported) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential(no auth interface) = %v, want ErrUnsupported", err)
	}
}

// TestStandInRemoved: an account removed from Online Accounts gives
// ErrAccountGone with the sentence for the user, and leaves the list.
func TestStandInRemoved(t *testing.T) {
	s := session(t, desktoptest.Options{DBus: true})
	srv := standIn(t, s)
	add(t, srv, google, imapAcct)
	if _, err := goa.Credential(ctx(t), googleID); err != nil {
		t.Fatalf("Credential before removal: %v", err)
	}
	if err := srv.Remove(googleID); err != nil {
		t.Fatal(err)
	}
	_, err := goa.Credential(ctx(t), googleID)
	if !errors.Is(err, goa.ErrAccountGone) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential after removal = %v, want ErrAccountGone", err)
	}
	if !strings.Contains(err.Error(), "This account was removed from Online Accounts — add it again or remove it here") {
		t.Fatalf("error %q lacks the sentence for the user", err)
	}
	if _, err := goa.Credential(ctx(t), "account_never_there"); !errors.Is(err, goa.ErrAccountGone) {
		t.Fatalf("Credential(unknown id) = %v, want ErrAccountGone", err)
	}
	got, err := goa.List(ctx(t))
	if err != nil || !reflect.DeepEqual(got, []goa.Account{wantIMAP}) {
		t.Fatalf("List after removal = %+v, %v; want only the IMAP account", got, err)
	}
}

// TestStandInAttentionNeeded: while Online Accounts flags the account, no
// secret is asked for and the error says to sign in again; once cleared,
// logins work again.
func TestStandInAttentionNeeded(t *testing.T) {
	s := session(t, desktoptest.Options{DBus: true})
	srv := standIn(t, s)
	add(t, srv, google)
	if err := srv.SetAttentionNeeded(googleID, true); err != nil {
		t.Fatal(err)
	}
	_, err := goa.Credential(ctx(t), googleID)
	if !errors.Is(err, goa.ErrAttentionNeeded) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential while flagged = %v, want ErrAttentionNeeded", err)
	}
	if !strings.Contains(err.Error(), "Online Accounts needs you to sign in again") {
		t.Fatalf("error %q lacks the sentence for the user", err)
	}
	if n := srv.Calls(googleID, "GetAccessToken"); n != 0 {
		t.Fatalf("GetAccessToken called %d times while the account needs attention", n)
	}
	got, err := goa.List(ctx(t))
	if err != nil || len(got) != 1 || !got[0].AttentionNeeded {
		t.Fatalf("List while flagged = %+v, %v; want the account with AttentionNeeded", got, err)
	}
	if err := srv.SetAttentionNeeded(googleID, false); err != nil {
		t.Fatal(err)
	}
	if sec, err := goa.Credential(ctx(t), googleID); err != nil || sec.Value != token1 {
		t.Fatalf("Credential after sign-in = right token %t, %v", sec.Value == token1, err)
	}
}

// TestStandInCallErrors: goa-daemon's answers to GetAccessToken and
// GetPassword are classified: NotAuthorized needs attention, an object gone
// between listing and calling is a removed account, a generic failure (the
// provider unreachable) is transient. None shows a secret.
func TestStandInCallErrors(t *testing.T) {
	s := session(t, desktoptest.Options{DBus: true})
	srv := standIn(t, s)
	add(t, srv, google, imapAcct)
	cases := []struct {
		id, name  string
		want      error // nil: transient
		wantInMsg string
	}{
		{googleID, goatest.ErrNotAuthorized, goa.ErrAttentionNeeded, "GetAccessToken"},
		{imapID, goatest.ErrNotAuthorized, goa.ErrAttentionNeeded, "GetPassword"},
		{googleID, goatest.ErrObjectGone, goa.ErrAccountGone, "GetAccessToken"},
		{googleID, goatest.ErrFailed, nil, "token endpoint unreachable"},
		{imapID, goatest.ErrFailed, nil, "keyring locked"},
	}
	for _, c := range cases {
		msg := "token endpoint unreachable"
		if c.id == imapID && c.name == goatest.ErrFailed {
			msg = "keyring locked"
		}
		if err := srv.FailNextCall(c.id, c.name, msg); err != nil {
			t.Fatal(err)
		}
		_, err := goa.Credential(ctx(t), c.id)
		if err == nil {
			t.Fatalf("%s answering %s: no error", c.id, c.name)
		}
		noSecret(t, err)
		if c.want != nil && !errors.Is(err, c.want) {
			t.Fatalf("%s answering %s: %v, want %v", c.id, c.name, err, c.want)
		}
		if c.want == nil && goa.NeedsAttention(err) {
			t.Fatalf("%s answering %s: %v counts as needing attention, want transient", c.id, c.name, err)
		}
		if !strings.Contains(err.Error(), c.id) || !strings.Contains(err.Error(), c.wantInMsg) {
			t.Fatalf("%s answering %s: %q should name the account and say %q", c.id, c.name, err, c.wantInMsg)
		}
	}
	// An IMAP account whose keyring item lacks imap-password: goa-daemon
	// answers Failed; transient as far as this package can tell.
	odd := imapAcct
	odd.ID, odd.Passwords = "account_9", map[string]string{"smtp-password": "smtp-other"}
	add(t, srv, odd)
	if _, err := goa.Credential(ctx(t), "account_9"); err == nil || goa.NeedsAttention(err) {
		t.Fatalf("Credential without imap-password = %v, want a transient error", err)
	} else {
		noSecret(t, err)
	}
}

// TestNoGOA: no goa-daemon on the bus, a bus with nothing that answers,
// and no bus at all are all ErrNoGOA, for List and Credential.
func TestNoGOA(t *testing.T) {
	t.Run("stand-in gone", func(t *testing.T) {
		s := session(t, desktoptest.Options{DBus: true})
		srv := standIn(t, s)
		add(t, srv, google)
		if _, err := goa.Credential(ctx(t), googleID); err != nil {
			t.Fatalf("Credential with the stand-in up: %v", err)
		}
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		// The bus drops the name when the connection closes; wait for it.
		deadline := time.Now().Add(5 * time.Second)
		for {
			owned, err := s.NameHasOwner(goatest.BusName)
			if err != nil {
				t.Fatalf("NameHasOwner: %v", err)
			}
			if !owned {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still owned 5 s after the stand-in closed", goatest.BusName)
			}
			time.Sleep(10 * time.Millisecond)
		}
		checkNoGOA(t)
	})
	t.Run("empty bus", func(t *testing.T) {
		session(t, desktoptest.Options{DBus: true})
		checkNoGOA(t)
	})
	t.Run("no bus", func(t *testing.T) {
		session(t, desktoptest.Options{}) // the bus address names no socket
		checkNoGOA(t)
	})
}

func checkNoGOA(t *testing.T) {
	t.Helper()
	if got, err := goa.List(ctx(t)); !errors.Is(err, goa.ErrNoGOA) || !goa.NeedsAttention(err) || got != nil {
		t.Fatalf("List = %v, %v; want nil, ErrNoGOA", got, err)
	}
	if _, err := goa.Credential(ctx(t), googleID); !errors.Is(err, goa.ErrNoGOA) || !goa.NeedsAttention(err) {
		t.Fatalf("Credential = %v, want ErrNoGOA", err)
	}
}

// TestSecretRedacted: printing or logging a Secret never shows its value.
func TestSecretRedacted(t *testing.T) {
	sec := goa.Secret{Kind: goa.AuthOAuth2, Value: token1, ExpiresIn: time.Hour}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "secret", sec)
	for _, s := range []string{
		fmt.Sprint(sec), fmt.Sprintf("%v %+v %#v %s %q", sec, sec, sec, sec, sec), sec.GoString(),
		fmt.Sprintf("%v", &sec), logged.String(),
	} {
		if strings.Contains(s, token1) {
			t.Fatalf("secret shown: %s", s)
		}
	}
	if !strings.Contains(fmt.Sprint(sec), "oauth2") {
		t.Fatalf("String %q should still say the kind", fmt.Sprint(sec))
	}
}

// TestStandInHungDaemon: a goa-daemon that never answers (a locked
// keyring, a hung token endpoint) costs the caller its own deadline, not
// more, and counts as transient.
func TestStandInHungDaemon(t *testing.T) {
	s := session(t, desktoptest.Options{DBus: true})
	srv := standIn(t, s)
	add(t, srv, google)
	release, err := srv.HoldNextCall(googleID)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = goa.Credential(c, googleID)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Credential took %v against a 300 ms deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || goa.NeedsAttention(err) {
		t.Fatalf("Credential against a hung daemon = %v, want a transient deadline error", err)
	}
	release()
	if sec, err := goa.Credential(ctx(t), googleID); err != nil || sec.Value != token1 {
		t.Fatalf("Credential once the daemon answers again = right token %t, %v", sec.Value == token1, err)
	}
}

// TestHungBus: a session bus socket that accepts but never answers is a
// transient failure after the caller's deadline, not "no Online Accounts".
func TestHungBus(t *testing.T) {
	dir, err := os.MkdirTemp("", "goabus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "bus")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16) // held open, never answered
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-conns:
				c.Close()
			default:
				return
			}
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+sock)
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = goa.Credential(c, googleID)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Credential took %v against a 300 ms deadline", took)
	}
	if err == nil || goa.NeedsAttention(err) {
		t.Fatalf("Credential on a hung bus = %v, want a transient error", err)
	}
}
