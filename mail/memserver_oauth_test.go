package mail_test

// OAuth2 sign-in against go-imap's own server (imapserver.SessionSASL over
// the in-memory backend), a second implementation beside the scripted
// server and Dovecot. It accepts go-imap's "=" for an empty response, so
// it cannot catch that trap; Dovecot does (dovecot_oauth_test.go).

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"

	"mailbell/mail"
)

const memGoodToken = "tok-MEM-GOOD-kkkkkkkkkkkkk"

// saslSession adds XOAUTH2 and OAUTHBEARER to an in-memory session: a good
// token logs the session in as its user with the stored password.
type saslSession struct {
	imapserver.Session
	mechs []string
}

func (s saslSession) AuthenticateMechanisms() []string { return s.mechs }

func (s saslSession) Authenticate(mech string) (sasl.Server, error) {
	check := func(user, tok string) error {
		if tok != memGoodToken {
			return errors.New("bad token")
		}
		return s.Session.Login(user, pass)
	}
	switch mech {
	case "OAUTHBEARER":
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if check(o.Username, o.Token) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		}), nil
	case "XOAUTH2":
		return &xoauth2Server{check: check}, nil
	}
	return nil, errors.New("unsupported mechanism")
}

// xoauth2Server: one message; on failure a JSON challenge, then any
// response ends the exchange with an error.
type xoauth2Server struct {
	check  func(user, tok string) error
	failed error
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed != nil {
		return nil, true, x.failed
	}
	if resp == nil {
		return []byte{}, false, nil
	}
	var user, tok string
	for _, kv := range bytes.Split(resp, []byte{1}) {
		if u, ok := bytes.CutPrefix(kv, []byte("user=")); ok {
			user = string(u)
		}
		if t, ok := bytes.CutPrefix(kv, []byte("auth=Bearer ")); ok {
			tok = string(t)
		}
	}
	if err := x.check(user, tok); err != nil {
		x.failed = err
		return []byte(`{"status":"401","schemes":"bearer","scope":"mail"}`), false, nil
	}
	return nil, true, nil
}

func startMemSASL(t *testing.T, mechs ...string) int {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, pass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return saslSession{mem.NewSession(), mechs}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapSASLIR: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func TestMemServerOAuth(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"OAUTHBEARER", "XOAUTH2"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			port := startMemSASL(t, mech)
			acct := func(tok string) mail.Account {
				return mail.Account{Host: "127.0.0.1", Port: port, Security: mail.SecurityPlain, Username: user,
					Credentials: mail.TokenFunc(func(context.Context) (string, error) { return tok, nil })}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var tr traceLines
			if _, err := mail.Probe(ctx, acct(memGoodToken), "INBOX", probeOpts(&tr)); err != nil {
				t.Fatalf("good token: %v", err)
			}
			assertNoToken(t, "trace", tr.text(), memGoodToken)
			const bad = "tok-MEM-BAD-lllllllllllll"
			_, err := mail.Probe(ctx, acct(bad), "INBOX", probeOpts(nil))
			if !errors.Is(err, mail.ErrTokenRejected) || ctx.Err() != nil {
				t.Fatalf("bad token: want ErrTokenRejected in time, got %v", err)
			}
			assertNoToken(t, "error", err.Error(), bad)
		})
	}
}
