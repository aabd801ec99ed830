package reliability

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/state"
	"mailbell/app/view"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// folderView finds account/folder in the core's snapshot.
func (c *coreT) folderView(account, folder string) (view.Folder, bool) {
	for _, a := range c.core.Snapshot().Accounts {
		if a.ID != account {
			continue
		}
		for _, f := range a.Folders {
			if f.Name == folder {
				return f, true
			}
		}
	}
	return view.Folder{}, false
}

// stoppedWith waits for account/INBOX to stop and returns the error shown.
func (c *coreT) stoppedWith(account string) (msg, kind string) {
	c.t.Helper()
	c.wait(15*time.Second, account+" stopped", func() bool {
		f, ok := c.folderView(account, "INBOX")
		return ok && f.State == view.StateStopped
	})
	f, _ := c.folderView(account, "INBOX")
	return f.Error, f.ErrorKind
}

// TestCertificateForAnotherHost: over TLS and STARTTLS, a certificate that
// names another host is refused before any login, with a message that says
// so, and is not retried.
func TestCertificateForAnotherHost(t *testing.T) {
	t.Parallel()
	srv := dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{rigUser: rigPass}, CertHosts: []string{"wrong.example"}})
	dir := t.TempDir()
	if err := WriteConfig(dir,
		Account{ID: "tls", Host: "127.0.0.1", Port: srv.TLSPort(), Security: "tls", Username: rigUser, CAFile: srv.CAFile()},
		Account{ID: "starttls", Host: "127.0.0.1", Port: srv.Port(), Security: "starttls", Username: rigUser, CAFile: srv.CAFile()},
	); err != nil {
		t.Fatal(err)
	}
	c := startCore(t, dir, memStore(map[string]string{"tls": rigPass, "starttls": rigPass}), testMail())
	for _, id := range []string{"tls", "starttls"} {
		msg, kind := c.stoppedWith(id)
		if kind != view.ErrorTLS || !strings.Contains(msg, "certificate") || !strings.Contains(msg, "127.0.0.1") {
			t.Errorf("%s: error %q (kind %q); want a certificate error naming the host", id, msg, kind)
		}
		t.Logf("%s: %q", id, msg)
	}
	time.Sleep(500 * time.Millisecond)
	for _, id := range []string{"tls", "starttls"} {
		if n := c.count(control.EvState, id, "INBOX", string(mail.StateConnecting)); n != 1 {
			t.Errorf("%s: %d connection attempts; a certificate error is not retried", id, n)
		}
	}
	ok, failed, err := srv.LoginAttempts(rigUser)
	if err != nil {
		t.Fatal(err)
	}
	if ok+failed != 0 {
		t.Errorf("Dovecot saw %d logins after a certificate failure", ok+failed)
	}
}

// recordingServer accepts connections, records every byte the client sends
// and plays script on a Script over the connection.
type recordingServer struct {
	ss  *imaptest.ScriptServer
	mu  sync.Mutex
	got bytes.Buffer
}

type teeConn struct {
	net.Conn
	rec *recordingServer
}

func (c teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.rec.mu.Lock()
	c.rec.got.Write(p[:n])
	c.rec.mu.Unlock()
	return n, err
}

