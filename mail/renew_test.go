package mail_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

// expiringTokens hands out the good token with a short lifetime, as an
// OAuth2 token manager would, and counts the logins.
type expiringTokens struct {
	life   time.Duration
	mu     sync.Mutex
	calls  int
	expiry time.Time
}

func (e *expiringTokens) Credential(context.Context) (mail.Credential, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls++
	e.expiry = time.Now().Add(e.life)
	return mail.Credential{Kind: mail.CredentialOAuth2, Secret: memGoodToken}, nil
}

func (e *expiringTokens) TokenRejected(context.Context, string) {}

func (e *expiringTokens) Expiry() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.expiry
}

func (e *expiringTokens) logins() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

// A watcher idling on a login whose access token is about to expire logs
// in again before it does: at once, without a backoff state, and mail
// that lands meanwhile is announced.
func TestIdleRenewedBeforeTokenExpiry(t *testing.T) {
	t.Parallel()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, pass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return saslSession{mem.NewSession(), []string{"XOAUTH2"}}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapSASLIR: {}, imap.CapIdle: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	creds := &expiringTokens{life: 1500 * time.Millisecond}
	acct := mail.Account{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Security: mail.SecurityPlain,
		Username: user, Credentials: creds}
	opts := fast()
	opts.TokenRenewAhead = 500 * time.Millisecond
	opts.BackoffMin = 10 * time.Millisecond
	r := start(t, acct, "INBOX", mail.Position{}, opts)
	i := r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))

	// Three renewals (each token lives 1.5 s, renewed 0.5 s ahead).
	deadline := time.Now().Add(10 * time.Second)
	for creds.logins() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("%d logins in 10 s, want the login renewed every second", creds.logins())
		}
		time.Sleep(20 * time.Millisecond)
	}
	lit := imaptest.Message("Bob <bob@example.com>", "ann@example.com", "during renewals", time.Now())
	if _, err := u.Append("INBOX", bytes.NewReader(lit), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	r.rec.waitFor(t, i, 10*time.Second, "the mail that came during renewals", isNewMail("during renewals"))
	for creds.logins() < 6 {
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatalf("%d logins, want more renewals", creds.logins())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, e := range r.rec.all() {
		if se, ok := e.(mail.StateEvent); ok && (se.State == mail.StateBackoff || se.State == mail.StateStopped || se.Err != nil) {
			t.Fatalf("a renewal showed %v (%v); want quiet reconnects\n%s", se.State, se.Err, describe(r.rec.all()))
		}
	}
}

// Without an Expirer (a password, a token command) nothing is renewed.
func TestNoRenewalWithoutExpiry(t *testing.T) {
	t.Parallel()
	srv := startServer(t, imaptest.Config{Mode: imaptest.TLS})
	opts := fast()
	opts.TokenRenewAhead = time.Hour // would renew at once if it applied
	r := start(t, accountFor(srv, mail.SecurityTLS), "INBOX", mail.Position{}, opts)
	i := r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))
	appendN(t, srv, 1, "plain")
	r.rec.waitFor(t, i, 10*time.Second, "new mail", isNewMail("plain 0"))
	if n := srv.LoginCount(user); n != 1 {
		t.Fatalf("%d logins, want 1", n)
	}
}

// Microsoft's "* BYE Session invalidated - AccessTokenExpired" in the
// middle of an IDLE that was working: a fresh token and a new login at
// once, no backoff state.
func TestByeAccessTokenExpiredDuringIdleIsQuiet(t *testing.T) {
	t.Parallel()
	srv := newSASLServer(t, "IMAP4rev1 SASL-IR AUTH=XOAUTH2 IDLE")
	const tok = "tok-IDLEBYE-mmmmmmmmmmmm"
	srv.setValid(tok, true)
	srv.idleBye = "Session invalidated - AccessTokenExpired"
	var mu sync.Mutex
	calls := 0
	src := mail.TokenFunc(func(context.Context) (string, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		return tok, nil
	})
	r := start(t, srv.account(src), "INBOX", mail.Position{}, probeOpts(nil))
	asked := func() int { mu.Lock(); defer mu.Unlock(); return calls }
	for deadline := time.Now().Add(10 * time.Second); asked() < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("token asked %d times in 10 s, want a new login after each BYE\n%s", asked(), describe(r.rec.all()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, e := range r.rec.all() {
		if se, ok := e.(mail.StateEvent); ok && (se.State == mail.StateBackoff || se.State == mail.StateStopped) {
			t.Fatalf("state %v (%v) after AccessTokenExpired, want a quiet reconnect\n%s", se.State, se.Err, describe(r.rec.all()))
		}
	}
}
