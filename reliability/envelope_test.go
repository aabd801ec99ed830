package reliability

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"mailbell/app/control"
	"mailbell/app/text"
	"mailbell/internal/testenv/imaptest"
)

// checkClean fails unless s is what may reach a notification, a window or
// stdout: valid UTF-8, one line, no control, bidi or invisible format
// characters, at most maxRunes runes (+1 for "…").
func checkClean(t testing.TB, what, s string, maxRunes int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s is not valid UTF-8: %q", what, s)
	}
	for _, r := range s {
		switch {
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			t.Errorf("%s holds control character %U: %q", what, r, clip(s))
			return
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			t.Errorf("%s holds bidi control %U: %q", what, r, clip(s))
			return
		case r == 0x200b, r == 0xfeff:
			t.Errorf("%s holds invisible %U: %q", what, r, clip(s))
			return
		}
	}
	if n := utf8.RuneCountInString(s); n > maxRunes+1 {
		t.Errorf("%s is %d runes long (limit %d)", what, n, maxRunes)
	}
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// envelopeRig is an in-memory IMAP server and a core watching its INBOX,
// shared by the iterations of FuzzEnvelope.
type envelopeRig struct {
	srv *imaptest.Server
	c   *coreT
}

var (
	envOnce sync.Once
	envRig  *envelopeRig
)

// hostileHeaders are the seeds of FuzzEnvelope beyond the committed corpus
// (testdata/fuzz/FuzzEnvelope): the two that are too big to commit.
func hostileHeaders() map[string]string {
	var to strings.Builder
	to.WriteString("To: ")
	for i := range 10000 {
		if i > 0 {
			to.WriteString(",\r\n ")
		}
		fmt.Fprintf(&to, "\"R\u202e%d\" <r%d@example.com>", i, i)
	}
	return map[string]string{
		"1 MB subject":      "From: Big <big@example.com>\r\nSubject: " + strings.Repeat("=?utf-8?q?=E2=80=AEx?= \x1b[31m", 1<<20/24) + "\r\n",
		"10,000 recipients": "From: Many <many@example.com>\r\n" + to.String() + "\r\nSubject: =?koi8-r?b?8NLJ18XU?= to many\r\n",
	}
}

// FuzzEnvelope drives the whole path from a message's header to what the
// user sees: an IMAP server (imaptest) stores the message, the watcher
// fetches its ENVELOPE, the core turns it into a new_mail line, a recent
// entry and a notification. Every input must be announced (hostile mail is
// still mail), sanitized, and nothing may panic.
func FuzzEnvelope(f *testing.F) {
	for _, h := range hostileHeaders() {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		rig := envelopeRigFor(t)
		msg := append(append([]byte{}, header...), "\r\n\r\nbody\r\n"...)
		uid, err := rig.srv.Append("fuzz", "INBOX", msg)
		if err != nil {
			return // the server refused it: nothing reached the client
		}
		var ev control.Event
		ok := rig.c.rec.Wait(15*time.Second, func() bool {
			for _, e := range rig.c.rec.Kind(control.EvNewMail) {
				if e.UID == uint32(uid) {
					ev = e.Event
					return true
				}
			}
			return false
		})
		if !ok {
			t.Fatalf("UID %d (header %q) was never announced; state %q", uid, clip(string(header)),
				rig.c.rec.LastState("fuzz", "INBOX"))
		}
		checkClean(t, "subject", ev.Subject, text.SubjectMax)
		checkClean(t, "sender", ev.From, text.NameMax)
		for _, m := range rig.c.core.Snapshot().Recent {
			checkClean(t, "recent subject", m.Subject, text.SubjectMax)
			checkClean(t, "recent sender", m.From, text.NameMax)
			checkClean(t, "recent address", m.FromAddr, 200)
		}
		for _, n := range rig.c.rec.Notifications() {
			checkClean(t, "notification summary", n.Summary, 400)
			checkClean(t, "notification body", n.Body, 400)
		}
	})
}

// envelopeRigFor starts the shared rig on first use. It lives for the whole
// test binary: the fuzz engine calls the target many times per process.
func envelopeRigFor(t *testing.T) *envelopeRig {
	envOnce.Do(func() {
		srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"fuzz": "fuzz-pw"}})
		if err != nil {
			panic(err)
		}
		dir, err := tempDir("mailbell-envelope-")
		if err != nil {
			panic(err)
		}
		if err := WriteConfig(dir, Account{ID: "fuzz", Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: "fuzz"}); err != nil {
			panic(err)
		}
		// The rig outlives this test: a core of its own, stopped by TestMain.
		c := startDetachedCore(dir, memStore(map[string]string{"fuzz": "fuzz-pw"}), testMail())
		if !c.rec.Wait(15*time.Second, c.idle("fuzz/INBOX")) {
			panic("envelope rig: core not idle")
		}
		envRig = &envelopeRig{srv: srv, c: c}
		atExit(func() {
			c.stop()
			srv.Close()
		})
	})
	if envRig == nil {
		t.Fatal("envelope rig did not start")
	}
	return envRig
}

// TestHostileHeadersThroughDovecot sends the hostile seeds through a real
// Dovecot too (its parser differs from the in-memory server's).
func TestHostileHeadersThroughDovecot(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX")
	c := r.start(t, testMail())
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	seeds := hostileHeaders()
	for name, h := range corpusSeeds(t) {
		seeds[name] = h
	}
	for name, h := range seeds {
		if err := r.srv.Deliver(rigUser, "INBOX", []byte(h+"\r\nbody\r\n")); err != nil {
			t.Errorf("%s: Dovecot refused it: %v", name, err)
		}
	}
	c.wait(30*time.Second, "every hostile message", func() bool { return len(c.rec.Kind(control.EvNewMail)) >= len(seeds) })
	time.Sleep(500 * time.Millisecond)
	evs := c.rec.Kind(control.EvNewMail)
	if len(evs) != len(seeds) {
		t.Errorf("%d announcements for %d messages", len(evs), len(seeds))
	}
	for _, e := range evs {
		checkClean(t, fmt.Sprintf("uid %d subject", e.UID), e.Subject, text.SubjectMax)
		checkClean(t, fmt.Sprintf("uid %d sender", e.UID), e.From, text.NameMax)
	}
	for _, n := range c.rec.Notifications() {
		checkClean(t, "notification summary", n.Summary, 400)
		checkClean(t, "notification body", n.Body, 400)
	}
	for _, e := range c.rec.Kind(control.EvState) {
		if e.State == "backoff" || e.State == "stopped" {
			t.Errorf("hostile headers broke the connection: %s %q", e.State, e.Error)
		}
	}
}
