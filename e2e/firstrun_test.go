package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"image"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/sniwatcher"
	"mailbell/internal/testenv/testcert"
)

// The first run, as a new user meets it: a fresh HOME with no config, an
// address whose domain publishes an autoconfig (on loopback) that points
// at the test Dovecot, and the password typed into the setup window.
const (
	frDomain     = "firstrun.test"
	frAutoconfig = "autoconfig." + frDomain
	frSetupTitle = "Mailbell — Add your mail account"
)

// firstRun is one first-run world: desktop session (with or without a
// tray host), Dovecot, the domain's DNS and autoconfig servers, and the
// environment that sends the binary's discovery to them.
type firstRun struct {
	t        *testing.T
	bin      string
	art      *artifacts
	s        *desktoptest.Session
	dc       *dovecottest.Server
	sni      *sniwatcher.Watcher // nil: no tray host
	env      []string
	password string
	dunst    *dunstWatch
	app      *appProc
	autoHits func() []string
	recent   xWindow // the recent window after the first run
}

func newFirstRun(t *testing.T, withTray bool) *firstRun {
	t.Helper()
	f := &firstRun{t: t, bin: mailbellBinary(t), art: newArtifacts(t), password: randomSecret("pw-first-")}
	s, err := desktoptest.Start(desktoptest.Options{Dunst: true, Keyring: true})
	if err != nil {
		t.Fatalf("desktop session: %v", err)
	}
	f.s = s
	t.Cleanup(func() {
		for _, name := range []string{"xvfb", "dbus", "dunst", "keyring"} {
			f.art.write(t, "session-"+name+".log", []byte(s.Log(name)))
		}
		if err := s.Close(); err != nil {
			t.Errorf("closing the desktop session: %v", err)
		}
		if leaked, err := desktoptest.LeakedProcesses(s.Root); err != nil || len(leaked) > 0 {
			t.Errorf("processes outlived the test: %v %v", leaked, err)
		}
	})
	f.dunst = &dunstWatch{s: s, seen: map[uint32]bool{}}
	t.Cleanup(func() { f.dunst.saveHistory(t, f.art) })
	f.dc = dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{imapUser: f.password}})
	t.Cleanup(func() { f.art.write(t, "dovecot.log", []byte(f.dc.Log())) })
	if withTray {
		f.sni, err = sniwatcher.Dial(s.BusAddress)
		if err != nil {
			t.Fatalf("tray host: %v", err)
		}
		t.Cleanup(func() { _ = f.sni.Close() })
	}

	// The domain's autoconfig over HTTPS with a CA of the test's own.
	cert := testcert.Must(t, "first-run autoconfig CA", frAutoconfig, frDomain)
	tc, err := cert.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var hits []string
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="%s">
    <domain>%s</domain>
    <incomingServer type="imap">
      <hostname>127.0.0.1</hostname>
      <port>%d</port>
      <socketType>SSL</socketType>
      <username>%%EMAILLOCALPART%%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
  </emailProvider>
