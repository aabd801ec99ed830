package mail_test

import (
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

func isFlags(e mail.Event) bool { _, ok := e.(mail.FlagsEvent); return ok }

// A message read elsewhere while the watcher idles: the server pushes
// FETCH FLAGS, the watcher names the UID it reported, then the counts
// follow; marked unread again, it is named in Unseen.
func TestFlagsReadElsewhere(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	old := appendN(t, srv, 2, "old")
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	from := len(r.rec.all())
	fresh := appendN(t, srv, 1, "fresh")
	r.rec.waitFor(t, from, 5*time.Second, "new mail", isNewMail("fresh 0"))
	r.rec.waitFor(t, from, 5*time.Second, "counts 3/3", counts(3, 3))

	for _, uid := range []imap.UID{fresh[0], old[0]} {
		from := len(r.rec.all())
		if err := srv.AddFlags(user, "INBOX", uid, imap.FlagSeen); err != nil {
			t.Fatal(err)
		}
		e := eventAt[mail.FlagsEvent](t, r, r.rec.waitFor(t, from, 5*time.Second, "read elsewhere", isFlags))
		if !slices.Equal(e.Seen, []uint32{uint32(uid)}) || len(e.Unseen) != 0 {
			t.Fatalf("flags %+v, want Seen [%d]", e, uid)
		}
	}
	r.rec.waitFor(t, 0, 5*time.Second, "counts 3/1", counts(3, 1))

	from = len(r.rec.all())
	if err := srv.RemoveFlags(user, "INBOX", fresh[0], imap.FlagSeen); err != nil {
		t.Fatal(err)
	}
	e := eventAt[mail.FlagsEvent](t, r, r.rec.waitFor(t, from, 5*time.Second, "unread again", isFlags))
	if len(e.Seen) != 0 || !slices.Equal(e.Unseen, []uint32{uint32(fresh[0])}) {
		t.Fatalf("flags %+v, want Unseen [%d]", e, fresh[0])
	}
	// Another flag (\Flagged) changes nothing the watcher reports.
	from = len(r.rec.all())
	if err := srv.AddFlags(user, "INBOX", old[1], imap.FlagFlagged); err != nil {
		t.Fatal(err)
	}
	r.rec.waitFor(t, from, 5*time.Second, "synced", isSynced)
	if n := r.rec.count(isFlags); n != 3 {
		t.Fatalf("%d FlagsEvents, want 3: %s", n, describe(r.rec.all()))
	}
}

// Read while the watcher was disconnected: named after the reconnect.
func TestFlagsReadWhileDisconnected(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	old := appendN(t, srv, 2, "old")
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	from := whileDown(t, r, srv, func() error { return srv.AddFlags(user, "INBOX", old[1], imap.FlagSeen) })
	e := eventAt[mail.FlagsEvent](t, r, r.rec.waitFor(t, from, 10*time.Second, "read found at reconnect", isFlags))
	if !slices.Equal(e.Seen, []uint32{uint32(old[1])}) {
		t.Fatalf("flags %+v, want Seen [%d]", e, old[1])
	}
}

// Dovecot pushes FETCH FLAGS to the idling watcher when another client
// reads an announced message.
func TestDovecotReadElsewhere(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	r := start(t, dovecotAccount(s, mail.SecurityTLS), "INBOX", mail.Position{}, dovecotOpts())
	r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))
	uid := deliverAnnounced(t, r, s, "to be read")
	from := len(r.rec.all())
	start := time.Now()
	readElsewhere(t, s, uid)
	e := eventAt[mail.FlagsEvent](t, r, r.rec.waitFor(t, from, 5*time.Second, "read elsewhere", isFlags))
	if !slices.Equal(e.Seen, []uint32{uid}) {
		t.Fatalf("flags %+v, want Seen [%d]", e, uid)
	}
	t.Logf("read elsewhere → FlagsEvent in %s", time.Since(start).Round(time.Millisecond))
	r.rec.waitFor(t, from, 5*time.Second, "counts 1/0", counts(1, 0))
}
