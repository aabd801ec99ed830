package desktoptest

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// assertGone checks that every pid has exited and that nothing else still
// carries the session root in its environment.
func assertGone(t *testing.T, s *Session, pids []int) {
	t.Helper()
	for _, pid := range pids {
		out, err := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
		if err == nil && !strings.HasPrefix(strings.TrimSpace(string(out)), "Z") {
			t.Errorf("pid %d still running after Close (ps stat %q)", pid, strings.TrimSpace(string(out)))
		}
	}
	leaked, err := LeakedProcesses(s.Root)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaked) > 0 {
		out, _ := exec.Command("ps", "-o", "pid,stat,args", "-p", strings.Join(strings.Fields(fmtInts(leaked)), ",")).CombinedOutput()
		t.Errorf("processes outlived the session: %v\n%s", leaked, out)
	}
}

func fmtInts(v []int) string {
	var b strings.Builder
	for _, n := range v {
		b.WriteString(strconv.Itoa(n) + " ")
	}
	return b.String()
}

func TestSandboxOnly(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	env := envMap(s.Env())
	for k, want := range map[string]string{
		"HOME":            s.Home,
		"XDG_CONFIG_HOME": s.ConfigHome,
		"XDG_DATA_HOME":   s.DataHome,
		"XDG_CACHE_HOME":  s.CacheHome,
		"XDG_RUNTIME_DIR": s.RuntimeDir,
		"LANG":            "C.UTF-8",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
		if !strings.HasPrefix(env[k], s.Root) && k != "LANG" {
			t.Errorf("%s = %q is outside the root %s", k, env[k], s.Root)
		}
	}
	if _, ok := env["DISPLAY"]; ok {
		t.Errorf("DISPLAY set without X: %q", env["DISPLAY"])
	}
	if !strings.HasPrefix(env["DBUS_SESSION_BUS_ADDRESS"], "unix:path="+s.RuntimeDir) {
		t.Errorf("without a bus, DBUS_SESSION_BUS_ADDRESS = %q, want a dead socket in the root", env["DBUS_SESSION_BUS_ADDRESS"])
	}
	if env["PATH"] == "" {
		t.Error("PATH not inherited")
	}
	fi, err := os.Stat(s.RuntimeDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("XDG_RUNTIME_DIR mode %v, want 0700", fi.Mode().Perm())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Root); !os.IsNotExist(err) {
		t.Errorf("root %s not removed: %v", s.Root, err)
	}
}

func TestSetenv(t *testing.T) {
	t.Setenv("DISPLAY", ":4242")
	before := os.Getenv("HOME")
	t.Run("inner", func(t *testing.T) {
		s, err := Start(Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.Setenv(t)
		if got := os.Getenv("HOME"); got != s.Home {
			t.Errorf("HOME = %q, want %q", got, s.Home)
		}
		if dir, _ := os.UserConfigDir(); dir != s.ConfigHome {
			t.Errorf("os.UserConfigDir() = %q, want %q", dir, s.ConfigHome)
		}
		if _, ok := os.LookupEnv("DISPLAY"); ok {
			t.Error("DISPLAY still set inside a session without X")
		}
	})
	if got := os.Getenv("HOME"); got != before {
		t.Errorf("HOME not restored: %q, want %q", got, before)
	}
	if got := os.Getenv("DISPLAY"); got != ":4242" {
		t.Errorf("DISPLAY not restored: %q", got)
	}
}

func TestSetProcessEnv(t *testing.T) {
	t.Setenv("DISPLAY", ":4242") // t.Setenv restores it even if this test fails
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	home := os.Getenv("HOME")
	restore := s.SetProcessEnv()
	if os.Getenv("HOME") != s.Home || os.Getenv("DISPLAY") != "" {
		t.Errorf("HOME=%q DISPLAY=%q after SetProcessEnv", os.Getenv("HOME"), os.Getenv("DISPLAY"))
	}
	restore()
	if os.Getenv("HOME") != home || os.Getenv("DISPLAY") != ":4242" {
		t.Errorf("HOME=%q DISPLAY=%q after restore", os.Getenv("HOME"), os.Getenv("DISPLAY"))
	}
}

// TestFullSession starts everything once and checks each helper, then that
// Close leaves no process behind.
func TestFullSession(t *testing.T) {
	t0 := time.Now()
	s, err := Start(Options{Dunst: true, Keyring: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("session up in %v: display %s, bus %s", time.Since(t0).Round(time.Millisecond), s.Display, s.BusAddress)
	pids := s.PIDs()
	if len(pids) != 4 {
		t.Fatalf("want 4 children (xvfb, dbus, keyring, dunst), got %v", pids)
	}

	for _, name := range []string{"org.freedesktop.Notifications", "org.freedesktop.secrets"} {
		if ok, err := s.NameHasOwner(name); err != nil || !ok {
			t.Errorf("%s owned = %v, %v", name, ok, err)
		}
	}

	t.Run("xdpyinfo", func(t *testing.T) {
		out, err := s.Command("xdpyinfo").CombinedOutput()
		if err != nil {
			t.Fatalf("xdpyinfo: %v\n%s", err, out)
		}
		if !bytes.Contains(out, []byte("1024x768 pixels")) {
			t.Errorf("unexpected screen:\n%s", out)
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shot.png")
		if err := s.Screenshot(path); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1024 || b.Dy() != 768 {
			t.Errorf("screenshot is %v", b)
		}
	})

	t.Run("secret-tool", func(t *testing.T) {
		if _, err := s.SecretToolLookup("mailbell", "nobody"); !errors.Is(err, ErrSecretNotFound) {
			t.Fatalf("lookup of a missing item: %v, want ErrSecretNotFound", err)
		}
		if err := s.SecretToolStore("mailbell", "acct1", "pa ss\u00e9"); err != nil {
			t.Fatal(err)
		}
		got, err := s.SecretToolLookup("mailbell", "acct1")
		if err != nil || got != "pa ss\u00e9" {
			t.Fatalf("lookup = %q, %v", got, err)
		}
		if err := s.SecretToolClear("mailbell", "acct1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SecretToolLookup("mailbell", "acct1"); !errors.Is(err, ErrSecretNotFound) {
			t.Fatalf("lookup after clear: %v", err)
		}
		// The keyring lives inside the sandbox, not in the real HOME.
		if _, err := os.Stat(filepath.Join(s.DataHome, "keyrings", "login.keyring")); err != nil {
			t.Errorf("login keyring not in the sandbox: %v", err)
		}
	})

	t.Run("dunst", func(t *testing.T) {
		conn, err := dbus.Connect(s.BusAddress)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.Notifications")); err != nil {
			t.Fatal(err)
		}
		sigs := make(chan *dbus.Signal, 10)
		conn.Signal(sigs)
		var id uint32
		err = conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications").Call(
			"org.freedesktop.Notifications.Notify", 0, "dtest", uint32(0), "", "Hello", "World",
			[]string{"default", "Open", "other", "Other"}, map[string]dbus.Variant{}, int32(-1)).Store(&id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DunstAction(id, "other"); err != nil {
			t.Fatal(err)
		}
		waitAction(t, sigs, id, "other")
		if err := s.DunstDefaultAction(0); err != nil {
			t.Fatal(err)
		}
		waitAction(t, sigs, id, "default")
		if err := s.DunstAction(id, "missing"); err == nil {
			t.Error("DunstAction for a key the notification lacks succeeded")
		}
		if _, displayed, _, err := s.DunstCounts(); err != nil || displayed != 1 {
			t.Errorf("displayed = %d, %v; want 1", displayed, err)
		}
		if err := s.DunstCloseAll(); err != nil {
			t.Fatal(err)
		}
		h, err := s.DunstHistory()
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].ID != id || h[0].Summary != "Hello" || h[0].Body != "World" || h[0].AppName != "dtest" || h[0].DefaultAction != "default" {
			t.Errorf("history = %+v", h)
		}
	})

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, s, pids)
}

func waitAction(t *testing.T, sigs chan *dbus.Signal, id uint32, key string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case sig := <-sigs:
			if sig.Name == "org.freedesktop.Notifications.ActionInvoked" && len(sig.Body) == 2 &&
				sig.Body[0] == id && sig.Body[1] == key {
				return
			}
		case <-timeout:
			t.Fatalf("no ActionInvoked(%d, %q)", id, key)
		}
	}
}

