package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/sniwatcher"
)

// Names the account has in config.json and Dovecot.
const (
	accountID   = "e2e"
	accountName = "E2E"
	imapUser    = "alice"
	senderName  = "Ann Example"
	senderAddr  = "ann@example.com"
)

// world is the shared desktop session, mail server and account.
type world struct {
	t        *testing.T
	bin      string
	art      *artifacts
	s        *desktoptest.Session
	dc       *dovecottest.Server
	sni      *sniwatcher.Watcher
	cfgDir   string
	password string // the right one, in Dovecot and (mostly) in the keyring
	wrongPW  string // put in the keyring for check 5
	dunst    *dunstWatch
	mon      *notifyMonitor
	app      *appProc // the running background process, if any
	runs     int
	// lastSpawn is when the test last asked for the window (a click or a
	// launch): the background process starts a window process after that.
	lastSpawn time.Time
	subjects  int
}

func randomSecret(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, bin: mailbellBinary(t), art: newArtifacts(t),
		password: randomSecret("pw-right-"), wrongPW: randomSecret("pw-wrong-")}

	s, err := desktoptest.Start(desktoptest.Options{Dunst: true, Keyring: true})
	if err != nil {
		t.Fatalf("desktop session: %v", err)
	}
	w.s = s
	t.Cleanup(func() {
		// Logs first: Close removes the session root.
		for _, name := range []string{"xvfb", "dbus", "dunst", "keyring"} {
			w.art.write(t, "session-"+name+".log", []byte(s.Log(name)))
		}
		if err := s.Close(); err != nil {
			t.Errorf("closing the desktop session: %v", err)
		}
		leaked, err := desktoptest.LeakedProcesses(s.Root)
		if err != nil {
			t.Errorf("looking for leaked processes: %v", err)
		}
		if len(leaked) > 0 {
			t.Errorf("processes outlived the test: %v", leaked)
		}
	})
	for _, name := range []string{"xvfb", "dbus", "dunst", "keyring"} {
		w.art.notePID("session "+name, s.PID(name))
	}
	t.Logf("desktop session: root %s, display %s, bus %s", s.Root, s.Display, s.BusAddress)

	w.dc = dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{imapUser: w.password}})
	t.Cleanup(func() { w.art.write(t, "dovecot.log", []byte(w.dc.Log())) })
	w.art.notePID("dovecot", w.dc.PID())

	w.sni, err = sniwatcher.Dial(s.BusAddress)
	if err != nil {
		t.Fatalf("tray host: %v", err)
	}
	t.Cleanup(func() { _ = w.sni.Close() })
	w.dunst = &dunstWatch{s: s, seen: map[uint32]bool{}}
	w.mon, err = startNotifyMonitor(s.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.mon.close(t, w.art) })
	t.Cleanup(func() { w.dunst.saveHistory(t, w.art) })

	// The account as a user's files hold it: config.json in the config
	// folder, the password in the keyring.
	w.cfgDir = filepath.Join(s.Home, "mailbell-config")
	if err := os.MkdirAll(w.cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"accounts": []map[string]any{{
		"id": accountID, "name": accountName, "email": imapUser + "@example.com",
		"host": "127.0.0.1", "port": w.dc.TLSPort(), "security": "tls",
		"username": imapUser, "ca_file": w.dc.CAFile(),
	}}}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(filepath.Join(w.cfgDir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	w.art.write(t, "config.json", data)
	if err := s.SecretToolStore("mailbell", accountID, w.password); err != nil {
		t.Fatalf("keyring: %v", err)
	}
	return w
}

// startApp starts the background process: mailbell --config-dir DIR --debug.
func (w *world) startApp(t *testing.T) *appProc {
	t.Helper()
	w.runs++
	p := startApp(t, w.art, fmt.Sprintf("mailbell-run%d", w.runs), w.bin, w.s.Env(), w.s.Home,
		"--config-dir", w.cfgDir, "--debug")
	w.app = p
	return p
}

// stopApp ends the background process as a logout does (SIGTERM) and
// checks that it exits 0 and its tray item goes away.
func (w *world) stopApp(t *testing.T) {
	t.Helper()
	if w.app == nil {
		return
	}
	p := w.app
	w.app = nil
	code, err := p.terminate(15 * time.Second)
	if err != nil {
		p.kill()
		t.Fatalf("SIGTERM: %v", err)
	}
	if code != 0 {
		_, e := p.output()
		t.Errorf("%s exited %d on SIGTERM, want 0; stderr:\n%s", p.name, code, tail(e, 30))
	}
	p.kill() // strays of its group (a window process), if any
	if err := poll(5*time.Second, 20*time.Millisecond, func() error {
		if n := len(w.sni.Items()); n > 0 {
			return fmt.Errorf("%d tray items still registered", n)
		}
		return nil
	}); err != nil {
		t.Errorf("tray item of the stopped app: %v", err)
	}
}

// waitReady waits for the running app's tray item and for its status line
// to say want.
func (w *world) waitReady(t *testing.T, want string) sniwatcher.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	item, err := w.sni.WaitItem(ctx)
	if err != nil {
		_, e := w.app.output()
		t.Fatalf("%v; app stderr:\n%s", err, tail(e, 40))
	}
	w.waitStatus(t, item, 20*time.Second, func(s string) bool { return s == want }, want)
	return item
}

// status reads the tray menu and returns it with its first line.
func (w *world) status(item sniwatcher.Item) (sniwatcher.MenuItem, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	m, err := w.sni.Menu(ctx, item)
	if err != nil {
		return m, "", err
	}
	shown := m.Shown()
	if len(shown) == 0 {
		return m, "", fmt.Errorf("empty tray menu")
	}
	return m, shown[0], nil
}

