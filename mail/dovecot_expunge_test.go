package mail_test

import (
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/mail"
)

// expungeElsewhere deletes a message the way another mail client does:
// SELECT, flag it \Deleted, EXPUNGE.
func expungeElsewhere(t *testing.T, s *dovecottest.Server, uid uint32) {
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
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}

// Dovecot pushes EXPUNGE to the idling watcher, which names the UID of the
// message it announced; the counts follow.
func TestDovecotExpungeOfAnnouncedMessage(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	deliver(t, s, "old")
	r := start(t, dovecotAccount(s, mail.SecurityTLS), "INBOX", mail.Position{}, dovecotOpts())
	r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))
	from := len(r.rec.all())
	deliver(t, s, "to be deleted")
	i := r.rec.waitFor(t, from, 10*time.Second, "new mail", isNewMail("to be deleted"))
	nm, ok := r.rec.all()[i].(mail.NewMailEvent)
	if !ok || len(nm.Messages) != 1 {
		t.Fatalf("new mail event %+v", r.rec.all()[i])
	}
	uid := nm.Messages[0].UID

	from = len(r.rec.all())
	expungeElsewhere(t, s, uid)
	e := expungedAt(t, r, r.rec.waitFor(t, from, 10*time.Second, "the expunge", isExpunged))
	if e.Count != 1 || !slices.Equal(e.UIDs, []uint32{uid}) {
		t.Fatalf("expunged %+v, want Count 1 and UID %d", e, uid)
	}
	r.rec.waitFor(t, from, 5*time.Second, "counts 1/1", counts(1, 1))
}
