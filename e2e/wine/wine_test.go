//go:build linux

package wine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/proctest"
	"mailbell/internal/testenv/winetest"
)

const accountID = "acct1"

// settle is how long a check keeps watching for extra lines after the
// expected ones: past the core's 1 s batch window.
const settle = 2 * time.Second

// TestWindowsCoreUnderWine runs mailbell.exe (GOOS=windows, CGO_ENABLED=0,
// as shipped) headless under Wine against Dovecot: the password goes into
// Wine's Credential Manager through platform/secrets and comes out of it in
// the core; config and state live under %APPDATA%\mailbell (no
// --config-dir); the control channel is the named pipe. Checks, in order:
// new mail announced once, check_now answered over the pipe, a second
// launch refused, restart without repeats, a wrong password stops after one
// refused login.
func TestWindowsCoreUnderWine(t *testing.T) {
	wp := winetest.New(t)
	bin := t.TempDir()
	exe := winetest.Build(t, bin, "mailbell", "mailbell")
	probe := winetest.Build(t, bin, "mailbell/internal/testenv/winetest/probe", "probe")
	dc := dovecottest.StartT(t, dovecottest.Options{})

	// The password through go-keyring's Credential Manager backend: written
	// by one Windows process, read back by another (and later by the core).
	if _, err := wp.Run(dovecottest.DefaultPassword+"\n", probe, "keyring-set", accountID); err != nil {
		t.Fatalf("keyring set under Wine: %v", err)
	}
	got, err := wp.Run("", probe, "keyring-get", accountID)
	if err != nil {
		t.Fatalf("keyring get under Wine: %v", err)
	}
	sum := sha256.Sum256([]byte(dovecottest.DefaultPassword))
	if strings.TrimSpace(got) != hex.EncodeToString(sum[:]) {
		t.Fatalf("keyring round trip under Wine: got a different password back (sha256 %s)", strings.TrimSpace(got))
	}

	// The default config folder on Windows is %APPDATA%\mailbell.
	cfgDirWin, err := wp.Run("", probe, "config-dir")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimSpace(cfgDirWin), `\AppData\Roaming\mailbell`) {
		t.Errorf("default config folder under Wine is %q, want %%APPDATA%%\\mailbell", strings.TrimSpace(cfgDirWin))
	}
	cfgDir := filepath.Join(wp.AppData(t), "mailbell")
	writeConfig(t, cfgDir, dc)

	sock := `C:\mailbell-test\control.sock`
	top := t // cores outlive the subtest that starts them
	core := startCore(top, wp, exe, sock)
	core.waitLine(t, 60*time.Second, `"state":"idle"`)
	if ok, _ := logins(t, dc); ok != 1 {
		t.Errorf("logins after start: %d, want 1", ok)
	}

	t.Run("new_mail_once", func(t *testing.T) {
		deliver(t, dc, "wine-first")
		core.waitLine(t, 30*time.Second, `"subject":"wine-first"`)
		time.Sleep(settle)
		if n := core.count(`"subject":"wine-first"`); n != 1 {
			t.Errorf("new_mail lines for wine-first: %d, want 1", n)
		}
	})

	t.Run("check_now_over_the_pipe", func(t *testing.T) {
		out, err := wp.Run("", probe, "call", sock, "check_now")
		if err != nil {
			t.Fatalf("check_now over the named pipe: %v", err)
		}
		var ev struct {
			Event string `json:"event"`
			OK    *bool  `json:"ok"`
		}
		if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Event != "reply" || ev.OK == nil || !*ev.OK {
			t.Fatalf("check_now reply %q (%v), want an ok reply", out, err)
		}
	})

	t.Run("second_launch_refused", func(t *testing.T) {
		second := proctest.Start(t, "mailbell.exe-second", "wine", proctest.Options{
			Env: wp.Env(envSocket + "=" + sock), Stderr: &lockedBuffer{},
		}, exe, "--headless")
		code, err := second.Wait(60 * time.Second)
		if err != nil || code == 0 {
			t.Errorf("a second headless core while one runs: exit %d, %v; want refused", code, err)
		}
	})

	t.Run("restart_no_repeat", func(t *testing.T) {
		okBefore, _ := logins(t, dc)
		core.quit(t, wp, probe, sock)
		if _, err := os.Stat(filepath.Join(cfgDir, "state.json")); err != nil {
			t.Errorf("no state.json under %%APPDATA%%\\mailbell after quit: %v", err)
		}
		core = startCore(top, wp, exe, sock)
		core.waitLine(t, 60*time.Second, `"state":"idle"`)
		time.Sleep(settle)
		if n := core.count(`"event":"new_mail"`); n != 0 {
			t.Errorf("after restart: %d new_mail lines for mail already announced:\n%s", n, core.text())
		}
		if ok, _ := logins(t, dc); ok != okBefore+1 {
			t.Errorf("logins after restart: %d, want %d", ok, okBefore+1)
		}
		deliver(t, dc, "wine-after-restart")
		core.waitLine(t, 30*time.Second, `"subject":"wine-after-restart"`)
		time.Sleep(settle)
		if n := core.count(`"event":"new_mail"`); n != 1 {
			t.Errorf("after restart and one delivery: %d new_mail lines, want 1:\n%s", n, core.text())
		}
	})

	// platform/autostart's Run value, read back by Windows' own reg.exe.
	t.Run("autostart_run_key", func(t *testing.T) {
		target := `C:\Program Files\Mail bell\mailbell.exe`
		if _, err := wp.Run("", probe, "autostart-enable", target); err != nil {
			t.Fatal(err)
		}
		if out, err := wp.Run("", probe, "autostart-status"); err != nil || strings.TrimSpace(out) != "enabled" {
			t.Errorf("after Enable: status %q, %v", out, err)
		}
		out, err := wp.Run("", "reg", "query", `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, "/v", "Mailbell")
		if err != nil || !strings.Contains(out, `"`+target+`" --from-login`) {
			t.Errorf("reg query of the Run value: %q, %v; want the quoted path and its argument", out, err)
		}
		if _, err := wp.Run("", probe, "autostart-disable"); err != nil {
			t.Fatal(err)
		}
		if out, err := wp.Run("", probe, "autostart-status"); err != nil || strings.TrimSpace(out) != "disabled" {
			t.Errorf("after Disable: status %q, %v", out, err)
		}
	})

	// Toasts: Wine 8 has no Windows.Data.Xml.Dom or ToastNotificationManager,
	// so no toast can show. What runs: the AppUserModelID registration, and
	// the WinRT path failing with an error instead of a crash or a hang.
	t.Run("toast_registration", func(t *testing.T) {
		out, err := wp.Run("", probe, "toast")
		if err != nil {
			t.Fatalf("toast under Wine: %v", err)
		}
		t.Logf("toast under Wine: %s", strings.TrimSpace(out))
		reg, err := wp.Run("", "reg", "query", `HKCU\Software\Classes\AppUserModelId\Mailbell`)
		if err != nil || !strings.Contains(reg, "CustomActivator") || !strings.Contains(reg, "DisplayName") {
			t.Errorf("AppUserModelId registration: %q, %v", reg, err)
		}
	})

	t.Run("wrong_password_one_login", func(t *testing.T) {
		core.quit(t, wp, probe, sock)
		if _, err := wp.Run("not-the-password\n", probe, "keyring-set", accountID); err != nil {
			t.Fatal(err)
		}
		_, failedBefore := logins(t, dc)
		core = startCore(top, wp, exe, sock)
		core.waitLine(t, 60*time.Second, `"state":"stopped"`)
		time.Sleep(5 * time.Second) // no retry storm: watch the server a while
		_, failedAfter := logins(t, dc)
		if n := failedAfter - failedBefore; n < 1 || n > 2 {
			t.Errorf("failed logins in Dovecot's log after a wrong password: %d, want 1 (2 at most)", n)
		}
		core.quit(t, wp, probe, sock)
	})

	t.Run("tray_under_wine", func(t *testing.T) { trayUnderWine(t, wp, exe, probe) })
}

// envSocket is control.EnvSocket; spelled out so this package builds
// without the app.
const envSocket = "MAILBELL_SOCKET"

func writeConfig(t *testing.T, dir string, dc *dovecottest.Server) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"accounts": []map[string]any{{
		"id": accountID, "name": "Wine", "host": dc.Host(), "port": dc.TLSPort(), "security": "tls",
		"username": dovecottest.DefaultUser, "ca_file": winetest.WindowsPath(dc.CAFile()),
	}}}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func deliver(t *testing.T, dc *dovecottest.Server, subject string) {
	t.Helper()
	msg := dovecottest.Message("Ann <ann@example.com>", dovecottest.DefaultUser+"@example.com", subject, time.Now())
	if err := dc.Deliver(dovecottest.DefaultUser, "INBOX", msg); err != nil {
		t.Fatalf("deliver: %v", err)
	}
}

func logins(t *testing.T, dc *dovecottest.Server) (ok, failed int) {
	t.Helper()
	ok, failed, err := dc.LoginAttempts(dovecottest.DefaultUser)
	if err != nil {
		t.Fatal(err)
	}
	return ok, failed
}

// core is one run of mailbell.exe --headless under Wine and its stdout.
type core struct {
	p      *proctest.Proc
	stderr *lockedBuffer
	mu     sync.Mutex
	lines  []string
	more   chan struct{}
}

func startCore(t *testing.T, wp *winetest.Prefix, exe, sock string) *core {
	t.Helper()
	c := &core{stderr: &lockedBuffer{}, more: make(chan struct{}, 1)}
	c.p = proctest.Start(t, "mailbell.exe", "wine", proctest.Options{
		Env:    wp.Env(envSocket + "=" + sock),
		Stderr: c.stderr,
		Grace:  5 * time.Second,
		Lines: func(l []byte) {
			c.mu.Lock()
			c.lines = append(c.lines, string(l))
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
		},
	}, exe, "--headless")
	return c
}

func (c *core) count(want string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, l := range c.lines {
		if strings.Contains(l, want) {
			n++
		}
	}
	return n
}

func (c *core) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

// waitLine waits until a stdout line contains want.
func (c *core) waitLine(t *testing.T, d time.Duration, want string) {
	t.Helper()
	deadline := time.After(d)
	for c.count(want) == 0 {
		select {
		case <-c.more:
		case <-c.p.Done():
			if c.count(want) == 0 {
				t.Fatalf("mailbell.exe exited before a line with %s:\n%s\nstderr:\n%s", want, c.text(), c.stderr)
			}
		case <-deadline:
			t.Fatalf("no line with %s within %v:\n%s\nstderr:\n%s", want, d, c.text(), c.stderr)
		}
	}
}

// quit asks the core to quit over the control channel (a SIGTERM to wine
// would end the Windows process without its shutdown) and waits for it.
func (c *core) quit(t *testing.T, wp *winetest.Prefix, probe, sock string) {
	t.Helper()
	if _, err := wp.Run("", probe, "call", sock, "quit"); err != nil {
		// The reply can lose the race with the exit; the exit status says.
		t.Logf("quit over the named pipe: %v", err)
	}
	if code, err := c.p.Wait(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("mailbell.exe after quit: exit %d, %v\nstderr:\n%s", code, err, c.stderr)
	}
}

// lockedBuffer is an io.Writer safe for the child's stderr copier and the
// test reading it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