func (w *world) waitStatus(t *testing.T, item sniwatcher.Item, d time.Duration, ok func(string) bool, what string) string {
	t.Helper()
	var last string
	err := poll(d, 50*time.Millisecond, func() error {
		_, line, err := w.status(item)
		if err != nil {
			return err
		}
		last = line
		if !ok(line) {
			return fmt.Errorf("status line %q", line)
		}
		return nil
	})
	if err != nil {
		stderr := ""
		if w.app != nil {
			_, stderr = w.app.output()
		}
		t.Fatalf("tray status line never became %s: %v (last %q); app stderr:\n%s", what, err, last, tail(stderr, 30))
	}
	return last
}

// nextSubject is a unique subject, so notifications of one check cannot be
// mistaken for another's.
func (w *world) nextSubject(what string) string {
	w.subjects++
	return fmt.Sprintf("E2E %s %d", what, w.subjects)
}

func (w *world) message(subject string) []byte {
	return dovecottest.Message(senderName+" <"+senderAddr+">", imapUser+"@example.com", subject, time.Now())
}

func (w *world) deliver(t *testing.T, subject string) {
	t.Helper()
	if err := w.dc.Deliver(imapUser, "INBOX", w.message(subject)); err != nil {
		t.Fatalf("deliver: %v", err)
	}
}

func (w *world) logins(t *testing.T) (ok, failed int) {
	t.Helper()
	ok, failed, err := w.dc.LoginAttempts(imapUser)
	if err != nil {
		t.Fatal(err)
	}
	return ok, failed
}

// dunstWatch follows dunst: how many notifications it has taken, and the
// ones not looked at yet.
type dunstWatch struct {
	s    *desktoptest.Session
	seen map[uint32]bool
	all  []desktoptest.Notification // everything collected, oldest first
}

// total counts every notification dunst holds: waiting, shown, history. A
// notification that replaces another does not add to it.
func (d *dunstWatch) total() (int, error) {
	w, s, h, err := d.s.DunstCounts()
	return w + s + h, err
}

// waitTotal polls until dunst holds at least n notifications and returns
// when that was first seen.
func (d *dunstWatch) waitTotal(n int, timeout time.Duration) (time.Time, error) {
	var got int
	err := poll(timeout, 10*time.Millisecond, func() error {
		var err error
		if got, err = d.total(); err != nil {
			return err
		}
		if got < n {
			return fmt.Errorf("dunst holds %d notifications, want %d", got, n)
		}
		return nil
	})
	return time.Now(), err
}

// collect closes what is shown and returns the notifications not collected
// before, oldest first.
func (d *dunstWatch) collect() ([]desktoptest.Notification, error) {
	if err := d.s.DunstCloseAll(); err != nil {
		return nil, err
	}
	var hist []desktoptest.Notification
	// Closing is asynchronous: wait until nothing is shown any more.
	err := poll(3*time.Second, 10*time.Millisecond, func() error {
		w, s, _, err := d.s.DunstCounts()
		if err != nil {
			return err
		}
		if w+s > 0 {
			_ = d.s.DunstCloseAll()
			return fmt.Errorf("%d notifications still shown", w+s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	hist, err = d.s.DunstHistory()
	if err != nil {
		return nil, err
	}
	var fresh []desktoptest.Notification
	for i := len(hist) - 1; i >= 0; i-- { // history is newest first
		n := hist[i]
		if d.seen[n.ID] {
			continue
		}
		d.seen[n.ID] = true
		fresh = append(fresh, n)
	}
	d.all = append(d.all, fresh...)
	return fresh, nil
}

func (d *dunstWatch) saveHistory(t *testing.T, a *artifacts) {
	if _, err := d.collect(); err != nil {
		t.Logf("dunst history at the end: %v", err)
	}
	data, _ := json.MarshalIndent(d.all, "", "  ")
	a.write(t, "dunst-history.json", data)
}

func describe(ns []desktoptest.Notification) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "\n  #%d %q / %q", n.ID, n.Summary, n.Body)
	}
	if b.Len() == 0 {
		return " (none)"
	}
	return b.String()
}

// findEntry returns the menu entry (at any depth) whose text contains sub.
func findEntry(m sniwatcher.MenuItem, sub string) (sniwatcher.MenuItem, bool) {
	for _, c := range m.Children {
		if c.Visible && strings.Contains(c.Text(), sub) {
			return c, true
		}
		if f, ok := findEntry(c, sub); ok {
			return f, true
		}
	}
	return sniwatcher.MenuItem{}, false
}

func menuText(m sniwatcher.MenuItem) string {
	var b strings.Builder
	var walk func(m sniwatcher.MenuItem, depth int)
	walk = func(m sniwatcher.MenuItem, depth int) {
		for _, c := range m.Children {
			if !c.Visible {
				continue
			}
			text := c.Text()
			if c.Type == "separator" {
				text = "---"
			}
			state := ""
			if !c.Enabled {
				state = " (disabled)"
			}
			fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("  ", depth), text, state)
			walk(c, depth+1)
		}
	}
	walk(m, 0)
	return b.String()
}

// glLibraries lists the GL driver libraries mapped into pid.
func glLibraries(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	var libs []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		path := f[5]
		base := filepath.Base(path)
		if strings.HasSuffix(base, "_dri.so") || strings.Contains(base, "swrast") || strings.HasPrefix(base, "libLLVM") {
			if !slices.Contains(libs, path) {
				libs = append(libs, path)
			}
		}
	}
	return libs, nil
}
