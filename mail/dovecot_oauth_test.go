package mail_test

// OAuth2 sign-in against a real Dovecot whose oauth2 passdb checks each
// token with a real OAuth2 server on loopback (internal/testenv/oauth2test:
// mockoidc + tokeninfo). Fails, never skips, when Dovecot is missing.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/oauth2test"
	"mailbell/mail"
)

const oauthUser = "alice@example.test"

// oauthDovecot starts the OAuth2 server and a Dovecot that asks it about
// tokens. mechs, when set, replaces Dovecot's auth_mechanisms.
func oauthDovecot(t *testing.T, mechs string) (*dovecottest.Server, *oauth2test.Server) {
	t.Helper()
	o := oauth2test.StartT(t, oauth2test.Options{})
	opts := dovecottest.Options{
		Users:  map[string]string{oauthUser: "unused-password-1"},
		OAuth2: &dovecottest.OAuth2{TokenInfoURL: o.TokenInfoURL()},
	}
	if mechs != "" {
		opts.ExtraConfig = "auth_mechanisms = " + mechs
	}
	return startDovecot(t, opts), o
}

func mint(t *testing.T, o *oauth2test.Server) (access, refresh string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := o.Mint(ctx, oauthUser)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return tok.AccessToken, tok.RefreshToken
}

// refreshingSource is a token source like the app's token manager: it
// refreshes with the OAuth2 server when told a token was refused.
type refreshingSource struct {
	t       *testing.T
	o       *oauth2test.Server
	mu      sync.Mutex
	access  string
	refresh string
	handed  []string
}

func (r *refreshingSource) Credential(context.Context) (mail.Credential, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handed = append(r.handed, r.access)
	return mail.Credential{Kind: mail.CredentialOAuth2, Secret: r.access}, nil
}

func (r *refreshingSource) TokenRejected(ctx context.Context, tok string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if tok != r.access {
		return
	}
	fresh, err := r.o.Refresh(ctx, r.refresh)
	if err != nil {
		r.t.Errorf("refresh: %v", err)
		return
	}
	r.access = fresh.AccessToken
}

func oauthAccount(s *dovecottest.Server, creds mail.Credentials) mail.Account {
	return mail.Account{Host: s.Host(), Port: s.TLSPort(), Security: mail.SecurityTLS,
		Username: oauthUser, Credentials: creds, CAPEM: s.CAPEM()}
}

func TestDovecotOAuthLogin(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"oauthbearer", "xoauth2"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			mechs := "plain login xoauth2 oauthbearer" // OAUTHBEARER is preferred
			if mech == "xoauth2" {
				mechs = "plain login xoauth2"
			}
			s, o := oauthDovecot(t, mechs)
			access, _ := mint(t, o)
			if err := s.Deliver(oauthUser, "INBOX", dovecottest.Message(bobFrom, oauthUser, "before", time.Now())); err != nil {
				t.Fatal(err)
			}
			var tr traceLines
			opts := dovecotOpts()
			opts.Trace = tr.add
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			info, err := mail.Probe(ctx, oauthAccount(s, mail.TokenFunc(func(context.Context) (string, error) { return access, nil })), "INBOX", opts)
			if err != nil {
				t.Fatalf("probe with a valid token: %v\n%s", err, s.Log())
			}
			if info.Messages != 1 {
				t.Fatalf("EXAMINE saw %d messages, want 1", info.Messages)
			}
			if !strings.Contains(tr.text(), "[credentials redacted]") || !strings.Contains(tr.text(), "EXAMINE") {
				t.Fatalf("trace shows no redacted login and EXAMINE: %s", tr.text())
			}
			assertNoToken(t, "trace", tr.text(), access)
			if c := o.Counts(); c.Tokeninfo != 1 || c.TokeninfoRefused != 0 {
				t.Fatalf("tokeninfo counts %+v, want one accepted", c)
			}
			if log := s.Log(); !strings.Contains(log, "method="+strings.ToUpper(mech)) {
				t.Fatalf("Dovecot's log names no %s login:\n%s", mech, log)
			}
		})
	}
}

