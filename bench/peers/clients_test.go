package peers

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	dbus "github.com/godbus/dbus/v5"

	"mailbell/bench/bareclient"
	"mailbell/internal/testenv/desktoptest"
)

// startBare dials, logs in and idles a bare client in the background; the
// returned stop ends it and reports its error.
func startBare(tb testing.TB, dial func(*imapclient.Options) (*imapclient.Client, error), user, pass, folder string,
	fullMsg bool, onNew func(string, time.Time)) (stop func() error) {
	tb.Helper()
	bc, err := bareclient.Dial(dial, user, pass, folder, fullMsg, onNew)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	idling := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- bc.Run(ctx, idling) }()
	select {
	case <-idling:
	case err := <-done:
		cancel()
		tb.Fatalf("bare client ended before IDLE: %v", err)
	case <-time.After(time.Minute):
		cancel()
		tb.Fatal("bare client not idle within a minute")
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = fmt.Errorf("bare client did not stop within 10 s")
			}
		})
		return runErr
	}
	tb.Cleanup(func() { _ = stop() })
	return stop
}

// ---- Mailnag ----

// mailnagProc is Mailnag running through launcher.py in a desktop session.
type mailnagProc struct {
	cmd        *exec.Cmd
	logPath    string
	recordPath string
	done       chan struct{}
	waitErr    error
}

// mailnagAccount is the [account1] section of mailnag.cfg.
type mailnagAccount struct {
	user, password string
	port           int
	ssl            bool
	folder         string // "" watches INBOX
}

