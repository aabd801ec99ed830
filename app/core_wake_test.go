package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/internal/testenv/faultproxy"
	"mailbell/internal/testenv/imaptest"
)

// wake: every watcher drops its (dead) connection and syncs at once; the
// mail that came during the "sleep" is announced once.
func TestWakeReconnectsAndAnnouncesOnce(t *testing.T) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"work": "pw-work"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	proxy, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	dir := t.TempDir()
	writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"work","host":"127.0.0.1","port":%d,"security":"plain","username":"work"}]}`, proxy.Port()))
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("idle", h.allIdle(1))

	proxy.Blackhole(true) // asleep
	deliver(t, srv, "work", "INBOX", "while asleep")
	resumed := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := h.core.Do(ctx, control.Command{Cmd: control.CmdWake}); err != nil {
		t.Fatal(err)
	}
	proxy.Blackhole(false)
	h.waitFor("the mail from the sleep", func() bool { return len(h.events(control.EvNewMail)) == 1 })
	if d := time.Since(resumed); d > 3*time.Second {
		t.Fatalf("announced %s after the wake, want < 3 s", d)
	}
	if n := proxy.Accepted(); n != 2 {
		t.Fatalf("%d connections, want 2: the wake reconnected", n)
	}
	deliver(t, srv, "work", "INBOX", "marker")
	h.waitFor("marker", func() bool { return len(h.events(control.EvNewMail)) == 2 })
	if evs := h.events(control.EvNewMail); evs[0].Subject != "while asleep" || evs[1].Subject != "marker" {
		t.Fatalf("announced %+v", evs)
	}
}
