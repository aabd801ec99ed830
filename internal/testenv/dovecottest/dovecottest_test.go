package dovecottest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// dial connects with one of the three transports and logs in.
func dial(t *testing.T, s *Server, mode, user, pass string) *imapclient.Client {
	t.Helper()
	opts := &imapclient.Options{TLSConfig: s.ClientTLSConfig()}
	var c *imapclient.Client
	var err error
	switch mode {
	case "tls":
		c, err = imapclient.DialTLS(s.TLSAddr(), opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(s.Addr(), opts)
	case "plain":
		c, err = imapclient.DialInsecure(s.Addr(), opts)
	default:
		t.Fatalf("bad mode %q", mode)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", mode, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatalf("login %s over %s: %v", user, mode, err)
	}
	return c
}

func examine(t *testing.T, c *imapclient.Client, mailbox string) *imap.SelectData {
	t.Helper()
	data, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("EXAMINE %s: %v", mailbox, err)
	}
	return data
}

func logout(t *testing.T, c *imapclient.Client) {
	t.Helper()
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("logout: %v", err)
	}
}

// instanceProcs lists processes whose command line mentions the instance:
// the master (its -c path) and every child (Dovecot puts instance_name in
// their titles).
func instanceProcs(t *testing.T, name string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	var found []string
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // exited meanwhile
		}
		line := string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		if strings.Contains(line, name) {
			found = append(found, e.Name()+": "+line)
		}
	}
	return found
}

// assertCleanLog fails on Error, Fatal or Panic lines: a config mistake
// (permissions, a setting 2.3.19 lacks) shows up there first.
func assertCleanLog(t *testing.T, s *Server) {
	t.Helper()
	for _, line := range strings.Split(s.Log(), "\n") {
		if strings.Contains(line, " Error: ") || strings.Contains(line, " Fatal: ") || strings.Contains(line, " Panic: ") {
			t.Errorf("dovecot log: %s", line)
		}
	}
}

func TestStartAndLogin(t *testing.T) {
	s := StartT(t, Options{Users: map[string]string{"alice": "pw-a", "bob": "pw-b"}})
	t.Logf("startup %v, master pid %d, imap %s, imaps %s", s.StartupTime(), s.PID(), s.Addr(), s.TLSAddr())
	if s.Host() != "127.0.0.1" || s.Port() == 0 || s.TLSPort() == 0 || s.Port() == s.TLSPort() {
		t.Fatalf("bad addresses: host %s ports %d %d", s.Host(), s.Port(), s.TLSPort())
	}
	caFile, err := os.ReadFile(s.CAFile())
	if err != nil || !bytes.Equal(caFile, s.CAPEM()) {
		t.Fatalf("CAFile does not hold CAPEM (err %v)", err)
	}
	for _, mode := range []string{"tls", "starttls", "plain"} {
		t.Run(mode, func(t *testing.T) {
			c := dial(t, s, mode, "bob", "pw-b")
			if !c.Caps().Has(imap.CapIdle) {
				t.Errorf("default server lacks IDLE: %v", c.Caps())
			}
			if got := examine(t, c, "INBOX"); got.NumMessages != 0 || got.UIDValidity == 0 {
				t.Errorf("fresh INBOX: %d messages, uidvalidity %d", got.NumMessages, got.UIDValidity)
			}
			logout(t, c)
		})
	}
	if ok, failed, err := s.LoginAttempts("bob"); err != nil || ok != 3 || failed != 0 {
		t.Errorf("LoginAttempts(bob) = %d ok, %d failed, %v; want 3, 0", ok, failed, err)
	}
	assertCleanLog(t, s)
}

func TestNoIdle(t *testing.T) {
	s := StartT(t, Options{NoIdle: true})
	c := dial(t, s, "tls", DefaultUser, DefaultPassword)
	caps := c.Caps()
	if caps.Has(imap.CapIdle) {
		t.Fatalf("NoIdle server advertises IDLE: %v", caps)
	}
	// The rest of the list is still there.
	for _, want := range []imap.Cap{imap.CapIMAP4rev1, imap.CapUIDPlus, imap.CapCondStore, imap.CapMove} {
		if !caps.Has(want) {
			t.Errorf("NoIdle server lacks %s: %v", want, caps)
		}
	}
	examine(t, c, "INBOX")
	logout(t, c)
	assertCleanLog(t, s)
}

