package e2e

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	dbus "github.com/godbus/dbus/v5"

	"mailbell/app/control"
)

// closedMonitor records NotificationClosed signals on the session bus: the
// id and why (1 expired, 2 dismissed, 3 closed by CloseNotification).
type closedMonitor struct {
	conn *dbus.Conn
	ch   chan *dbus.Message
	mu   sync.Mutex
	got  map[uint32]uint32
}

func startClosedMonitor(t *testing.T, address string) *closedMonitor {
	t.Helper()
	conn, err := dbus.Connect(address)
	if err != nil {
		t.Fatal(err)
	}
	m := &closedMonitor{conn: conn, ch: make(chan *dbus.Message, 256), got: map[uint32]uint32{}}
	rule := "type='signal',interface='org.freedesktop.Notifications',member='NotificationClosed'"
	if err := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, []string{rule}, uint32(0)).Err; err != nil {
		conn.Close()
		t.Fatalf("monitor: %v", err)
	}
	conn.Eavesdrop(m.ch)
	go func() {
		for msg := range m.ch {
			if msg.Type != dbus.TypeSignal || len(msg.Body) < 2 {
				continue
			}
			id, _ := msg.Body[0].(uint32)
			reason, _ := msg.Body[1].(uint32)
			m.mu.Lock()
			m.got[id] = reason
			m.mu.Unlock()
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return m
}

func (m *closedMonitor) reason(id uint32) (uint32, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.got[id]
	return r, ok
}

// imapPeer is another mail client of the same mailbox (the phone, webmail).
type imapPeer struct {
	c *imapclient.Client
}

func dialPeer(t *testing.T, w *world) *imapPeer {
	t.Helper()
	c, err := imapclient.DialTLS(w.dc.TLSAddr(), &imapclient.Options{TLSConfig: w.dc.ClientTLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(imapUser, w.password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return &imapPeer{c: c}
}

// read sets \Seen on the messages with these subjects.
func (p *imapPeer) read(t *testing.T, subjects ...string) {
	t.Helper()
	if err := p.c.Noop().Wait(); err != nil { // learn of the mail that came since
		t.Fatal(err)
	}
	var set imap.UIDSet
	for _, s := range subjects {
		data, err := p.c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: s}}}, nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		uids := data.AllUIDs()
		if len(uids) != 1 {
			t.Fatalf("subject %q: UIDs %v, want one", s, uids)
		}
		set.AddNum(uids[0])
	}
	if err := p.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
}

// historyID finds the notification whose summary or body holds sub in
// dunst's history (closed or expired ones), without closing anything.
func historyID(w *world, sub string) (uint32, error) {
	hist, err := w.s.DunstHistory()
	if err != nil {
		return 0, err
	}
	for _, n := range hist {
		if strings.Contains(n.Summary+" "+n.Body, sub) {
			return n.ID, nil
		}
	}
	return 0, fmt.Errorf("no notification with %q in dunst's history:%s", sub, describe(hist))
}

// setMailClient makes a recording program the desktop's default mail
// client (x-scheme-handler/mailto) in the session's private XDG folders.
// It returns the file it writes its arguments to.
func setMailClient(t *testing.T, w *world) string {
	t.Helper()
	out := filepath.Join(w.s.Home, "mail-client-args")
	script := filepath.Join(w.s.Home, "record-mail-client")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' started \"$@\" >> "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	apps := filepath.Join(w.s.DataHome, "applications")
	if err := os.MkdirAll(apps, 0o755); err != nil {
		t.Fatal(err)
	}
	entry := "[Desktop Entry]\nType=Application\nName=Recording Mail\nExec=" + script + " --mail %u\nMimeType=x-scheme-handler/mailto;\n"
	if err := os.WriteFile(filepath.Join(apps, "recording-mail.desktop"), []byte(entry), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(w.s.ConfigHome, 0o755); err != nil {
		t.Fatal(err)
	}
	list := "[Default Applications]\nx-scheme-handler/mailto=recording-mail.desktop\n"
	if err := os.WriteFile(filepath.Join(w.s.ConfigHome, "mimeapps.list"), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 13 on the real parts: Dovecot, dunst on the private bus, the tray
// through the SNI watcher, the default mail client from the XDG files.
func TestOpenAndReadElsewhere(t *testing.T) {
	w := newWorld(t)
	args := setMailClient(t, w)
	closed := startClosedMonitor(t, w.s.BusAddress)
	w.startApp(t)
	item := w.waitReady(t, "Connected")
	peer := dialPeer(t, w)

	// A notification that is shown, waiting for the person.
	shown := func(t *testing.T, n int) {
		t.Helper()
		if err := poll(10*time.Second, 20*time.Millisecond, func() error {
			_, d, _, err := w.s.DunstCounts()
			if err != nil {
				return err
			}
			if d != n {
				return fmt.Errorf("%d shown, want %d", d, n)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	inMenu := func(sub string) (bool, string) {
		m, _, err := w.status(item)
		if err != nil {
			return false, err.Error()
		}
		_, ok := findEntry(m, sub)
		return ok, menuText(m)
	}

	t.Run("click_opens_the_mail_client", func(t *testing.T) {
		subj := w.nextSubject("open me")
		w.deliver(t, subj)
		shown(t, 1)
		screenshot(t, w, "screenshot-notification.png")
		if err := w.s.DunstDefaultAction(0); err != nil {
			t.Fatal(err)
		}
		if err := poll(5*time.Second, 20*time.Millisecond, func() error {
			b, err := os.ReadFile(args)
			if err != nil {
				return err
			}
			if got := strings.Fields(string(b)); len(got) < 2 || got[0] != "started" || got[1] != "--mail" {
				return fmt.Errorf("the client got %q", got)
			}
			return nil
		}); err != nil {
			_, e := w.app.output()
			t.Fatalf("the default mail client was not started: %v; app stderr:\n%s", err, tail(e, 30))
		}
		b, _ := os.ReadFile(args)
		if strings.Contains(string(b), "mailto:") {
			t.Errorf("the client was asked to compose: %q", b)
		}
		if _, err := w.dunst.collect(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("read_elsewhere_single", func(t *testing.T) {
		subj := w.nextSubject("read on the phone")
		w.deliver(t, subj)
		shown(t, 1)
		if ok, menu := inMenu(subj); !ok {
			if err := poll(5*time.Second, 50*time.Millisecond, func() error {
				if ok, _ := inMenu(subj); !ok {
					return fmt.Errorf("not in the menu")
				}
				return nil
			}); err != nil {
				t.Fatalf("the subject never reached the tray menu:\n%s", menu)
			}
		}
		// What the recent window shows: the core's snapshots on the socket.
		socks, _ := filepath.Glob(filepath.Join(w.s.RuntimeDir, "mailbell", "*.sock"))
		if len(socks) != 1 {
			t.Fatalf("control sockets %v, want one", socks)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		client, err := control.Dial(ctx, socks[0])
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		t0 := time.Now()
		peer.read(t, subj)
		shownRead := false
		for !shownRead {
			select {
			case s := <-client.Snapshots():
				for _, m := range s.Recent {
					shownRead = shownRead || (m.Subject == subj && m.Seen)
				}
			case <-ctx.Done():
				t.Fatalf("the recent list never showed %q read", subj)
			}
		}
		t.Logf("recent window's view model shows it read %v after", time.Since(t0).Round(time.Millisecond))
		var id uint32
		if err := poll(5*time.Second, 20*time.Millisecond, func() error {
			var err error
			if id, err = historyID(w, subj); err != nil {
				return err
			}
			if r, ok := closed.reason(id); !ok || r != 3 {
				return fmt.Errorf("notification %d: closed %v, reason %d", id, ok, r)
			}
			if ok, _ := inMenu(subj); ok {
				return fmt.Errorf("still in the tray menu")
			}
			return nil
		}); err != nil {
			_, e := w.app.output()
			t.Fatalf("read elsewhere: %v; app stderr:\n%s", err, tail(e, 30))
		}
		t.Logf("read elsewhere → pop-up closed (reason 3, by the app) and menu entry gone in %v", time.Since(t0).Round(time.Millisecond))
		if _, err := w.dunst.collect(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("read_elsewhere_summary", func(t *testing.T) {
		var subs []string
		for i := range 12 { // Dovecot pushes every 0.5 s: more than 3 in one batch
			subs = append(subs, w.nextSubject(fmt.Sprintf("burst %d", i)))
		}
		for _, s := range subs {
			w.deliver(t, s)
		}
		// One summary (perhaps after a first single): wait for it.
		var summaryID uint32
		if err := poll(10*time.Second, 50*time.Millisecond, func() error {
			for _, c := range w.mon.since(time.Time{}) {
				if strings.Contains(c.Summary, "new messages in "+accountName) {
					return nil
				}
			}
			return fmt.Errorf("no summary yet")
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(settle) // the batch window closes: the summary is final
		t0 := time.Now()
		peer.read(t, subs[len(subs)-1], subs[len(subs)-2])
		if err := poll(5*time.Second, 20*time.Millisecond, func() error {
			for _, c := range w.mon.since(t0) {
				if c.ReplacesID != 0 && strings.Contains(c.Summary, "new message") {
					summaryID = c.ReplacesID
					return nil
				}
			}
			return fmt.Errorf("no rewording of the summary:%s", describeCalls(w.mon.since(t0), t0))
		}); err != nil {
			t.Fatal(err)
		}
		t.Logf("summary %d reworded %v after two were read elsewhere: %s", summaryID, time.Since(t0).Round(time.Millisecond), describeCalls(w.mon.since(t0), t0))
		t1 := time.Now()
		peer.read(t, subs...)
		if err := poll(5*time.Second, 20*time.Millisecond, func() error {
			if r, ok := closed.reason(summaryID); !ok || r != 3 {
				return fmt.Errorf("summary %d: closed %v reason %d", summaryID, ok, r)
			}
			for _, s := range subs {
				if ok, _ := inMenu(s); ok {
					return fmt.Errorf("%q still in the tray menu", s)
				}
			}
			return nil
		}); err != nil {
			_, e := w.app.output()
			t.Fatalf("all read elsewhere: %v; app stderr:\n%s", err, tail(e, 30))
		}
		t.Logf("all read elsewhere → summary closed (reason 3) and the menu empty of them in %v", time.Since(t1).Round(time.Millisecond))
		if _, err := w.dunst.collect(); err != nil {
			t.Fatal(err)
		}
	})
	w.stopApp(t)
}

// screenshot saves the X screen's top-right corner (where dunst shows its
// pop-ups) as an artifact, and as docs/<name> when MAILBELL_SCREENSHOTS
// names the docs folder.
func screenshot(t *testing.T, w *world, name string) {
	t.Helper()
	full := w.art.path("screen-" + name)
	if err := w.s.Screenshot(full); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	w.saveCrop(t, full, func(b image.Rectangle) image.Rectangle {
		return image.Rect(b.Max.X-340, 0, b.Max.X, 140)
	}, name)
}

// saveCrop writes the part crop picks of the screenshot full as name, in
// MAILBELL_SCREENSHOTS (the docs folder) if set, else in the artifacts.
func (w *world) saveCrop(t *testing.T, full string, crop func(screen image.Rectangle) image.Rectangle, name string) {
	t.Helper()
	f, err := os.Open(full)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		t.Fatalf("%s: %T cannot be cropped", full, img)
	}
	dir := os.Getenv("MAILBELL_SCREENSHOTS")
	if dir == "" {
		dir = w.art.dir
	}
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, sub.SubImage(crop(img.Bounds()).Intersect(img.Bounds()))); err != nil {
		t.Fatal(err)
	}
}
