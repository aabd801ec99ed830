package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/internal/testenv/faultproxy"
	"mailbell/internal/testenv/systembus"
)

// matchMonitor records the AddMatch rules sent on a bus: once the app's
// rule for PrepareForSleep is there, it hears logind.
type matchMonitor struct {
	mu    sync.Mutex
	rules []string
}

func startMatchMonitor(t *testing.T, address string) *matchMonitor {
	t.Helper()
	conn, err := dbus.Connect(address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	rule := "type='method_call',interface='org.freedesktop.DBus',member='AddMatch'"
	if err := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, []string{rule}, uint32(0)).Err; err != nil {
		t.Fatalf("system bus monitor: %v", err)
	}
	m := &matchMonitor{}
	ch := make(chan *dbus.Message, 64)
	conn.Eavesdrop(ch)
	go func() {
		for msg := range ch {
			if len(msg.Body) > 0 {
				if r, ok := msg.Body[0].(string); ok {
					m.mu.Lock()
					m.rules = append(m.rules, r)
					m.mu.Unlock()
				}
			}
		}
	}()
	return m
}

func (m *matchMonitor) has(sub string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rules {
		if strings.Contains(r, sub) {
			return true
		}
	}
	return false
}

// Resume: logind (a stand-in on a private system bus) says
// PrepareForSleep(true), the path to Dovecot blackholes ("asleep") while
// mail arrives, then PrepareForSleep(false) and the path is back: the app
// logs in again and announces the mail once, within 3 s of the signal —
// not after a silence timeout (minutes).
func TestWakeAfterSuspend(t *testing.T) {
	w := newWorld(t)
	bus, err := systembus.Start("", 10*time.Second)
	if err != nil {
		t.Fatalf("system bus: %v", err)
	}
	t.Cleanup(func() { bus.Close() })
	matches := startMatchMonitor(t, bus.Address)
	logind, err := dbus.Connect(bus.Address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logind.Close() })
	if reply, err := logind.RequestName("org.freedesktop.login1", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("logind stand-in: %v %v", reply, err)
	}
	prepare := func(sleeping bool) {
		t.Helper()
		if err := logind.Emit("/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", sleeping); err != nil {
			t.Fatal(err)
		}
	}

	// Dovecot behind the fault proxy.
	proxy, err := faultproxy.New(w.dc.TLSAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	cfgPath := filepath.Join(w.cfgDir, "config.json")
	var cfg map[string]any
	data, err := os.ReadFile(cfgPath)
	if err == nil {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg["accounts"].([]any)[0].(map[string]any)["port"] = proxy.Port()
	data, _ = json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(cfgPath, data, 0o600); err != nil {
		t.Fatal(err)
	}

	w.runs++
	w.app = startApp(t, w.art, fmt.Sprintf("mailbell-run%d", w.runs), w.bin,
		append(w.s.Env(), "DBUS_SYSTEM_BUS_ADDRESS="+bus.Address), w.s.Home, "--config-dir", w.cfgDir, "--debug")
	w.waitReady(t, "Connected")
	if err := poll(10*time.Second, 20*time.Millisecond, func() error {
		if !matches.has("PrepareForSleep") {
			return fmt.Errorf("the app never subscribed to PrepareForSleep")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.dunst.collect(); err != nil {
		t.Fatal(err)
	}
	loginsBefore, _ := w.logins(t)
	before, err := w.dunst.total()
	if err != nil {
		t.Fatal(err)
	}

	prepare(true)
	proxy.Blackhole(true) // asleep: the connection is there but dead
	subj := w.nextSubject("during sleep")
	w.deliver(t, subj)

	t0 := time.Now()
	prepare(false) // resumed
	proxy.Blackhole(false)
	seen, err := w.dunst.waitTotal(before+1, 3*time.Second)
	if err != nil {
		_, e := w.app.output()
		t.Fatalf("no notification within 3 s of the resume: %v; app stderr:\n%s", err, tail(e, 30))
	}
	logins, _ := w.logins(t)
	t.Logf("resume → notification in %v; logins %d → %d", seen.Sub(t0).Round(time.Millisecond), loginsBefore, logins)
	if logins != loginsBefore+1 {
		t.Errorf("logins %d → %d: want one new login (the reconnect)", loginsBefore, logins)
	}
	time.Sleep(settle) // a duplicate would come within the batch window
	got, err := w.dunst.collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Summary+" "+got[0].Body, subj) {
		t.Fatalf("after the resume: %d notifications, want the one from the sleep once:%s", len(got), describe(got))
	}
	if _, e := w.app.output(); !strings.Contains(e, "woke up: reconnecting") {
		t.Errorf("the app's log does not say it woke up; stderr:\n%s", tail(e, 20))
	}
	w.stopApp(t)
}