func startRecording(t *testing.T, script func(conn net.Conn)) *recordingServer {
	t.Helper()
	r := &recordingServer{}
	ss, err := imaptest.StartScript(func(conn net.Conn) { script(teeConn{conn, r}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	r.ss = ss
	return r
}

func (r *recordingServer) received() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got.String()
}

// TestSTARTTLSRefusedBeforePassword: an account that asks for STARTTLS
// never sends its credentials in the clear, whatever the server does:
// STARTTLS not offered, refused, or accepted and then no TLS at all.
func TestSTARTTLSRefusedBeforePassword(t *testing.T) {
	t.Parallel()
	const pw = "starttls-secret-pw"
	greetWith := func(caps string) func(s *imaptest.Script) error {
		return func(s *imaptest.Script) error {
			return s.Send("* OK [CAPABILITY " + caps + "] hostile")
		}
	}
	cases := []struct {
		name  string
		greet func(s *imaptest.Script) error
		reply string // answer to STARTTLS ("" : the default BAD)
	}{
		{"not offered", greetWith("IMAP4rev1 IDLE AUTH=PLAIN"), ""},
		{"offered then refused", greetWith("IMAP4rev1 STARTTLS LOGINDISABLED"), "TAG NO not today"},
		{"offered then BAD", greetWith("IMAP4rev1 STARTTLS"), "TAG BAD what"},
		{"accepted then plaintext", greetWith("IMAP4rev1 STARTTLS"), "TAG OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] still plain"},
		{"PREAUTH greeting", func(s *imaptest.Script) error {
			return s.Send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in already")
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := startRecording(t, func(conn net.Conn) {
				s := imaptest.NewScript(conn)
				if tc.greet(s) != nil {
					return
				}
				s.Serve(func(s *imaptest.Script, tag, name, args string) (bool, error) {
					if name == "STARTTLS" && tc.reply != "" {
						return true, s.Send(strings.ReplaceAll(tc.reply, "TAG", tag))
					}
					return false, nil
				})
			})
			dir := t.TempDir()
			if err := WriteConfig(dir, Account{ID: "s", Host: "127.0.0.1", Port: rec.ss.Port(), Security: "starttls", Username: "ann"}); err != nil {
				t.Fatal(err)
			}
			c := startCore(t, dir, memStore(map[string]string{"s": pw}), testMail())
			c.wait(10*time.Second, "an error", func() bool {
				f, _ := c.folderView("s", "INBOX")
				return f.State == view.StateStopped || f.State == view.StateBackoff
			})
			time.Sleep(300 * time.Millisecond)
			f, _ := c.folderView("s", "INBOX")
			got := rec.received()
			for _, leak := range secretForms("ann", pw) {
				if strings.Contains(got, leak) {
					t.Errorf("the password reached the server in the clear (%q)", leak)
				}
			}
			if strings.Contains(strings.ToUpper(got), "LOGIN") || strings.Contains(strings.ToUpper(got), "AUTHENTICATE") {
				t.Errorf("a login was attempted without TLS: %q", clip(got))
			}
			t.Logf("state %s, error %q; the client sent %q", f.State, f.Error, clip(got))
		})
	}
	// And against a real server that does not offer STARTTLS at all.
	t.Run("in-memory server without STARTTLS", func(t *testing.T) {
		t.Parallel()
		srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": pw}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		dir := t.TempDir()
		if err := WriteConfig(dir, Account{ID: "s", Host: "127.0.0.1", Port: srv.Port(), Security: "starttls", Username: "ann"}); err != nil {
			t.Fatal(err)
		}
		c := startCore(t, dir, memStore(map[string]string{"s": pw}), testMail())
		msg, kind := c.stoppedWith("s")
		if !strings.Contains(msg, "STARTTLS") || kind != view.ErrorTLS {
			t.Errorf("error %q (kind %q); want one about STARTTLS", msg, kind)
		}
		if n := srv.LoginCount("ann"); n != 0 {
			t.Errorf("%d login attempts reached the server", n)
		}
	})
}

// TestPlainToNonLoopbackRefused: security "plain" is for this machine only.
// Any other host is refused with a message naming it, before any
// connection; loopback names are accepted (the control that the check can
// pass).
func TestPlainToNonLoopbackRefused(t *testing.T) {
	t.Parallel()
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"192.0.2.1", false}, {"imap.example.com", false}, {"0.0.0.0", false}, {"localhost.example.com", false},
		{"127.0.0.1.nip.io", false}, {"::ffff:192.0.2.1", false}, {"10.0.0.1", false}, {"LOCALHOST.evil", false},
		{"127.0.0.1", true}, {"localhost", true}, {"::1", true}, {"127.0.0.2", true},
	} {
		t.Run(tc.host, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := WriteConfig(dir, Account{ID: "a", Host: tc.host, Port: srv.Port(), Security: "plain", Username: "ann"}); err != nil {
				t.Fatal(err)
			}
			c := startCore(t, dir, memStore(map[string]string{"a": "pw"}), testMail())
			cfgErr := c.core.Snapshot().ConfigError
			if tc.ok {
				if cfgErr != "" {
					t.Fatalf("loopback refused: %s", cfgErr)
				}
				c.wait(10*time.Second, "a connection attempt", func() bool {
					return c.count(control.EvState, "a", "INBOX", string(mail.StateConnecting)) > 0
				})
				time.Sleep(200 * time.Millisecond)
				if f, _ := c.folderView("a", "INBOX"); f.ErrorKind == view.ErrorTLS {
					t.Errorf("loopback refused as insecure: %q", f.Error)
				}
				return
			}
			time.Sleep(200 * time.Millisecond)
			f, _ := c.folderView("a", "INBOX")
			switch {
			case cfgErr != "":
				if !strings.Contains(cfgErr, tc.host) || !strings.Contains(cfgErr, "plain") {
					t.Errorf("config error does not explain the refusal: %q", cfgErr)
				}
			case f.State == view.StateStopped && f.ErrorKind == view.ErrorTLS:
			default:
				t.Errorf("plain to %s: state %q kind %q error %q; want it refused", tc.host, f.State, f.ErrorKind, f.Error)
			}
			if n := c.count(control.EvState, "a", "INBOX", string(mail.StateConnecting)); n != 0 {
				t.Errorf("plain to %s: a connection was attempted", tc.host)
			}
		})
	}
}