// startMailnag writes Mailnag's config and the recording plugin into the
// session's XDG_CONFIG_HOME and starts it. Its log goes to logDir/mailnag.log.
func startMailnag(tb testing.TB, s *desktoptest.Session, acct mailnagAccount, logDir string) *mailnagProc {
	tb.Helper()
	if _, err := os.Stat("/usr/bin/mailnag"); err != nil {
		tb.Fatal("Mailnag is not installed: run `make bench-deps` (Debian package mailnag)")
	}
	launcher := filepath.Join(packageDir(tb), "mailnag", "launcher.py")
	if out, err := exec.Command("/usr/bin/python3", launcher, "--selftest").CombinedOutput(); err != nil {
		tb.Fatalf("the Mailnag launcher's loopback guard failed its self-test: %v\n%s", err, out)
	}
	cfgDir := filepath.Join(s.ConfigHome, "mailnag")
	if err := os.MkdirAll(filepath.Join(cfgDir, "plugins"), 0o700); err != nil {
		tb.Fatal(err)
	}
	plugin, err := os.ReadFile(filepath.Join(packageDir(tb), "mailnag", "mailbellbench.py"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "plugins", "mailbellbench.py"), plugin, 0o644); err != nil {
		tb.Fatal(err)
	}
	folder := "[]"
	if acct.folder != "" {
		folder = fmt.Sprintf("[%q]", acct.folder)
	}
	ssl := 0
	if acct.ssl {
		ssl = 1
	}
	// The password is the private Dovecot's throw-away one; Mailnag reads
	// it from here because the launcher keeps it from the keyring.
	cfg := fmt.Sprintf(`[core]
poll_interval = 10
imap_idle_timeout = 10
mailbox_seen_flags = 0
autostart = 0
connectivity_test = networkmonitor
enabled_plugins = mailbellbench

[account1]
enabled = 1
type = imap
name = bench
user = %s
password = %s
server = 127.0.0.1
port = %d
ssl = %d
imap = 1
idle = 1
folder = %s
`, acct.user, acct.password, acct.port, ssl, folder)
	if err := os.WriteFile(filepath.Join(cfgDir, "mailnag.cfg"), []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	m := &mailnagProc{
		logPath:    filepath.Join(logDir, "mailnag.log"),
		recordPath: filepath.Join(s.Root, "mailnag-record.tsv"),
		done:       make(chan struct{}),
	}
	logf, err := os.Create(m.logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	m.cmd = s.Command("/usr/bin/python3", launcher)
	m.cmd.Env = append(m.cmd.Env, "MAILBELL_BENCH_RECORD="+m.recordPath, "PYTHONDONTWRITEBYTECODE=1")
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		tb.Fatalf("mailnag: %v", err)
	}
	go func() {
		m.waitErr = m.cmd.Wait()
		close(m.done)
	}()
	tb.Cleanup(func() { m.stop() })
	return m
}

func (m *mailnagProc) exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to its process group, SIGKILL after 12 s (Mailnag
// gives its own cleanup 10 s), and waits.
func (m *mailnagProc) stop() {
	if m.exited() {
		return
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-m.done:
		return
	case <-time.After(12 * time.Second):
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	<-m.done
}

// records reads what the plugin wrote so far: subject → time told.
func (m *mailnagProc) records() map[string]time.Time {
	out := map[string]time.Time{}
	f, err := os.Open(m.recordPath)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ns, subject, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(ns, 10, 64)
		if err != nil {
			continue
		}
		if _, dup := out[subject]; !dup {
			out[subject] = time.Unix(0, n)
		}
	}
	return out
}

// waitRecorded waits until the plugin recorded every subject.
func (m *mailnagProc) waitRecorded(subjects []string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		rec := m.records()
		missing := ""
		for _, s := range subjects {
			if _, ok := rec[s]; !ok {
				missing = s
				break
			}
		}
		if missing == "" {
			return nil
		}
		if m.exited() {
			return fmt.Errorf("mailnag exited (%v) before reporting %q; log:\n%s", m.waitErr, missing, tail(m.logPath, 30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mailnag did not report %q within %s; log:\n%s", missing, d, tail(m.logPath, 30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ---- a notification server that records ----

// notifyRecorder owns org.freedesktop.Notifications on a private bus and
// notes the time of every Notify call: what a person would see, and when.
type notifyRecorder struct {
	conn *dbus.Conn
	mu   sync.Mutex
	next uint32
	seen []notifyCall
	more chan struct{}
}

type notifyCall struct {
	at            time.Time
	summary, body string
	replaces, id  uint32
}

func startNotifyRecorder(tb testing.TB, busAddress string) *notifyRecorder {
	tb.Helper()
	conn, err := dbus.Connect(busAddress)
	if err != nil {
		tb.Fatal(err)
	}
	r := &notifyRecorder{conn: conn, more: make(chan struct{}, 1)}
	const path = dbus.ObjectPath("/org/freedesktop/Notifications")
	if err := conn.Export(notifyObject{r}, path, "org.freedesktop.Notifications"); err != nil {
		tb.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		tb.Fatalf("owning org.freedesktop.Notifications: %v (reply %v)", err, reply)
	}
	tb.Cleanup(func() { conn.Close() })
	return r
}

func (r *notifyRecorder) calls() []notifyCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notifyCall(nil), r.seen...)
}

// notifyObject holds the exported methods.
type notifyObject struct{ r *notifyRecorder }

func (o notifyObject) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body", "actions"}, nil
}

func (o notifyObject) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "mailbell-bench", "mailbell", "1.0", "1.2", nil
}

func (o notifyObject) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	at := time.Now()
	r := o.r
	r.mu.Lock()
	id := replaces
	if id == 0 {
		r.next++
		id = r.next
	}
	r.seen = append(r.seen, notifyCall{at: at, summary: summary, body: body, replaces: replaces, id: id})
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
	return id, nil
}

func (o notifyObject) CloseNotification(id uint32) *dbus.Error { return nil }

// ---- a session for peers ----

// startSession starts a desktop sandbox; Close runs in Cleanup.
func startSession(tb testing.TB, opts desktoptest.Options) *desktoptest.Session {
	tb.Helper()
	s, err := desktoptest.Start(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("closing the desktop session: %v", err)
		}
	})
	return s
}
