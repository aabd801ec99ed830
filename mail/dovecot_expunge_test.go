package mail_test

import (
	"slices"
	"testing"
	"time"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/mail"
)

// Dovecot pushes EXPUNGE to the idling watcher, which names the UID of the
// message it announced; the counts follow.
func TestDovecotExpungeOfAnnouncedMessage(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	deliver(t, s, "old")
	r := start(t, dovecotAccount(s, mail.SecurityTLS), "INBOX", mail.Position{}, dovecotOpts())
	r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))
	uid := deliverAnnounced(t, r, s, "to be deleted")

	from := len(r.rec.all())
	expungeElsewhere(t, s, uid)
	e := eventAt[mail.ExpungedEvent](t, r, r.rec.waitFor(t, from, 10*time.Second, "the expunge", isExpunged))
	if e.Count != 1 || !slices.Equal(e.UIDs, []uint32{uid}) {
		t.Fatalf("expunged %+v, want Count 1 and UID %d", e, uid)
	}
	r.rec.waitFor(t, from, 5*time.Second, "counts 1/1", counts(1, 1))
}