// secretForms are the ways a password could show up: as is, quoted and
// escaped as in an IMAP LOGIN, and base64 as in AUTHENTICATE PLAIN.
func secretForms(user, pw string) []string {
	quoted := strings.ReplaceAll(strings.ReplaceAll(pw, `\`, `\\`), `"`, `\"`)
	b64 := base64.StdEncoding.EncodeToString
	return []string{pw, quoted, b64([]byte(pw)), b64([]byte("\x00" + user + "\x00" + pw)), b64([]byte(user + "\x00" + user + "\x00" + pw))}
}

// TestPasswordNeverLeaks: invariant 5 through the real binary with --debug
// (the IMAP trace on stderr). A good password, a wrong one, one whose
// command fails after printing it, and one used over STARTTLS: none may
// appear in stdout, stderr, or any file the run leaves behind.
func TestPasswordNeverLeaks(t *testing.T) {
	t.Parallel()
	bin := mailbellBinary(t)
	good := `Tr1cky pa"ss\wörd 🙂 %s`
	wrong := `wrong-"secret"\β-7`
	failing := "printed-then-failed-pw"
	srv := dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{"alice": good, "bob": "bob-real-pw"}})
	root := t.TempDir()
	env := sandbox(t, root)
	dir := filepath.Join(root, "config")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	scripts := filepath.Join(root, "scripts")
	goodCmd := passwordScript(t, filepath.Join(scripts, "good"), good)
	wrongCmd := passwordScript(t, filepath.Join(scripts, "wrong"), wrong)
	failCmd := filepath.Join(scripts, "fail")
	if err := os.WriteFile(failCmd, []byte("#!/bin/sh\necho '"+failing+"'\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteConfig(dir,
		Account{ID: "alice", Host: "127.0.0.1", Port: srv.TLSPort(), Security: "tls", Username: "alice", CAFile: srv.CAFile(), PasswordCommand: goodCmd},
		Account{ID: "alice-starttls", Host: "127.0.0.1", Port: srv.Port(), Security: "starttls", Username: "alice", CAFile: srv.CAFile(), PasswordCommand: goodCmd},
		Account{ID: "bob", Host: "127.0.0.1", Port: srv.TLSPort(), Security: "tls", Username: "bob", CAFile: srv.CAFile(), PasswordCommand: wrongCmd},
		Account{ID: "carol", Host: "127.0.0.1", Port: srv.TLSPort(), Security: "tls", Username: "carol", CAFile: srv.CAFile(), PasswordCommand: failCmd},
	); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, bin, env, 0, "--headless", "--debug", "--config-dir", dir)
	settled := func() bool {
		return p.lastState("alice", "INBOX") == "idle" && p.lastState("alice-starttls", "INBOX") == "idle" &&
			p.lastState("bob", "INBOX") == "stopped" && p.lastState("carol", "INBOX") == "stopped"
	}
	if !p.waitUntil(30*time.Second, settled) {
		t.Fatalf("accounts did not settle; stdout states: %+v\nstderr:\n%s", p.kind(control.EvState), tail(p.stderr.String(), 30))
	}
	deliver(t, srv, "alice", "INBOX", "leak test")
	if !p.waitUntil(15*time.Second, func() bool { return len(p.kind(control.EvNewMail)) >= 2 }) {
		t.Fatalf("no new_mail for both alice accounts")
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 10*time.Second)

	var stdout strings.Builder
	for _, l := range p.all() {
		l.Event.Snapshot = nil
		stdout.WriteString(l.Subject + " " + l.Error + " " + l.From + "\n")
	}
	stderr := p.stderr.String()
	if !strings.Contains(stderr, "IDLE") || !strings.Contains(stderr, "level=DEBUG") {
		t.Fatalf("no IMAP trace on stderr: the test would prove nothing:\n%s", tail(stderr, 20))
	}
	places := map[string]string{"stdout": stdout.String(), "stderr": stderr}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == scripts {
			return filepath.SkipDir // the password commands hold them, by design
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			places[path] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range places {
		for _, s := range [][2]string{{"alice", good}, {"bob", wrong}, {"carol", failing}} {
			for _, form := range secretForms(s[0], s[1]) {
				if strings.Contains(content, form) {
					t.Errorf("%s holds %s's password (as %q)", name, s[0], form)
				}
			}
		}
	}
	var errs []string
	for _, l := range p.kind(control.EvState) {
		if l.Error != "" {
			errs = append(errs, l.Account+": "+l.Error)
		}
	}
	if ok, _, _ := srv.LoginAttempts("alice"); ok < 2 {
		t.Errorf("alice logged in %d times; the password never went through the traced path", ok)
	}
	t.Logf("checked %d places; errors shown: %q; redactions in the trace: %d",
		len(places), errs, strings.Count(stderr, "redacted"))
}

// TestFilesArePrivate: with a umask that would make everything world
// readable, the config folder, the state file (even one that was 0644
// before), the socket folder and the socket are private.
func TestFilesArePrivate(t *testing.T) {
	t.Parallel()
	bin := mailbellBinary(t)
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, runtimeDir := range []bool{true, false} {
		root := t.TempDir()
		env := sandbox(t, root)
		if !runtimeDir {
			var kept []string
			for _, e := range env {
				if !strings.HasPrefix(e, "XDG_RUNTIME_DIR=") {
					kept = append(kept, e)
				}
			}
			env = kept
		}
		dir := filepath.Join(root, "new", "config") // the binary creates it
		scripts := filepath.Join(root, "scripts")
		cfg := Account{ID: "ann", Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: "ann",
			PasswordCommand: passwordScript(t, scripts, "pw")}
		// First run: no folder, no config: it must create nothing world-readable.
		p := startUmask0(t, bin, env, dir)
		time.Sleep(time.Second)
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.wait(t, 10*time.Second)
		// Second run: a config and an old 0644 state file.
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := WriteConfig(dir, cfg); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, state.FileName), []byte(`{"version": 1, "positions": [], "recent": []}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Append("ann", "INBOX", imaptest.Message("Ann <ann@example.com>", "ann@example.com", "old", time.Now())); err != nil {
			t.Fatal(err)
		}
		p = startUmask0(t, bin, env, dir)
		if !p.waitUntil(15*time.Second, func() bool { return p.lastState("ann", "INBOX") == "idle" }) {
			t.Fatalf("not idle:\n%s", tail(p.stderr.String(), 20))
		}
		if _, err := srv.Append("ann", "INBOX", imaptest.Message("Ann <ann@example.com>", "ann@example.com", "new", time.Now())); err != nil {
			t.Fatal(err)
		}
		p.waitUntil(10*time.Second, func() bool { return len(p.kind(control.EvNewMail)) > 0 })
		// Everything the run made, while it runs (the socket is removed at exit).
		checkPrivate(t, root, scripts)
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.wait(t, 10*time.Second)
		checkPrivate(t, root, scripts)
	}
	// config.Save (the settings window's way) over a 0644 file.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(`{"accounts": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cf := config.New()
	if err := config.Save(dir, cf); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, config.FileName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config.json after Save: %v %v; want 0600", st.Mode(), err)
	}
}

// startUmask0 runs the binary under umask 000.
func startUmask0(t *testing.T, bin string, env []string, dir string) *proc {
	t.Helper()
	return startBinary(t, "/bin/sh", env, 0, "-c", `umask 000; exec "$0" "$@"`, bin, "--headless", "--config-dir", dir)
}

// checkPrivate fails for anything under root (but skip) that others could
// read or enter: files must be 0600 or stricter, folders the app made 0700.
func checkPrivate(t *testing.T, root, skip string) {
	t.Helper()
	made := []string{filepath.Join(root, "new"), filepath.Join(root, "home"), filepath.Join(root, "run")}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return nil
		}
		if path == skip {
			return filepath.SkipDir
		}
		st, err := os.Lstat(path)
		if err != nil {
			return nil
		}
		perm := st.Mode().Perm()
		appMade := false
		for _, m := range made {
			if strings.HasPrefix(path, m+string(filepath.Separator)) {
				appMade = true
			}
		}
		if perm&0o077 != 0 && (appMade || !d.IsDir()) {
			t.Errorf("%s is %v: readable by others", path, st.Mode())
		}
		return nil
	})
}

