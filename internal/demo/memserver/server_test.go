package memserver

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// The demo's path: TLS with the server's own CA, login, mail appended from
// outside seen by the client. The full protocol tests run through the
// tests' server (internal/testenv/imaptest), which is this one.
func TestTLSLoginAndAppend(t *testing.T) {
	var (
		mu     sync.Mutex
		logins []string
	)
	onLogin := func(u string) {
		mu.Lock()
		defer mu.Unlock()
		logins = append(logins, u)
	}
	srv, err := Start(Config{Mode: TLS, Users: map[string]string{"you": "pw"}, OnLogin: onLogin})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	if len(srv.CAPEM()) == 0 {
		t.Fatal("TLS server has no CA PEM for the demo account")
	}
	uid, err := srv.Append("you", "INBOX", Message("Ann <ann@example.org>", "you@example.org", "hello", time.Now()))
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	c, err := imapclient.DialTLS(srv.Addr(), &imapclient.Options{TLSConfig: srv.ClientTLSConfig("127.0.0.1")})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if err := c.Login("you", "pw").Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	mu.Lock()
	if len(logins) != 1 || logins[0] != "you" {
		t.Errorf("OnLogin saw %v, want [you]", logins)
	}
	mu.Unlock()
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	if sel.NumMessages != 1 || sel.UIDNext != uid+1 {
		t.Errorf("INBOX has %d messages, UIDNEXT %d; want 1 and %d", sel.NumMessages, sel.UIDNext, uid+1)
	}
}

func TestWrapListenerRefusedWithSTARTTLS(t *testing.T) {
	srv, err := Start(Config{Mode: STARTTLS, WrapListener: func(l net.Listener) net.Listener { return l }})
	if err == nil {
		srv.Close()
		t.Fatal("WrapListener with STARTTLS was accepted; the wrapper could not see plaintext")
	}
}