</clientConfig>`, frDomain, frDomain, f.dc.TLSPort())
	web := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.Host+r.URL.Path)
		mu.Unlock()
		if r.Host != frAutoconfig || r.URL.Path != "/mail/config-v1.1.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, doc)
	}))
	web.TLS = &tls.Config{Certificates: []tls.Certificate{tc}}
	web.StartTLS()
	t.Cleanup(web.Close)
	f.autoHits = func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), hits...)
	}
	_, webPort, _ := net.SplitHostPort(web.Listener.Addr().String())

	dns := startLoopbackDNS(t, map[string]string{frAutoconfig + ".": "127.0.0.1", frDomain + ".": "127.0.0.1"})

	// Roots: the autoconfig server's CA and Dovecot's, as the system's
	// (Go reads SSL_CERT_FILE): nothing is trusted that a real run would
	// not verify the same way.
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, append(append([]byte{}, cert.CAPEM...), f.dc.CAPEM()...), 0o644); err != nil {
		t.Fatal(err)
	}
	f.env = append(s.Env(),
		"SSL_CERT_FILE="+roots,
		"MAILBELL_DISCOVER_DNS="+dns,
		"MAILBELL_DISCOVER_HTTPS_PORT="+webPort,
	)
	return f
}

// start launches mailbell as a person does: no flags (but --debug for the
// log), the default config folder under the fresh HOME.
func (f *firstRun) start(name string) time.Time {
	f.t.Helper()
	started := time.Now()
	f.app = startApp(f.t, f.art, name, f.bin, f.env, f.s.Home, "--debug")
	f.t.Cleanup(func() {
		if f.app != nil {
			f.app.kill()
		}
	})
	return started
}

func (f *firstRun) configPath() string {
	return filepath.Join(f.s.ConfigHome, "mailbell", "config.json")
}

// setupWindow waits for the setup window, checking it was mapped within
// limit of started, and saves a screenshot of it.
func (f *firstRun) setupWindow(started time.Time, limit time.Duration, shot string) xWindow {
	f.t.Helper()
	var win xWindow
	if err := poll(15*time.Second, 20*time.Millisecond, func() error {
		var err error
		win, err = viewableWindow(f.s.Env(), frSetupTitle)
		return err
	}); err != nil {
		_, e := f.app.output()
		f.t.Fatalf("setup window: %v; app stderr:\n%s", err, tail(e, 40))
	}
	took := time.Since(started)
	f.t.Logf("setup window 0x%x viewable %v after launch (%dx%d)", win.ID, took.Round(time.Millisecond), win.W, win.H)
	// The bound is for a machine that is not busy with other work: a
	// runnable queue longer than the cores stretches it in proportion
	// (the Fyne window renders through software GL).
	bound := limit
	if load := loadPerCPU(); load > 1 {
		bound = time.Duration(float64(limit) * load)
		f.t.Logf("load average %.1f per core: bound %v instead of %v", load, bound.Round(time.Millisecond), limit)
	}
	if took > bound {
		f.t.Errorf("the setup window was mapped %v after launch, want within %v", took, bound)
	}
	path := f.art.path(shot)
	rect := image.Rect(win.X, win.Y, win.X+win.W, win.Y+win.H)
	var colours int
	if err := poll(10*time.Second, 200*time.Millisecond, func() error {
		if err := f.s.Screenshot(path); err != nil {
			return err
		}
		var err error
		if colours, _, err = shotStats(path, rect, connectedGreen); err != nil {
			return err
		}
		if colours < 16 {
			return fmt.Errorf("the window has %d distinct colours: not drawn yet", colours)
		}
		return nil
	}); err != nil {
		f.t.Errorf("screenshot of the setup window: %v", err)
	}
	f.t.Logf("screenshot %s (%d colours)", path, colours)
	return win
}

// fillIn types the address and the password as a person would: the
// address, Tab (leaving the field starts the lookup), the password, Return.
// Before Return it saves a screenshot as shot (the window with what was
// found: README's picture).
func (f *firstRun) fillIn(win xWindow, email, shot string) {
	f.t.Helper()
	x, err := dialXInput(f.s.Display)
	if err != nil {
		f.t.Fatal(err)
	}
	defer x.Close()
	if err := x.focus(win.ID); err != nil {
		f.t.Fatalf("focus: %v", err)
	}
	// The email field has the focus when the window opens.
	if err := x.typeText(email); err != nil {
		f.t.Fatal(err)
	}
	if err := x.press(keysymTab); err != nil {
		f.t.Fatal(err)
	}
	if err := x.typeText(f.password); err != nil {
		f.t.Fatal(err)
	}
	if err := poll(10*time.Second, 20*time.Millisecond, func() error {
		if len(f.autoHits()) == 0 {
			return fmt.Errorf("no autoconfig request yet")
		}
		return nil
	}); err != nil {
		f.t.Errorf("leaving the email field started no lookup: %v", err)
	}
	if err := f.s.Screenshot(f.art.path(shot)); err != nil {
		f.t.Error(err)
	}
	if err := x.press(keysymReturn); err != nil {
		f.t.Fatal(err)
	}
}

// savedAccount waits for config.json to hold one account and returns it.
func (f *firstRun) savedAccount() map[string]any {
	f.t.Helper()
	var acct map[string]any
	err := poll(30*time.Second, 100*time.Millisecond, func() error {
		data, err := os.ReadFile(f.configPath())
		if err != nil {
			return err
		}
		var cfg struct {
			Accounts []map[string]any `json:"accounts"`
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			return err
		}
		if len(cfg.Accounts) != 1 {
			return fmt.Errorf("%d accounts", len(cfg.Accounts))
		}
		acct = cfg.Accounts[0]
		return nil
	})
	if err != nil {
		_, e := f.app.output()
		shot := f.art.path("not-saved.png")
		_ = f.s.Screenshot(shot)
		f.t.Fatalf("no account saved in %s: %v (screen in %s; autoconfig requests %q); app stderr:\n%s", f.configPath(), err, shot, f.autoHits(), tail(e, 60))
	}
	data, _ := json.MarshalIndent(acct, "", "  ")
	f.art.write(f.t, "saved-account.json", data)
	return acct
}

// firstRunConnects runs the whole first run and checks what it leaves: the
// account in config.json with the found settings, the password in the
// keyring (and not in the file), and a notification for mail delivered
// afterwards.
func (f *firstRun) firstRunConnects(name string) {
	t := f.t
	started := f.start(name)
	win := f.setupWindow(started, 2*time.Second, name+"-setup-window.png")
	f.fillIn(win, imapUser+"@"+frDomain, name+"-found.png")

	acct := f.savedAccount()
	if acct["host"] != "127.0.0.1" || acct["port"] != float64(f.dc.TLSPort()) || acct["security"] != "tls" || acct["username"] != imapUser {
		t.Errorf("saved account %v, want 127.0.0.1:%d tls, username %s (from the autoconfig)", acct, f.dc.TLSPort(), imapUser)
	}
	// Discovery asks both autoconfig addresses at once (the answers are
	// taken in order): the domain's autoconfig host must have been asked.
	if hits := f.autoHits(); !slices.Contains(hits, frAutoconfig+"/mail/config-v1.1.xml") {
		t.Errorf("autoconfig requests %q, want %s among them", hits, frAutoconfig+"/mail/config-v1.1.xml")
	}
	data, _ := os.ReadFile(f.configPath())
	if strings.Contains(string(data), f.password) {
		t.Error("the password is in config.json")
	}
	id, _ := acct["id"].(string)
	got, err := f.s.SecretToolLookup("mailbell", id)
	if err != nil || got != f.password {
		t.Errorf("keyring item mailbell/%s: %d characters, %v; want the typed password", id, len(got), err)
	}
	_, stderr := f.app.output()
	if strings.Contains(stderr, f.password) {
		t.Error("the password is in the log")
	}

	// The setup window closes and the recent window shows the account
	// connected (its green dot).
	if err := poll(20*time.Second, 100*time.Millisecond, func() error {
		if w, err := viewableWindow(f.s.Env(), frSetupTitle); err == nil {
			return fmt.Errorf("setup window 0x%x still open", w.ID)
		}
		_, err := viewableWindow(f.s.Env(), "Mailbell")
		return err
	}); err != nil {
		t.Fatalf("after saving: %v", err)
	}
	rw := (&world{t: t, s: f.s, art: f.art}).waitWindow(t, name+"-connected")

	// Mail delivered now is announced.
	subject := "First run " + name
	before, _ := f.dunst.total()
	// The watcher is idle once the window shows it connected; deliver.
	msg := dovecottest.Message(senderName+" <"+senderAddr+">", imapUser+"@"+frDomain, subject, time.Now())
	if err := f.dc.Deliver(imapUser, "INBOX", msg); err != nil {
		t.Fatal(err)
	}
	if _, err := f.dunst.waitTotal(before+1, 20*time.Second); err != nil {
		t.Fatalf("no notification for mail delivered after the first run: %v", err)
	}
	ns, err := f.dunst.collect()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range ns {
		found = found || strings.Contains(n.Summary+n.Body, subject)
	}
	if !found {
		t.Errorf("notifications%s; none names %q", describe(ns), subject)
	}
	f.recent = rw
}

// TestFirstRunNoTray: GNOME's default, no tray host. The setup window
// opens at once and says how to get the tray; the first run ends watching.
// A second start opens the window again (there is no icon to click).
func TestFirstRunNoTray(t *testing.T) {
	f := newFirstRun(t, false)
	f.firstRunConnects("notray")
	_, stderr := f.app.output()
	if !strings.Contains(stderr, "no tray host") {
		t.Errorf("the log does not say there is no tray host:\n%s", tail(stderr, 20))
	}
	// Restart: with an account and no tray, the recent window opens at start.
	code, err := f.app.terminate(15 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("SIGTERM: exit %d, %v", code, err)
	}
	f.app.kill()
	if err := poll(10*time.Second, 50*time.Millisecond, func() error {
		if w, err := viewableWindow(f.s.Env(), "Mailbell"); err == nil {
			return fmt.Errorf("window 0x%x still open", w.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	started := f.start("notray-again")
	if err := poll(10*time.Second, 50*time.Millisecond, func() error {
		_, err := viewableWindow(f.s.Env(), "Mailbell")
		return err
	}); err != nil {
		t.Fatalf("second start without a tray: no window: %v", err)
	}
	t.Logf("second start: window after %v", time.Since(started).Round(time.Millisecond))
	shot := f.art.path("notray-second-start.png")
	if err := f.s.Screenshot(shot); err != nil {
		t.Error(err)
	}
}

// TestFirstRunWithTray: the same first run where a tray host exists; then
// closing the window leaves Mailbell in the tray.
func TestFirstRunWithTray(t *testing.T) {
	f := newFirstRun(t, true)
	f.firstRunConnects("tray")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.sni.WaitItem(ctx); err != nil {
		t.Fatalf("tray item: %v", err)
	}
	if err := closeWindow(f.s.Display, f.recent.ID); err != nil {
		t.Fatal(err)
	}
	if err := poll(10*time.Second, 50*time.Millisecond, func() error {
		if w, err := viewableWindow(f.s.Env(), "Mailbell"); err == nil {
			return fmt.Errorf("window 0x%x still open", w.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if f.app.exited() {
		t.Fatal("closing the window ended Mailbell")
	}
	if n := len(f.sni.Items()); n != 1 {
		t.Errorf("%d tray items after closing the window, want 1", n)
	}
}

// loadPerCPU is the one-minute load average per core.
func loadPerCPU() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	l, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0
	}
	return l / float64(runtime.NumCPU())
}

// startLoopbackDNS answers A queries for the names in hosts (with a
// trailing dot) and NXDOMAIN for everything else (MX, SRV, the ISPDB's
// host): the binary's discovery asks only this server. It returns its
// address.
func startLoopbackDNS(t *testing.T, hosts map[string]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out, err := answerDNS(buf[:n], hosts); err == nil {
				_, _ = pc.WriteTo(out, from)
			}
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return pc.LocalAddr().String()
}

func answerDNS(query []byte, hosts map[string]string) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(q.Name.String())
	ip, known := hosts[name]
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if known && q.Type == dnsmessage.TypeA {
		a := net.ParseIP(ip).To4()
		if err := b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60},
			dnsmessage.AResource{A: [4]byte{a[0], a[1], a[2], a[3]}}); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}