func TestDeliverThenExamine(t *testing.T) {
	s := StartT(t, Options{})
	subject := "Grüße — ünïcode"
	start := time.Now()
	if err := s.Deliver(DefaultUser, "INBOX", Message("Ann <ann@example.net>", "alice@example.com", subject, time.Now())); err != nil {
		t.Fatal(err)
	}
	t.Logf("Deliver (doveadm save) took %v", time.Since(start))
	c := dial(t, s, "starttls", DefaultUser, DefaultPassword)
	if got := examine(t, c, "INBOX"); got.NumMessages != 1 || got.UIDNext != 2 {
		t.Fatalf("after one delivery: %d messages, UIDNEXT %d", got.NumMessages, got.UIDNext)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v (%d messages)", err, len(msgs))
	}
	env := msgs[0].Envelope
	if env.Subject != subject || len(env.From) != 1 || env.From[0].Addr() != "ann@example.net" || env.MessageID == "" {
		t.Errorf("envelope = %+v", env)
	}
	logout(t, c)
	st, err := s.Status(DefaultUser, "INBOX")
	if err != nil || st.Messages != 1 || st.Unseen != 1 || st.UIDNext != 2 {
		t.Errorf("Status = %+v, %v", st, err)
	}
	if err := s.Deliver(DefaultUser, "NoSuchBox", Message("a@b", "c@d", "x", time.Now())); err == nil {
		t.Error("Deliver into a missing mailbox succeeded")
	}
	if err := s.Deliver("nobody-here", "INBOX", Message("a@b", "c@d", "x", time.Now())); err == nil {
		t.Error("Deliver to an unknown user succeeded")
	}
	assertCleanLog(t, s)
}

