package oauth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/oauth2test"
	"mailbell/mail"
)

// End to end with real parts: a browser sign-in (PKCE, loopback) against
// the OAuth2 server, the refresh token in the store, then the manager as
// mail's Credentials logging in to a real Dovecot whose oauth2 passdb
// asks the same server about each token. A revoked access token is
// refreshed after one rejection; a revoked sign-in stops with "sign in
// again". Fails, never skips, when Dovecot is missing.
func TestDovecotLoginWithManager(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{Rotate: true})
	d := dovecottest.StartT(t, dovecottest.Options{
		Users:  map[string]string{defaultEmail: "unused-password-1"},
		OAuth2: &dovecottest.OAuth2{TokenInfoURL: o.TokenInfoURL()},
	})
	if err := d.Deliver(defaultEmail, "INBOX", dovecottest.Message("bob@example.test", defaultEmail, "hello", time.Now())); err != nil {
		t.Fatal(err)
	}
	res := signIn(t, o)
	store := &memStore{token: res.Token.RefreshToken}
	var logs logBuf
	m := manager(o, store, nil, &logs) // a fresh process: nothing in memory
	var trace logBuf
	acct := mail.Account{Host: d.Host(), Port: d.TLSPort(), Security: mail.SecurityTLS,
		Username: res.Email, Credentials: m, CAPEM: d.CAPEM()}
	opts := mail.Options{DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second,
		Trace: func(l string) { _, _ = trace.Write([]byte(l + "\n")) }}

	info, err := mail.Probe(ctxT(t, 20*time.Second), acct, "INBOX", opts)
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, d.LogTail(20))
	}
	if info.Messages != 1 {
		t.Fatalf("EXAMINE saw %d messages, want 1", info.Messages)
	}
	if c := o.Counts(); c.Refresh != 1 || c.TokeninfoRefused != 0 {
		t.Fatalf("counts %+v, want one refresh, no refusal", c)
	}
	first, _ := m.Credential(ctxT(t, 5*time.Second))

	// The server refuses the access token: one rejection, one refresh, in.
	o.Revoke(first.Secret)
	if _, err := mail.Probe(ctxT(t, 20*time.Second), acct, "INBOX", opts); err != nil {
		t.Fatalf("probe after the access token was revoked: %v\n%s", err, d.LogTail(20))
	}
	if c := o.Counts(); c.Refresh != 2 || c.TokeninfoRefused != 1 {
		t.Fatalf("counts %+v, want 2 refreshes and 1 refusal", c)
	}

	// The whole sign-in is revoked: "sign in again", permanent, no storm.
	second, _ := m.Credential(ctxT(t, 5*time.Second))
	saved, sets := store.get()
	if len(sets) != 2 {
		t.Fatalf("%d rotated refresh tokens saved, want 2", len(sets))
	}
	o.Revoke(second.Secret)
	o.Revoke(saved)
	_, err = mail.Probe(ctxT(t, 20*time.Second), acct, "INBOX", opts)
	if !errors.Is(err, mail.ErrTokenRejected) || !mail.IsPermanent(err) || !strings.Contains(err.Error(), "sign in again") {
		t.Fatalf("probe with a revoked sign-in: %v, want a permanent 'sign in again'", err)
	}
	if c := o.Counts(); c.Refresh != 3 || c.TokeninfoRefused != 2 {
		t.Fatalf("counts %+v, want 3 refreshes and 2 refusals", c)
	}
	secrets := append([]string{res.Token.AccessToken, res.Token.RefreshToken, first.Secret, second.Secret}, sets...)
	assertNoSecret(t, "error", err.Error(), secrets...)
	assertNoSecret(t, "log", logs.String(), secrets...)
	assertNoSecret(t, "trace", trace.String(), secrets...)
}
