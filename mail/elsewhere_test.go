package mail_test

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/mail"
)

// deliverAnnounced delivers a message with subject to s's INBOX, waits
// (10 s) for r to announce it alone, and returns its UID.
func deliverAnnounced(t *testing.T, r *running, s *dovecottest.Server, subject string) uint32 {
	t.Helper()
	from := len(r.rec.all())
	deliver(t, s, subject)
	i := r.rec.waitFor(t, from, 10*time.Second, "new mail", isNewMail(subject))
	nm, ok := r.rec.all()[i].(mail.NewMailEvent)
	if !ok || len(nm.Messages) != 1 {
		t.Fatalf("new mail event %+v", r.rec.all()[i])
	}
	return nm.Messages[0].UID
}

// readElsewhere marks a message \Seen the way another mail client does.
func readElsewhere(t *testing.T, s *dovecottest.Server, uid uint32) {
	t.Helper()
	elsewhere(t, s, uid, imap.FlagSeen, false)
}

// expungeElsewhere deletes a message the way another mail client does:
// SELECT, flag it \Deleted, EXPUNGE.
func expungeElsewhere(t *testing.T, s *dovecottest.Server, uid uint32) {
	t.Helper()
	elsewhere(t, s, uid, imap.FlagDeleted, true)
}

// elsewhere is another mail client on s: it logs in over TLS, SELECTs
// INBOX, adds flag to message uid (silently), EXPUNGEs if expunge, and
// logs out. Any failure fails the test.
func elsewhere(t *testing.T, s *dovecottest.Server, uid uint32, flag imap.Flag, expunge bool) {
	t.Helper()
	c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{TLSConfig: s.ClientTLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	set := imap.UIDSetNum(imap.UID(uid))
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{flag}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if expunge {
		if err := c.Expunge().Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}