func TestStopDeliverStart(t *testing.T) {
	s := StartT(t, Options{})
	if err := s.Deliver(DefaultUser, "INBOX", Message("a@example.net", "alice@example.com", "before", time.Now())); err != nil {
		t.Fatal(err)
	}
	addr, tlsAddr, pid := s.Addr(), s.TLSAddr(), s.PID()
	start := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Stop (SIGTERM, wait) took %v", time.Since(start))
	if s.Running() || s.PID() != 0 {
		t.Fatal("still running after Stop")
	}
	if procs := instanceProcs(t, s.InstanceName()); len(procs) != 0 {
		t.Fatalf("processes left after Stop: %v", procs)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("port still accepts connections after Stop")
	}
	if err := s.CreateMailbox(DefaultUser, "Work"); !errors.Is(err, ErrStopped) {
		t.Errorf("CreateMailbox while stopped: %v, want ErrStopped", err)
	}
	// Mail arrives while the server is down.
	for _, subj := range []string{"while down 1", "while down 2"} {
		if err := s.Deliver(DefaultUser, "INBOX", Message("a@example.net", "alice@example.com", subj, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %v", s.StartupTime())
	if s.Addr() != addr || s.TLSAddr() != tlsAddr || s.PID() == pid || s.PID() == 0 {
		t.Fatalf("after restart: %s %s pid %d (before %s %s pid %d)", s.Addr(), s.TLSAddr(), s.PID(), addr, tlsAddr, pid)
	}
	c := dial(t, s, "tls", DefaultUser, DefaultPassword)
	if got := examine(t, c, "INBOX"); got.NumMessages != 3 {
		t.Fatalf("after restart: %d messages, want 3", got.NumMessages)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{Envelope: true, UID: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope.Subject != "while down 2" || msgs[0].UID != 3 {
		t.Fatalf("third message: %v %+v", err, msgs)
	}
	logout(t, c)
	assertCleanLog(t, s)
}

func TestLoginAttempts(t *testing.T) {
	s := StartT(t, Options{Users: map[string]string{"alice": "right-pw"}})
	for _, try := range []struct{ user, pass string }{{"alice", "wrong-pw"}, {"mallory", "guess"}} {
		c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{TLSConfig: s.ClientTLSConfig()})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := c.Login(try.user, try.pass).Wait(); err == nil {
			t.Fatalf("login %s with a wrong password succeeded", try.user)
		}
		t.Logf("failed login answered in %v", time.Since(start))
		c.Close()
	}
	c := dial(t, s, "tls", "alice", "right-pw")
	logout(t, c)

	if ok, failed, err := s.LoginAttempts("alice"); err != nil || ok != 1 || failed != 1 {
		t.Errorf("LoginAttempts(alice) = %d ok, %d failed, %v; want 1, 1", ok, failed, err)
	}
	if ok, failed, err := s.LoginAttempts("mallory"); err != nil || ok != 0 || failed != 1 {
		t.Errorf("LoginAttempts(mallory) = %d ok, %d failed, %v; want 0, 1", ok, failed, err)
	}
	log := s.Log()
	for _, secret := range []string{"right-pw", "wrong-pw", "guess"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains password %q", secret)
		}
	}
	if data, err := os.ReadFile(filepath.Join(s.Dir(), "passwd")); err != nil || bytes.Contains(data, []byte("right-pw")) {
		t.Errorf("passwd file holds the plaintext password (or is unreadable: %v)", err)
	}
	assertCleanLog(t, s)
}

func TestMailboxes(t *testing.T) {
	s := StartT(t, Options{})
	if err := s.CreateMailbox(DefaultUser, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := s.Deliver(DefaultUser, "Work", Message("a@example.net", "alice@example.com", "w", time.Now())); err != nil {
		t.Fatal(err)
	}
	before, err := s.Status(DefaultUser, "Work")
	if err != nil || before.Messages != 1 {
		t.Fatalf("Work: %+v %v", before, err)
	}
	if err := s.DeleteMailbox(DefaultUser, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMailbox(DefaultUser, "Work"); err != nil {
		t.Fatal(err)
	}
	after, err := s.Status(DefaultUser, "Work")
	if err != nil || after.Messages != 0 || after.UIDValidity == before.UIDValidity {
		t.Fatalf("recreated Work: %+v (before %+v) %v", after, before, err)
	}

	// INBOX cannot be deleted; its UIDVALIDITY can be changed in place.
	c := dial(t, s, "plain", DefaultUser, DefaultPassword)
	old := examine(t, c, "INBOX").UIDValidity
	logout(t, c)
	if err := s.SetUIDValidity(DefaultUser, "INBOX", old+1000); err != nil {
		t.Fatal(err)
	}
	c = dial(t, s, "plain", DefaultUser, DefaultPassword)
	if got := examine(t, c, "INBOX").UIDValidity; got != old+1000 {
		t.Errorf("INBOX UIDVALIDITY %d, want %d", got, old+1000)
	}

	// A non-ASCII folder written directly on disk shows up under its name.
	name := "Entwürfe & Co/2024"
	if got, want := s.MaildirPath(DefaultUser, name), filepath.Join(s.Dir(), "mail", DefaultUser, "Maildir", ".Entw&APw-rfe &- Co.2024"); got != want {
		t.Fatalf("MaildirPath = %s, want %s", got, want)
	}
	if err := s.DeliverOffline(DefaultUser, name, Message("a@example.net", "alice@example.com", "direct", time.Now())); err != nil {
		t.Fatal(err)
	}
	if got := examine(t, c, name); got.NumMessages != 1 {
		t.Errorf("%s: %d messages, want 1", name, got.NumMessages)
	}
	logout(t, c)
	assertCleanLog(t, s)
}

// TestFillMaildir uses 20,000 messages: 100,000 took 15-29 s under the
// shared machine's load (see BenchmarkFillMaildir for the full size).
func TestFillMaildir(t *testing.T) {
	const n, unread = 20_000, 500
	s := StartT(t, Options{})
	start := time.Now()
	if err := s.FillMaildir(DefaultUser, "INBOX", n, unread); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("FillMaildir(%d) incl. Dovecot indexing took %v", n, took)
	if took > time.Minute {
		t.Errorf("FillMaildir(%d) took %v; it should take seconds", n, took)
	}
	c := dial(t, s, "tls", DefaultUser, DefaultPassword)
	start = time.Now()
	got := examine(t, c, "INBOX")
	t.Logf("first EXAMINE of %d messages took %v", got.NumMessages, time.Since(start))
	if got.NumMessages != n || got.UIDNext != n+1 {
		t.Fatalf("EXAMINE: %d messages, UIDNEXT %d; want %d, %d", got.NumMessages, got.UIDNext, n, n+1)
	}
	// File order is UID order, and the newest are the unread ones.
	msgs, err := c.Fetch(imap.SeqSetNum(n-unread, n-unread+1, n), &imap.FetchOptions{Envelope: true, Flags: true, UID: true}).Collect()
	if err != nil || len(msgs) != 3 {
		t.Fatalf("fetch: %v (%d)", err, len(msgs))
	}
	for i, want := range []struct {
		uid     imap.UID
		subject string
		seen    bool
	}{{n - unread, "Test message 19500 of 20000", true}, {n - unread + 1, "Test message 19501 of 20000", false}, {n, "Test message 20000 of 20000", false}} {
		m := msgs[i]
		seen := slices.Contains(m.Flags, imap.FlagSeen)
		if m.UID != want.uid || m.Envelope.Subject != want.subject || seen != want.seen {
			t.Errorf("message %d: UID %d subject %q seen %v; want %d %q %v", m.SeqNum, m.UID, m.Envelope.Subject, seen, want.uid, want.subject, want.seen)
		}
	}
	logout(t, c)
	if st, err := s.Status(DefaultUser, "INBOX"); err != nil || st.Unseen != unread {
		t.Errorf("Status: %+v %v; want %d unseen", st, err, unread)
	}
	// Files written directly belong to the mail user.
	if s.chown {
		ents, err := os.ReadDir(filepath.Join(s.MaildirPath(DefaultUser, "INBOX"), "cur"))
		if err != nil || len(ents) != n {
			t.Fatalf("cur/: %d entries, %v", len(ents), err)
		}
		for _, e := range []os.DirEntry{ents[0], ents[n-1]} {
			st, err := e.Info()
			if err != nil || !ownedBy(st, 65534) {
				t.Errorf("%s not owned by 65534 (%v)", e.Name(), err)
			}
		}
	}
	if err := s.FillMaildir(DefaultUser, "INBOX", 1, 2); err == nil {
		t.Error("FillMaildir accepted more unread than messages")
	}
	assertCleanLog(t, s)
}

// BenchmarkFillMaildir writes 100,000 messages per iteration into a fresh
// folder and reports the first EXAMINE afterwards, the cost a client's
// startup pays. Run: go test -run '^$' -bench FillMaildir -benchtime 1x
func BenchmarkFillMaildir(b *testing.B) {
	const n = 100_000
	s := StartT(b, Options{})
	for i := 0; b.Loop(); i++ {
		box := fmt.Sprintf("Big%d", i)
		if err := s.FillMaildir(DefaultUser, box, n, 2000); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c, err := imapclient.DialInsecure(s.Addr(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Login(DefaultUser, DefaultPassword).Wait(); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		data, err := c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil || data.NumMessages != n {
			b.Fatalf("EXAMINE %s: %v %+v", box, err, data)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "examine-ms")
		_ = c.Logout().Wait()
		c.Close()
		b.StartTimer()
	}
}

// TestIdleSeesDeliveries checks what callers rely on: an idling client
// hears of mail from Deliver (doveadm save) and from DeliverOffline while
// the server runs (Dovecot watches the maildir with inotify).
func TestIdleSeesDeliveries(t *testing.T) {
	s := StartT(t, Options{})
	counts := make(chan uint32, 16)
	c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{
		TLSConfig: s.ClientTLSConfig(),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					counts <- *d.NumMessages
				}
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(DefaultUser, DefaultPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	examine(t, c, "INBOX")
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	for i, deliver := range []func(string, string, []byte) error{s.Deliver, s.DeliverOffline} {
		start := time.Now()
		if err := deliver(DefaultUser, "INBOX", Message("a@example.net", "alice@example.com", "idle test", time.Now())); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-counts:
			t.Logf("delivery %d: EXISTS %d after %v", i+1, got, time.Since(start))
			if got != uint32(i+1) {
				t.Errorf("EXISTS %d, want %d", got, i+1)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("delivery %d: no EXISTS while idling", i+1)
		}
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	logout(t, c)
	assertCleanLog(t, s)
}

func TestWrongHostCertificate(t *testing.T) {
	s := StartT(t, Options{CertHosts: []string{"wrong.example"}})
	_, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{TLSConfig: s.ClientTLSConfig()})
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Fatalf("DialTLS to a wrong-host certificate: %v, want a hostname error", err)
	}
	// STARTTLS verifies the same way.
	_, err = imapclient.DialStartTLS(s.Addr(), &imapclient.Options{TLSConfig: s.ClientTLSConfig()})
	if !errors.As(err, &hostErr) {
		t.Fatalf("DialStartTLS to a wrong-host certificate: %v, want a hostname error", err)
	}
	// The chain itself is fine: asking for the certificate's name works.
	cfg := s.ClientTLSConfig()
	cfg.ServerName = "wrong.example"
	c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{TLSConfig: cfg})
	if err != nil {
		t.Fatalf("DialTLS with ServerName wrong.example: %v", err)
	}
	c.Close()
	// And a client without the CA rejects the default certificate.
	s2 := StartT(t, Options{})
	_, err = imapclient.DialTLS(s2.TLSAddr(), &imapclient.Options{TLSConfig: &tls.Config{}})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("DialTLS without the CA: %v, want unknown authority", err)
	}
}

func TestCloseLeavesNothing(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s, "tls", DefaultUser, DefaultPassword) // an imap process runs now
	examine(t, c, "INBOX")
	name, dir := s.InstanceName(), s.Dir()
	if procs := instanceProcs(t, name); len(procs) < 3 {
		t.Fatalf("expected master and children to be found, got %v", procs)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(start))
	if procs := instanceProcs(t, name); len(procs) != 0 {
		t.Fatalf("processes left after Close: %v", procs)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("instance folder still there: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := searchDirs
	searchDirs = nil
	defer func() { searchDirs = saved }()
	_, err := Start(Options{})
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "dovecot not installed: run `make deps`") {
		t.Fatalf("Start without dovecot: %v", err)
	}
}

func TestEncodeMUTF7(t *testing.T) {
	for in, want := range map[string]string{
		"INBOX":              "INBOX",
		"a&b":                "a&-b",
		"Entwürfe":           "Entw&APw-rfe",
		"日本語":                "&ZeVnLIqe-",
		"~peter/mail/台北/日本語": "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
	} {
		if got := encodeMUTF7(in); got != want {
			t.Errorf("encodeMUTF7(%q) = %q, want %q", in, got, want)
		}
	}
}

func ownedBy(st os.FileInfo, uid uint32) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && sys.Uid == uid
}

// BenchmarkStartClose measures a full server lifetime; startup-ms is the
// part until the listener greets.
func BenchmarkStartClose(b *testing.B) {
	var startup time.Duration
	n := 0
	for b.Loop() {
		s, err := Start(Options{})
		if err != nil {
			b.Fatal(err)
		}
		startup += s.StartupTime()
		n++
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(startup.Microseconds())/1000/float64(n), "startup-ms")
}

// TestOptionsDir: as root a folder below t.TempDir() (mode 0700 parents)
// is refused with a clear error; as another user it works.
func TestOptionsDir(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Options{Dir: dir})
	if os.Geteuid() == 0 {
		if err == nil {
			s.Close()
			t.Fatal("Start below a 0700 folder succeeded as root")
		}
		if !strings.Contains(err.Error(), "not searchable by other users") {
			t.Fatalf("unclear error: %v", err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("failed Start left %v behind", ents)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.Dir(), dir) {
		t.Errorf("instance folder %s not below %s", s.Dir(), dir)
	}
}
