package imaptest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	user = "alice"
	pass = "s3cret"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = map[string]string{user: pass}
	}
	srv, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// dial connects an imapclient the way srv's mode wants, trusting its CA.
func dial(t *testing.T, srv *Server, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	if opts == nil {
		opts = &imapclient.Options{}
	}
	opts.TLSConfig = srv.ClientTLSConfig("127.0.0.1")
	var (
		c   *imapclient.Client
		err error
	)
	switch srv.Mode() {
	case Plain:
		c, err = imapclient.DialInsecure(srv.Addr(), opts)
	case STARTTLS:
		c, err = imapclient.DialStartTLS(srv.Addr(), opts)
	case TLS:
		c, err = imapclient.DialTLS(srv.Addr(), opts)
	}
	if err != nil {
		t.Fatalf("dial %v: %v", srv.Mode(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func login(t *testing.T, srv *Server, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c := dial(t, srv, opts)
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

// raw opens a protocol-level connection (TLS for TLS mode) and reads the greeting.
func raw(t *testing.T, srv *Server) (*Script, string) {
	t.Helper()
	var (
		c   net.Conn
		err error
	)
	if srv.Mode() == TLS {
		c, err = tls.Dial("tcp", srv.Addr(), srv.ClientTLSConfig("localhost"))
	} else {
		c, err = net.Dial("tcp", srv.Addr())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	s := NewScript(c)
	greeting, err := s.ReadLine()
	if err != nil {
		t.Fatal(err)
	}
	return s, greeting
}

// exchange sends one command and returns every line up to the tagged answer.
func exchange(t *testing.T, s *Script, tag, cmd string) []string {
	t.Helper()
	if err := s.Send(tag + " " + cmd); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for {
		l, err := s.ReadLine()
		if err != nil {
			t.Fatalf("%s: %v (after %q)", cmd, err, lines)
		}
		lines = append(lines, l)
		if strings.HasPrefix(l, tag+" ") {
			return lines
		}
	}
}

func TestPlainLoginAndFetch(t *testing.T) {
	srv := start(t, Config{Mode: Plain})
	if srv.Host() != "127.0.0.1" || srv.Port() == 0 || srv.CAPEM() != nil {
		t.Fatalf("Host=%q Port=%d CAPEM=%v", srv.Host(), srv.Port(), srv.CAPEM() != nil)
	}
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	uid, err := srv.Append(user, "INBOX", Message("Ann Ö <ann@example.org>", "alice@example.org", "Grüße aus Köln", date))
	if err != nil {
		t.Fatal(err)
	}
	if uid != 1 {
		t.Errorf("first UID = %d, want 1", uid)
	}

	c := login(t, srv, nil)
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 || sel.UIDNext != 2 || sel.UIDValidity == 0 {
		t.Errorf("select = %+v", sel)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{Envelope: true, UID: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("fetched %d messages", len(msgs))
	}
	env := msgs[0].Envelope
	if env.Subject != "Grüße aus Köln" || len(env.From) != 1 || env.From[0].Name != "Ann Ö" ||
		env.From[0].Addr() != "ann@example.org" || !env.Date.Equal(date) {
		t.Errorf("envelope = %+v from %+v", env, env.From)
	}
	if got := srv.LoginCount(user); got != 1 {
		t.Errorf("LoginCount = %d, want 1", got)
	}
}

func TestLoginCountsFailures(t *testing.T) {
	srv := start(t, Config{Mode: Plain})
	for i := 0; i < 3; i++ {
		c := dial(t, srv, nil)
		err := c.Login(user, "wrong").Wait()
		var imapErr *imap.Error
		if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeAuthenticationFailed {
			t.Fatalf("bad password: err = %v, want AUTHENTICATIONFAILED", err)
		}
		c.Close()
	}
	c := dial(t, srv, nil)
	if err := c.Login("mallory", "x").Wait(); err == nil {
		t.Fatal("unknown user logged in")
	}
	login(t, srv, nil)
	if srv.LoginCount(user) != 4 || srv.LoginCount("mallory") != 1 || srv.TotalLogins() != 5 {
		t.Errorf("LoginCount(alice)=%d (want 4), (mallory)=%d (want 1), total=%d (want 5)",
			srv.LoginCount(user), srv.LoginCount("mallory"), srv.TotalLogins())
	}
	// AUTHENTICATE PLAIN counts too.
	s, _ := raw(t, srv)
	lines := exchange(t, s, "a1", "AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==") // \0alice\0s3cret
	if !strings.HasPrefix(lines[len(lines)-1], "a1 OK") {
		t.Fatalf("AUTHENTICATE: %q", lines)
	}
	if srv.LoginCount(user) != 5 {
		t.Errorf("after AUTHENTICATE, LoginCount = %d, want 5", srv.LoginCount(user))
	}
}

func TestSTARTTLS(t *testing.T) {
	srv := start(t, Config{Mode: STARTTLS})
	if !bytes.Contains(srv.CAPEM(), []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("CAPEM = %q", srv.CAPEM())
	}
	_, greeting := raw(t, srv)
	if !strings.Contains(greeting, "STARTTLS") || !strings.Contains(greeting, "LOGINDISABLED") {
		t.Errorf("greeting %q should offer STARTTLS and disable LOGIN", greeting)
	}

	// Login in the clear is refused.
	c, err := imapclient.DialInsecure(srv.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err == nil {
		t.Fatal("LOGIN before STARTTLS succeeded")
	}

	// With STARTTLS and the CA it works.
	login(t, srv, nil)

	// Without the CA the handshake fails.
	_, err = imapclient.DialStartTLS(srv.Addr(), &imapclient.Options{TLSConfig: &tls.Config{ServerName: "localhost"}})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("STARTTLS without the CA: err = %v, want UnknownAuthorityError", err)
	}
}

func TestPlainOffersNoSTARTTLS(t *testing.T) {
	srv := start(t, Config{Mode: Plain})
	_, greeting := raw(t, srv)
	if strings.Contains(greeting, "STARTTLS") {
		t.Errorf("plain greeting offers STARTTLS: %q", greeting)
	}
	_, err := imapclient.DialStartTLS(srv.Addr(), &imapclient.Options{TLSConfig: &tls.Config{ServerName: "localhost"}})
	if err == nil {
		t.Fatal("STARTTLS against a plain server succeeded")
	}
}

func TestTLS(t *testing.T) {
	srv := start(t, Config{Mode: TLS})
	for _, name := range []string{"127.0.0.1", "localhost"} {
		c, err := imapclient.DialTLS(srv.Addr(), &imapclient.Options{TLSConfig: srv.ClientTLSConfig(name)})
		if err != nil {
			t.Fatalf("TLS as %q: %v", name, err)
		}
		if err := c.Login(user, pass).Wait(); err != nil {
			t.Errorf("login over TLS as %q: %v", name, err)
		}
		c.Close()
	}
	_, err := imapclient.DialTLS(srv.Addr(), &imapclient.Options{TLSConfig: &tls.Config{ServerName: "localhost"}})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("TLS without the CA: err = %v, want UnknownAuthorityError", err)
	}
}

func TestCertForOtherHostFailsVerification(t *testing.T) {
	for _, mode := range []Mode{TLS, STARTTLS} {
		srv := start(t, Config{Mode: mode, CertHost: "other.example"})
		cfg := srv.ClientTLSConfig("localhost")
		var err error
		if mode == TLS {
			_, err = imapclient.DialTLS(srv.Addr(), &imapclient.Options{TLSConfig: cfg})
		} else {
			_, err = imapclient.DialStartTLS(srv.Addr(), &imapclient.Options{TLSConfig: cfg})
		}
		var hostErr x509.HostnameError
		if !errors.As(err, &hostErr) {
			t.Errorf("%v: err = %v, want HostnameError", mode, err)
		}
		// The same certificate is fine for the name it was made for.
		if mode == TLS {
			c, err := imapclient.DialTLS(srv.Addr(), &imapclient.Options{TLSConfig: srv.ClientTLSConfig("other.example")})
			if err != nil {
				t.Errorf("TLS as other.example: %v", err)
			} else {
				c.Close()
			}
		}
	}
}

func TestCapabilitiesWithAndWithoutIdle(t *testing.T) {
	for _, mode := range []Mode{Plain, TLS} {
		t.Run(mode.String(), func(t *testing.T) {
			normal := start(t, Config{Mode: mode})
			if c := login(t, normal, nil); !c.Caps().Has(imap.CapIdle) {
				t.Errorf("normal server lacks IDLE: %v", c.Caps())
			}

			srv := start(t, Config{Mode: mode, NoIdle: true})
			c := login(t, srv, nil)
			caps := c.Caps()
			if caps.Has(imap.CapIdle) {
				t.Errorf("NoIdle server advertises IDLE: %v", caps)
			}
			if !caps.Has(imap.CapIMAP4rev1) || caps.Has(imap.CapIMAP4rev2) {
				t.Errorf("NoIdle caps = %v, want IMAP4rev1 and not IMAP4rev2", caps)
			}
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}

			// On the wire: no IDLE in any capability list, and IDLE is refused.
			s, greeting := raw(t, srv)
			if strings.Contains(greeting, "IDLE") {
				t.Errorf("greeting %q", greeting)
			}
			lines := exchange(t, s, "a1", "LOGIN alice s3cret")
			if !strings.HasPrefix(lines[0], "a1 OK [CAPABILITY ") || strings.Contains(lines[0], "IDLE") {
				t.Errorf("LOGIN answer %q", lines)
			}
			lines = exchange(t, s, "a2", "CAPABILITY")
			if !strings.HasPrefix(lines[0], "* CAPABILITY IMAP4rev1") || strings.Contains(lines[0], "IDLE") {
				t.Errorf("CAPABILITY answer %q", lines)
			}
			exchange(t, s, "a3", "SELECT INBOX")
			lines = exchange(t, s, "a4", "IDLE")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "a4 BAD") {
				t.Errorf("IDLE answer %q, want a4 BAD", lines)
			}
			if lines := exchange(t, s, "a5", "NOOP"); !strings.HasPrefix(lines[len(lines)-1], "a5 OK") {
				t.Errorf("connection unusable after refused IDLE: %q", lines)
			}
		})
	}
	if _, err := Start(Config{Mode: STARTTLS, NoIdle: true}); err == nil {
		t.Error("NoIdle with STARTTLS should be refused")
	}
}

// The NoIdle filter must not touch literals, either way.
func TestNoIdleFilterLeavesLiteralsAlone(t *testing.T) {
	srv := start(t, Config{Mode: Plain, NoIdle: true})
	c := login(t, srv, nil)
	body := []byte("Subject: x\r\n\r\n* CAPABILITY IMAP4rev1 IDLE\r\nA1 IDLE\r\n* OK [CAPABILITY IDLE] x\r\n{5}\r\nIDLE\r\n")
	app := c.Append("INBOX", int64(len(body)), nil)
	app.Write(body)
	app.Close()
	if _, err := app.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	section := &imap.FetchItemBodySection{}
	msgs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v, %d messages", err, len(msgs))
	}
	if got := msgs[0].FindBodySection(section); !bytes.Equal(got, body) {
		t.Errorf("body changed on the way:\n got %q\nwant %q", got, body)
	}
}

func TestDropIdleCap(t *testing.T) {
	for in, want := range map[string]string{
		"* CAPABILITY IMAP4rev1 IDLE SASL-IR\r\n":              "* CAPABILITY IMAP4rev1 SASL-IR\r\n",
		"* capability IMAP4rev1 idle\r\n":                      "* capability IMAP4rev1\r\n",
		"a1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n": "a1 OK [CAPABILITY IMAP4rev1 MOVE] Logged in\r\n",
		"* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n":           "* OK [CAPABILITY IMAP4rev1] ready\r\n",
		"* OK IDLE is nice\r\n":                                "* OK IDLE is nice\r\n",
		"* 1 FETCH (FLAGS (IDLE))\r\n":                         "* 1 FETCH (FLAGS (IDLE))\r\n",
	} {
		if got := string(dropIdleCap([]byte(in))); got != want {
			t.Errorf("dropIdleCap(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(rejectIdleCommand([]byte("x7 idle\r\n"))); got != "x7 X-IDLE-DISABLED\r\n" {
		t.Errorf("rejectIdleCommand = %q", got)
	}
	if got := string(rejectIdleCommand([]byte("x7 SELECT IDLE\r\n"))); got != "x7 SELECT IDLE\r\n" {
		t.Errorf("rejectIdleCommand changed a mailbox name: %q", got)
	}
	// Lines split across writes, and a literal that looks like commands.
	var s lineStream
	s.rewrite = rejectIdleCommand
	var out []byte
	for _, chunk := range []string{"a1 AP", "PEND INBOX {9}\r\n", "a2 IDLE\r\n", "a3 ID", "LE\r\n"} {
		out = s.feed(out, []byte(chunk))
	}
	if want := "a1 APPEND INBOX {9}\r\na2 IDLE\r\na3 X-IDLE-DISABLED\r\n"; string(out) != want {
		t.Errorf("stream = %q, want %q", out, want)
	}
}

func TestAppendFlagsExpungeArePushedToIdlers(t *testing.T) {
	for _, mode := range []Mode{Plain, STARTTLS, TLS} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := start(t, Config{Mode: mode})
			exists := make(chan uint32, 10)
			flags := make(chan []imap.Flag, 10)
			expunged := make(chan uint32, 10)
			c := login(t, srv, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
				Mailbox: func(d *imapclient.UnilateralDataMailbox) {
					if d.NumMessages != nil {
						exists <- *d.NumMessages
					}
				},
				Fetch: func(m *imapclient.FetchMessageData) {
					if buf, err := m.Collect(); err == nil {
						flags <- buf.Flags
					}
				},
				Expunge: func(seq uint32) { expunged <- seq },
			}})
			if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
				t.Fatal(err)
			}
			idle, err := c.Idle()
			if err != nil {
				t.Fatal(err)
			}

			sent := time.Now()
			uid, err := srv.Append(user, "INBOX", Message("a@example.org", "b@example.org", "hi", time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			select {
			case n := <-exists:
				if n != 1 {
					t.Errorf("EXISTS %d, want 1", n)
				}
				t.Logf("%v: Append -> EXISTS at the client in %v", mode, time.Since(sent))
			case <-time.After(3 * time.Second):
				t.Fatal("no EXISTS pushed after Append")
			}

			if err := srv.AddFlags(user, "INBOX", uid, imap.FlagSeen); err != nil {
				t.Fatal(err)
			}
			select {
			case f := <-flags:
				if !slices.Contains(f, imap.FlagSeen) {
					t.Errorf("flags pushed = %v, want \\Seen", f)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("no FETCH FLAGS pushed after AddFlags")
			}

			if err := srv.Expunge(user, "INBOX", uid); err != nil {
				t.Fatal(err)
			}
			select {
			case seq := <-expunged:
				if seq != 1 {
					t.Errorf("EXPUNGE %d, want 1", seq)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("no EXPUNGE pushed after Expunge")
			}

			if err := idle.Close(); err != nil {
				t.Fatal(err)
			}
			if err := idle.Wait(); err != nil {
				t.Fatal(err)
			}
			if err := c.Logout().Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFlagHelpers(t *testing.T) {
	srv := start(t, Config{})
	uid, err := srv.Append(user, "INBOX", Message("a@example.org", "b@example.org", "x", time.Now()), imap.FlagFlagged)
	if err != nil {
		t.Fatal(err)
	}
	unseen := func() uint32 {
		st, err := srv.Status(user, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		return *st.NumUnseen
	}
	if unseen() != 1 {
		t.Fatalf("unseen = %d", unseen())
	}
	if err := srv.AddFlags(user, "INBOX", uid, imap.FlagSeen); err != nil || unseen() != 0 {
		t.Fatalf("AddFlags: %v, unseen %d", err, unseen())
	}
	if err := srv.RemoveFlags(user, "INBOX", uid, imap.FlagSeen); err != nil || unseen() != 1 {
		t.Fatalf("RemoveFlags: %v, unseen %d", err, unseen())
	}
	if err := srv.SetFlags(user, "INBOX", uid, imap.FlagSeen); err != nil || unseen() != 0 {
		t.Fatalf("SetFlags: %v, unseen %d", err, unseen())
	}
	if err := srv.AddFlags(user, "INBOX", 99, imap.FlagSeen); err == nil {
		t.Error("AddFlags on a missing UID succeeded")
	}
	if err := srv.Expunge(user, "INBOX", uid); err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.Status(user, "INBOX"); *st.NumMessages != 0 || st.UIDNext != 2 {
		t.Errorf("after Expunge: %d messages, UIDNEXT %d", *st.NumMessages, st.UIDNext)
	}
	if _, err := srv.Append("nobody", "INBOX", nil); err == nil {
		t.Error("Append for an unknown user succeeded")
	}
	if _, err := srv.Append(user, "Nope", []byte("x")); err == nil {
		t.Error("Append to a missing mailbox succeeded")
	}
}

func TestDeleteRecreateChangesUIDValidity(t *testing.T) {
	srv := start(t, Config{})
	if _, err := srv.Append(user, "INBOX", Message("a@example.org", "b@example.org", "x", time.Now())); err != nil {
		t.Fatal(err)
	}
	before, err := srv.Status(user, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteMailbox(user, "INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateMailbox(user, "INBOX"); err != nil {
		t.Fatal(err)
	}
	after, err := srv.Status(user, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if after.UIDValidity == before.UIDValidity || *after.NumMessages != 0 || after.UIDNext != 1 {
		t.Errorf("before %d/%d, after recreate UIDVALIDITY %d, %d messages, UIDNEXT %d",
			before.UIDValidity, *before.NumMessages, after.UIDValidity, *after.NumMessages, after.UIDNext)
	}
	// A client sees it too.
	c := login(t, srv, nil)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.UIDValidity != after.UIDValidity {
		t.Errorf("client sees UIDVALIDITY %v (%v), want %d", sel, err, after.UIDValidity)
	}
	if err := srv.CreateMailbox(user, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateMailbox(user, "Work"); err == nil {
		t.Error("creating an existing mailbox succeeded")
	}
}

func TestCloseClientConns(t *testing.T) {
	srv := start(t, Config{})
	a, b := login(t, srv, nil), login(t, srv, nil)
	if srv.Conns() != 2 {
		t.Fatalf("Conns = %d", srv.Conns())
	}
	srv.CloseClientConns()
	for _, c := range []*imapclient.Client{a, b} {
		select {
		case <-c.Closed():
		case <-time.After(3 * time.Second):
			t.Fatal("client not closed")
		}
	}
	if srv.Conns() != 0 {
		t.Errorf("Conns after CloseClientConns = %d", srv.Conns())
	}
	login(t, srv, nil) // still listening
	if srv.Accepted() != 3 {
		t.Errorf("Accepted = %d, want 3", srv.Accepted())
	}
}

func TestStopRestartKeepsPortAndMail(t *testing.T) {
	srv := start(t, Config{Mode: TLS})
	addr := srv.Addr()
	if _, err := srv.Append(user, "INBOX", Message("a@example.org", "b@example.org", "kept", time.Now())); err != nil {
		t.Fatal(err)
	}
	c := login(t, srv, nil)
	srv.Stop()
	select {
	case <-c.Closed():
	case <-time.After(3 * time.Second):
		t.Fatal("client not dropped by Stop")
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("connection accepted while stopped")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if srv.Addr() != addr {
		t.Errorf("address changed: %s -> %s", addr, srv.Addr())
	}
	c = login(t, srv, nil)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 1 {
		t.Errorf("after restart: %v, %v", sel, err)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	srv, err := Start(Config{Mode: TLS, Users: map[string]string{user: pass}})
	if err != nil {
		t.Fatal(err)
	}
	c := login(t, srv, nil)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Closed():
	case <-time.After(3 * time.Second):
		t.Fatal("client not closed by Close")
	}
	idle.Wait()
	if err := srv.Restart(); err == nil {
		t.Error("Restart after Close succeeded")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// TestMain's goleak check covers the server's goroutines.
}

func TestDebugWriter(t *testing.T) {
	var buf syncBuffer
	srv := start(t, Config{Debug: &buf})
	c := login(t, srv, nil)
	c.Logout().Wait()
	srv.Close()
	if !strings.Contains(buf.String(), "LOGIN") {
		t.Errorf("debug output lacks the LOGIN command: %q", buf.String())
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Mail appended by another IMAP client reaches an idling one at once.
func TestAppendOverIMAPIsPushed(t *testing.T) {
	srv := start(t, Config{})
	exists := make(chan uint32, 10)
	idler := login(t, srv, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
	}})
	if _, err := idler.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := idler.Idle()
	if err != nil {
		t.Fatal(err)
	}
	other := login(t, srv, nil)
	msg := Message("a@example.org", "b@example.org", "over imap", time.Now())
	app := other.Append("INBOX", int64(len(msg)), nil)
	app.Write(msg)
	app.Close()
	if _, err := app.Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d", n)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no EXISTS after another client's APPEND")
	}
	idle.Close()
	idle.Wait()
}