// TestCloseKillsStubbornChild: a child that ignores SIGTERM is killed after
// the grace period, and so is a grandchild in its process group.
func TestCloseKillsStubbornChild(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := s.start(startSpec{name: "stubborn", argv: []string{"sh", "-c", "trap '' TERM; sleep 300 & sleep 300; wait"}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let sh install the trap and fork
	if err := p.stop(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, s, []int{p.cmd.Process.Pid})
}

// TestStartFailureCleansUp: when a service cannot start, Start stops what it
// already started and says why.
func TestStartFailureCleansUp(t *testing.T) {
	bin := t.TempDir()
	// A gnome-keyring-daemon that dies at once.
	if err := os.WriteFile(filepath.Join(bin, "gnome-keyring-daemon"), []byte("#!/bin/sh\necho broken keyring >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	parent := t.TempDir()
	s, err := Start(Options{Keyring: true, TempDir: parent})
	if err == nil {
		s.Close()
		t.Fatal("Start succeeded with a broken keyring daemon")
	}
	if !strings.Contains(err.Error(), "broken keyring") {
		t.Errorf("error does not show the daemon's log: %v", err)
	}
	// The dbus-daemon started before the keyring must be gone, and the root
	// removed.
	if leaked, _ := LeakedProcesses(parent); len(leaked) > 0 {
		t.Errorf("processes left behind: %v", leaked)
	}
	if left, _ := filepath.Glob(filepath.Join(parent, "desktoptest-*")); len(left) > 0 {
		t.Errorf("root left behind: %v", left)
	}
}

// TestLeakedProcessesSeesStrays proves the leak check can fail: a process
// started with the session's environment and not stopped is reported.
func TestLeakedProcessesSeesStrays(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmd := s.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// The kernel fills /proc/PID/environ a moment after the exec that
	// Start waited for: poll with a deadline.
	var leaked []int
	for deadline := time.Now().Add(5 * time.Second); ; {
		if leaked, err = LeakedProcesses(s.Root); err != nil {
			t.Fatal(err)
		}
		if len(leaked) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(leaked) != 1 || leaked[0] != cmd.Process.Pid {
		t.Fatalf("LeakedProcesses = %v, want [%d]", leaked, cmd.Process.Pid)
	}
}

func TestStopOne(t *testing.T) {
	s, err := Start(Options{Keyring: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pid := s.PID("keyring")
	if pid == 0 || s.PID("dunst") != 0 {
		t.Fatalf("PID(keyring) = %d, PID(dunst) = %d", pid, s.PID("dunst"))
	}
	if err := s.Stop("keyring"); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop("nothing"); err == nil {
		t.Error("Stop of an unknown child succeeded")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		owned, err := s.NameHasOwner("org.freedesktop.secrets")
		if err != nil {
			t.Fatal(err)
		}
		if !owned {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("org.freedesktop.secrets still owned after Stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("keyring pid %d still exists", pid)
	}
}
