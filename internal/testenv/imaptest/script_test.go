package imaptest

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func startScript(t *testing.T, h func(net.Conn)) *ScriptServer {
	t.Helper()
	s, err := StartScript(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dialScript(t *testing.T, s *ScriptServer) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// result runs f in the background and returns a channel with its error.
func result(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

func wantErrSoon(t *testing.T, what string, ch <-chan error) {
	t.Helper()
	select {
	case err := <-ch:
		if err == nil {
			t.Errorf("%s: succeeded, want an error", what)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("%s: no answer", what)
	}
}

func wantPending(t *testing.T, what string, ch <-chan error) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s: returned %v, want it still waiting", what, err)
	case <-time.After(200 * time.Millisecond):
	}
}

func wantClosed(t *testing.T, c *imapclient.Client) {
	t.Helper()
	select {
	case <-c.Closed():
	case <-time.After(3 * time.Second):
		t.Fatal("client connection not closed")
	}
}

func TestGarbageAndTruncatedGreeting(t *testing.T) {
	for name, h := range map[string]func(net.Conn){"garbage": Garbage, "truncated": TruncatedGreeting} {
		t.Run(name, func(t *testing.T) {
			s := startScript(t, h)
			c := dialScript(t, s)
			wantErrSoon(t, "login", result(func() error { return c.Login("a", "b").Wait() }))
			if s.Accepted() != 1 {
				t.Errorf("Accepted = %d", s.Accepted())
			}
		})
	}
}

func TestGreetThenSilence(t *testing.T) {
	s := startScript(t, GreetThenSilence)
	c := dialScript(t, s)
	login := result(func() error { return c.Login("a", "b").Wait() })
	wantPending(t, "login", login)
	start := time.Now()
	if err := s.Close(); err != nil { // also shows Close does not wait for silence
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	wantErrSoon(t, "login after server close", login)
}

func TestByeAfterLogin(t *testing.T) {
	s := startScript(t, ByeAfterLogin)
	c := dialScript(t, s)
	if err := c.Login("a", "b").Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	wantClosed(t, c)
}

func TestByeDuringIdle(t *testing.T) {
	s := startScript(t, ByeDuringIdle)
	c := dialScript(t, s)
	if err := c.Login("a", "b").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	wantClosed(t, c)
	wantErrSoon(t, "idle", result(idle.Wait))
}

func TestSilentDuringIdle(t *testing.T) {
	s := startScript(t, SilentDuringIdle)
	c := dialScript(t, s)
	if err := c.Login("a", "b").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if err := idle.Close(); err != nil { // sends DONE, which is never answered
		t.Fatal(err)
	}
	wait := result(idle.Wait)
	wantPending(t, "IDLE after DONE", wait)
	c.Close()
	<-wait
}

func TestHugeLiteral(t *testing.T) {
	const size = 1 << 20
	s := startScript(t, HugeLiteral(size))
	c := dialScript(t, s)
	if err := c.Login("a", "b").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 1 || sel.UIDNext != 2 {
		t.Fatalf("select = %+v, %v", sel, err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{Envelope: true, UID: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v, %d messages", err, len(msgs))
	}
	if n := len(msgs[0].Envelope.Subject); n != size {
		t.Errorf("subject of %d bytes, want %d", n, size)
	}
}

func TestScriptReadsLiteralsAndUIDCommands(t *testing.T) {
	type cmd struct{ tag, name, args string }
	got := make(chan cmd, 10)
	s := startScript(t, func(conn net.Conn) {
		sc := NewScript(conn)
		sc.Send(Greeting)
		sc.Serve(func(sc *Script, tag, name, args string) (bool, error) {
			got <- cmd{tag, name, args}
			return false, nil
		})
	})
	next := func(name string) cmd {
		t.Helper()
		for {
			select {
			case l := <-got:
				if l.name == name {
					return l
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("no %s command", name)
			}
		}
	}
	c := dialScript(t, s)
	// A non-ASCII password is sent as a (synchronising) literal.
	if err := c.Login("alice", "pässwörd").Wait(); err != nil {
		t.Fatal(err)
	}
	if l := next("LOGIN"); !strings.Contains(l.args, "pässwörd") {
		t.Errorf("LOGIN read as %+v", l)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	next("SELECT")
	if _, err := c.Fetch(imap.UIDSetNum(5), &imap.FetchOptions{UID: true}).Collect(); err != nil {
		t.Fatal(err)
	}
	if l := next("UID FETCH"); !strings.HasPrefix(l.args, "5 ") {
		t.Errorf("UID FETCH read as %+v", l)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("logout: %v", err)
	}
}