// A revoked token is refused without a hang (both mechanisms; XOAUTH2 also
// meets Dovecot's BAD for go-imap's "="), classified as ErrTokenRejected
// after exactly one retry with a fresh token, and never shows in the
// error or the trace.
func TestDovecotOAuthRevokedRefused(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"oauthbearer", "xoauth2"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			mechs := "plain login xoauth2 oauthbearer"
			if mech == "xoauth2" {
				mechs = "plain login xoauth2"
			}
			s, o := oauthDovecot(t, mechs)
			access, _ := mint(t, o)
			o.Revoke(access)
			var tr traceLines
			opts := dovecotOpts()
			opts.Trace = tr.add
			calls := 0
			src := mail.TokenFunc(func(context.Context) (string, error) { calls++; return access, nil })
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			_, err := mail.Probe(ctx, oauthAccount(s, src), "INBOX", opts)
			took := time.Since(start)
			if !errors.Is(err, mail.ErrTokenRejected) || !mail.IsPermanent(err) {
				t.Fatalf("want permanent ErrTokenRejected, got %v (after %s)\n%s", err, took, s.Log())
			}
			if errors.Is(err, mail.ErrTimeout) || took > 4*time.Second {
				t.Fatalf("refusal took %s: the challenge was not answered", took)
			}
			t.Logf("%s: refused in %s: %v", mech, took.Round(time.Millisecond), err)
			if calls != 2 {
				t.Fatalf("token asked %d times, want 2 (one retry)", calls)
			}
			if c := o.Counts(); c.TokeninfoRefused != 2 {
				t.Fatalf("tokeninfo counts %+v, want two refusals", c)
			}
			assertNoToken(t, "error", err.Error(), access)
			assertNoToken(t, "trace", tr.text(), access)
		})
	}
}

// An expired access token: the source refreshes once when told, and the
// watcher logs in with the fresh token and goes idle; new mail arrives.
func TestDovecotOAuthExpiredRefreshedWatch(t *testing.T) {
	t.Parallel()
	s, o := oauthDovecot(t, "")
	access, refresh := mint(t, o)
	o.FastForward(11 * time.Minute) // past mockoidc's 10 min access lifetime
	src := &refreshingSource{t: t, o: o, access: access, refresh: refresh}
	r := start(t, oauthAccount(s, src), "INBOX", mail.Position{}, dovecotOpts())
	r.rec.waitFor(t, 0, 15*time.Second, "idle", isState(mail.StateIdle))
	src.mu.Lock()
	handed := append([]string(nil), src.handed...)
	src.mu.Unlock()
	if len(handed) != 2 || handed[0] != access || handed[1] == access {
		t.Fatalf("tokens handed: %d (want the expired one, then a fresh one)", len(handed))
	}
	from := len(r.rec.all())
	if err := s.Deliver(oauthUser, "INBOX", dovecottest.Message(bobFrom, oauthUser, "via oauth", time.Now())); err != nil {
		t.Fatal(err)
	}
	r.rec.waitFor(t, from, 10*time.Second, "new mail", isNewMail("via oauth"))
	if n := r.rec.count(isState(mail.StateBackoff)); n != 0 {
		t.Fatalf("%d backoffs: the refresh should have been quiet", n)
	}
}

// A watcher whose token is revoked (and whose source has no other) stops
// with ErrTokenRejected after one retry: no retry storm at the server.
func TestDovecotOAuthRevokedStopsWatcher(t *testing.T) {
	t.Parallel()
	s, o := oauthDovecot(t, "")
	access, _ := mint(t, o)
	o.Revoke(access)
	r := start(t, oauthAccount(s, mail.TokenFunc(func(context.Context) (string, error) { return access, nil })), "INBOX", mail.Position{}, dovecotOpts())
	err := r.wait(t, 15*time.Second, "a revoked token must stop the watcher")
	if !errors.Is(err, mail.ErrTokenRejected) || !mail.IsPermanent(err) {
		t.Fatalf("want permanent ErrTokenRejected, got %v", err)
	}
	time.Sleep(time.Second) // a retry loop would show up here (backoff 50–500 ms)
	if c := o.Counts(); c.Tokeninfo != 2 || c.TokeninfoRefused != 2 {
		t.Fatalf("tokeninfo counts %+v, want exactly two refusals", c)
	}
	if n := r.rec.count(isState(mail.StateBackoff)); n != 0 {
		t.Fatalf("%d backoffs for a permanent error", n)
	}
	assertNoToken(t, "error", err.Error(), access)
}
