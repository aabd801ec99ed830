package mail_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

func isExpunged(e mail.Event) bool { _, ok := e.(mail.ExpungedEvent); return ok }

// An EXPUNGE pushed during IDLE becomes an ExpungedEvent that names the
// UID of a message the watcher reported, recent or new, and the counts follow.
func TestExpungeOfReportedMessages(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	old := appendN(t, srv, 3, "old")
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	from := len(r.rec.all())
	fresh := appendN(t, srv, 1, "fresh")
	r.rec.waitFor(t, from, 5*time.Second, "new mail", isNewMail("fresh 0"))

	for _, uid := range []uint32{uint32(old[1]), uint32(fresh[0])} {
		from := len(r.rec.all())
		if err := srv.Expunge(user, "INBOX", imap.UID(uid)); err != nil {
			t.Fatal(err)
		}
		e := eventAt[mail.ExpungedEvent](t, r, r.rec.waitFor(t, from, 5*time.Second, fmt.Sprint("expunge of ", uid), isExpunged))
		if e.Count != 1 || !slices.Equal(e.UIDs, []uint32{uid}) {
			t.Fatalf("expunged %+v, want Count 1 and UID %d", e, uid)
		}
	}
	r.rec.waitFor(t, 0, 5*time.Second, "counts 2/2", counts(2, 2))
	if n := len(r.rec.newUIDs()); n != 1 {
		t.Fatalf("announced %d messages, want 1", n)
	}
}

// A message the watcher never reported (older than its recent list) is
// counted but has no UID in the event.
func TestExpungeOfUnreportedMessage(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	old := appendN(t, srv, 3, "old")
	opts := fast()
	opts.RecentCount = 1 // only "old 2" is reported
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	from := len(r.rec.all())
	if err := srv.Expunge(user, "INBOX", old[0]); err != nil {
		t.Fatal(err)
	}
	e := eventAt[mail.ExpungedEvent](t, r, r.rec.waitFor(t, from, 5*time.Second, "expunge", isExpunged))
	if e.Count != 1 || len(e.UIDs) != 0 {
		t.Fatalf("expunged %+v, want Count 1 and no UID", e)
	}
	r.rec.waitFor(t, from, 5*time.Second, "counts 2/2", counts(2, 2))
}

// A reported message removed while the watcher was disconnected is named
// after the reconnect (Count 0: no EXPUNGE was seen for it).
func TestExpungeWhileDisconnected(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	old := appendN(t, srv, 2, "old")
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	from := whileDown(t, r, srv, func() error { return srv.Expunge(user, "INBOX", old[0]) })
	e := eventAt[mail.ExpungedEvent](t, r, r.rec.waitFor(t, from, 10*time.Second, "expunge found at reconnect", isExpunged))
	if e.Count != 0 || !slices.Equal(e.UIDs, []uint32{uint32(old[0])}) {
		t.Fatalf("expunged %+v, want Count 0 and UID %d", e, old[0])
	}
	r.rec.waitFor(t, from, 5*time.Second, "idle again", isState(mail.StateIdle))
	if n := r.rec.count(isExpunged); n != 1 {
		t.Fatalf("%d ExpungedEvents, want 1", n)
	}
}

// whileDown waits until r idles, stops srv, waits for r's backoff, runs
// change on the stopped server and starts srv again. It returns the index
// of the first event after r was idle: what r finds at the reconnect comes
// after it.
func whileDown(t *testing.T, r *running, srv *imaptest.Server, change func() error) (from int) {
	t.Helper()
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	from = len(r.rec.all())
	srv.Stop()
	r.rec.waitFor(t, from, 5*time.Second, "backoff", isState(mail.StateBackoff))
	if err := change(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	return from
}

func counts(total, unseen int) func(mail.Event) bool {
	return func(e mail.Event) bool {
		c, ok := e.(mail.CountsEvent)
		return ok && c.Total == total && c.Unseen == unseen
	}
}