// TestRemovedAccountLosesItsSecret: removing an account from config.json
// and reloading deletes its password from the secret store and its state;
// the other accounts keep theirs, a disabled account included.
func TestRemovedAccountLosesItsSecret(t *testing.T) {
	t.Parallel()
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"work": "pw-w", "home": "pw-h"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	off := false
	work := Account{ID: "work", Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: "work"}
	home := Account{ID: "home", Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: "home"}
	disabled := Account{ID: "off", Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: "off", Enabled: &off}
	dir := t.TempDir()
	if err := WriteConfig(dir, work, home, disabled); err != nil {
		t.Fatal(err)
	}
	store := memStore(map[string]string{"work": "pw-w", "home": "pw-h", "off": "pw-o"})
	c := startCore(t, dir, store, testMail())
	c.wait(15*time.Second, "idle", c.idle("work/INBOX", "home/INBOX"))
	if _, err := srv.Append("home", "INBOX", imaptest.Message("Hal <hal@example.com>", "home@example.com", "to home", time.Now())); err != nil {
		t.Fatal(err)
	}
	c.wait(15*time.Second, "mail for home", c.hasMail("to home"))

	if err := WriteConfig(dir, work, disabled); err != nil {
		t.Fatal(err)
	}
	if err := c.do(control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	gone := func() bool {
		_, err := store.Get(context.Background(), "home")
		return errors.Is(err, secrets.ErrNotFound)
	}
	c.wait(10*time.Second, "home's secret deleted", gone)
	for _, id := range []string{"work", "off"} {
		if _, err := store.Get(context.Background(), id); err != nil {
			t.Errorf("%s lost its secret: %v", id, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, state.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"home"`) {
		t.Errorf("state.json still holds the removed account:\n%s", data)
	}
	for _, a := range c.core.Snapshot().Accounts {
		if a.ID == "home" {
			t.Errorf("the snapshot still lists the removed account")
		}
	}
	for _, m := range c.core.Snapshot().Recent {
		if m.Account == "home" {
			t.Errorf("the recent list still shows the removed account's mail")
		}
	}
}
