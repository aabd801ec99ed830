package reliability

import (
	"strings"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/mail"
)

// baselines counts the core's "baseline" lines (a UIDVALIDITY change seen).
func (c *coreT) baselines(folder string) int { return c.count("baseline", rigUser, folder, "") }

// noStorm fails if anything but want was announced or notified.
func (c *coreT) noStorm(t *testing.T, want ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, w := range want {
		ok[w] = true
	}
	for _, e := range c.rec.Kind(control.EvNewMail) {
		if !ok[e.Subject] {
			t.Errorf("announced %q (%s/%s uid %d): old mail after a UIDVALIDITY change", e.Subject, e.Account, e.Folder, e.UID)
		}
	}
	for _, n := range c.rec.Notifications() {
		if strings.Contains(n.Summary+n.Body, "Test message") || strings.Contains(n.Summary, "new messages") {
			t.Errorf("notification %q / %q: old mail after a UIDVALIDITY change", n.Summary, n.Body)
		}
	}
}

// TestUIDValidityChangeWhileRunning: invariant 3. INBOX gets a new
// UIDVALIDITY in place (Dovecot disconnects the client) and Work is deleted
// and recreated full of mail while the connection is held off: each folder
// gives one quiet baseline, nothing old is announced or notified, and mail
// that arrives afterwards is announced once.
func TestUIDValidityChangeWhileRunning(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX", "Work")
	if err := r.srv.FillMaildir(rigUser, "INBOX", 40, 10); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.FillMaildir(rigUser, "Work", 40, 10); err != nil {
		t.Fatal(err)
	}
	c := r.start(t, testMail())
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	if n := len(c.rec.Kind(control.EvNewMail)); n != 0 {
		t.Fatalf("first start announced %d old messages", n)
	}

	// INBOX: UIDVALIDITY changed under an idling client. Dovecot says
	// nothing until the session next syncs ("* BYE IMAP session state is
	// inconsistent"); a check makes it sync.
	st, err := r.srv.Status(rigUser, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.srv.SetUIDValidity(rigUser, "INBOX", st.UIDValidity+1000); err != nil {
		t.Fatal(err)
	}
	if err := c.do(control.Command{Cmd: control.CmdCheckNow}); err != nil {
		t.Fatal(err)
	}
	c.wait(15*time.Second, "a baseline for INBOX", func() bool { return c.baselines("INBOX") >= 1 })
	c.wait(15*time.Second, "idle again", c.idle(r.keys()...))
	deliver(t, r.srv, rigUser, "INBOX", "after the INBOX change")
	c.wait(15*time.Second, "the mail after the INBOX change", c.hasMail("after the INBOX change"))

	// Work: deleted and recreated with 60 messages while no connection can
	// reach it, so the watcher finds the new folder complete.
	r.proxy.Refuse(true)
	r.proxy.Cut()
	if err := r.srv.DeleteMailbox(rigUser, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.CreateMailbox(rigUser, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.FillMaildir(rigUser, "Work", 60, 60); err != nil {
		t.Fatal(err)
	}
	r.proxy.Refuse(false)
	c.wait(15*time.Second, "a baseline for Work", func() bool { return c.baselines("Work") >= 1 })
	c.wait(15*time.Second, "idle again", c.idle(r.keys()...))
	deliver(t, r.srv, rigUser, "Work", "after the Work change")
	c.wait(15*time.Second, "the mail after the Work change", c.hasMail("after the Work change"))

	time.Sleep(time.Second) // room for anything late
	if a, b := c.baselines("INBOX"), c.baselines("Work"); a != 1 || b != 1 {
		t.Errorf("baseline lines: INBOX %d, Work %d; want one each", a, b)
	}
	for _, s := range []string{"after the INBOX change", "after the Work change"} {
		if n := c.announced(s); n != 1 {
			t.Errorf("%q announced %d times", s, n)
		}
	}
	c.noStorm(t, "after the INBOX change", "after the Work change")
	if n := len(c.rec.Notifications()); n != 2 {
		t.Errorf("%d notifications, want 2 (one per new message): %+v", n, c.rec.Notifications())
	}
}

// TestUIDValidityChangeBetweenRuns: both folders change while Mailbell is
// not running; the next start gives one quiet baseline each and then works.
func TestUIDValidityChangeBetweenRuns(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX", "Work")
	if err := r.srv.FillMaildir(rigUser, "INBOX", 30, 5); err != nil {
		t.Fatal(err)
	}
	c := r.start(t, testMail())
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	deliver(t, r.srv, rigUser, "INBOX", "first run")
	c.wait(15*time.Second, "the first run's mail", c.hasMail("first run"))
	c.stop()

	st, err := r.srv.Status(rigUser, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.srv.SetUIDValidity(rigUser, "INBOX", st.UIDValidity+7); err != nil {
		t.Fatal(err)
	}
	deliver(t, r.srv, rigUser, "INBOX", "while closed, before nothing")
	if err := r.srv.DeleteMailbox(rigUser, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.CreateMailbox(rigUser, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.FillMaildir(rigUser, "Work", 50, 50); err != nil {
		t.Fatal(err)
	}

	c2 := r.start(t, testMail())
	c2.wait(30*time.Second, "idle after the restart", c2.idle(r.keys()...))
	c2.wait(5*time.Second, "two baselines", func() bool { return c2.baselines("INBOX") == 1 && c2.baselines("Work") == 1 })
	deliver(t, r.srv, rigUser, "Work", "second run")
	c2.wait(15*time.Second, "the second run's mail", c2.hasMail("second run"))
	time.Sleep(time.Second)
	// A message that arrived while closed under a new UIDVALIDITY cannot be
	// told from old mail: the baseline swallows it. That is the design.
	c2.noStorm(t, "second run")
	if n := c2.announced("second run"); n != 1 {
		t.Errorf("announced %d times", n)
	}
	if a, b := c2.baselines("INBOX"), c2.baselines("Work"); a != 1 || b != 1 {
		t.Errorf("baseline lines: INBOX %d, Work %d; want one each", a, b)
	}
}

// TestFolderDeletedUnderWatcher: a watched folder disappears. The watcher
// stops with a clear error (waiting for the user, as the design says for a
// folder that cannot be opened); once the folder is back, a reload resumes
// it with one quiet baseline.
func TestFolderDeletedUnderWatcher(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX", "Work")
	if err := r.srv.FillMaildir(rigUser, "Work", 20, 5); err != nil {
		t.Fatal(err)
	}
	c := r.start(t, testMail())
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	if err := r.srv.DeleteMailbox(rigUser, "Work"); err != nil {
		t.Fatal(err)
	}
	c.wait(15*time.Second, "Work stopped", func() bool { return c.rec.LastState(rigUser, "Work") == string(mail.StateStopped) })
	snapErr := ""
	for _, e := range c.rec.Kind(control.EvState) {
		if e.Folder == "Work" && e.State == string(mail.StateStopped) {
			snapErr = e.Error
		}
	}
	if !strings.Contains(snapErr, "Work") {
		t.Errorf("the error for the deleted folder does not name it: %q", snapErr)
	}
	if s := c.rec.LastState(rigUser, "INBOX"); s != string(mail.StateIdle) {
		t.Errorf("INBOX is %q: the other folder must carry on", s)
	}
	if err := r.srv.CreateMailbox(rigUser, "Work"); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.FillMaildir(rigUser, "Work", 30, 30); err != nil {
		t.Fatal(err)
	}
	if err := c.do(control.Command{Cmd: control.CmdReload}); err != nil {
		t.Fatal(err)
	}
	c.wait(15*time.Second, "Work idle after reload", c.idle(r.keys()...))
	c.wait(5*time.Second, "a baseline for the new Work", func() bool { return c.baselines("Work") == 1 })
	deliver(t, r.srv, rigUser, "Work", "in the new Work")
	c.wait(15*time.Second, "mail in the new Work", c.hasMail("in the new Work"))
	time.Sleep(500 * time.Millisecond)
	c.noStorm(t, "in the new Work")
	t.Logf("error shown for the deleted folder: %q", snapErr)
}

// TestUIDValidityRevealedByNewMail: Dovecot reveals an in-place UIDVALIDITY
// change only at the session's next sync, typically the arrival of mail.
// The watcher then takes a baseline that includes that message: it cannot
// tell it from the old ones. Measured and logged, not asserted either way;
// what is asserted is one quiet baseline and normal work afterwards.
func TestUIDValidityRevealedByNewMail(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX")
	if err := r.srv.FillMaildir(rigUser, "INBOX", 20, 5); err != nil {
		t.Fatal(err)
	}
	c := r.start(t, testMail())
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	st, err := r.srv.Status(rigUser, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.srv.SetUIDValidity(rigUser, "INBOX", st.UIDValidity+3); err != nil {
		t.Fatal(err)
	}
	deliver(t, r.srv, rigUser, "INBOX", "the revealing message")
	c.wait(15*time.Second, "a baseline", func() bool { return c.baselines("INBOX") == 1 })
	c.wait(15*time.Second, "idle again", c.idle(r.keys()...))
	deliver(t, r.srv, rigUser, "INBOX", "after the change")
	c.wait(15*time.Second, "the mail after the change", c.hasMail("after the change"))
	time.Sleep(500 * time.Millisecond)
	c.noStorm(t, "after the change", "the revealing message")
	t.Logf("the message whose arrival revealed the UIDVALIDITY change was announced %d times (the baseline swallows it)",
		c.announced("the revealing message"))
}
