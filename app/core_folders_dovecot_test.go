package app_test

import (
	"fmt"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/internal/testenv/dovecottest"
)

// Against Dovecot with special-use folders: "*" watches INBOX and Lists,
// not the Junk, Trash, Sent and Drafts folders known only by their attributes;
// and Junk chosen by name beside "*" is watched but never notifies.
func TestDovecotAllFoldersAndJunk(t *testing.T) {
	dc := dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{"alice": "pw-alice"}, ExtraConfig: dovecottest.SpecialUseFolders})
	dir := t.TempDir()
	ca := writeCA(t, dir, dc)
	writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"d","host":"127.0.0.1","port":%d,"security":"tls","username":"alice","ca_file":%q,
 "folders":["*","Unerwünscht"]}]}`, dc.TLSPort(), ca))
	h := newHarness(t, dir, newStore(map[string]string{"d": "pw-alice"}))
	h.waitFor("INBOX, Lists and the junk folder idle", func() bool {
		return fmt.Sprint(watched(h)) == "[INBOX Lists Unerwünscht]" && h.allIdle(3)()
	})
	msg := func(subject string) []byte {
		return dovecottest.Message("Ann <ann@example.com>", "alice@example.com", subject, time.Now())
	}
	for folder, subject := range map[string]string{"Unerwünscht": "spam", "Papierkorb": "binned", "Lists": "list post"} {
		if err := dc.Deliver("alice", folder, msg(subject)); err != nil {
			t.Fatal(err)
		}
	}
	h.waitFor("spam listed and the list post", func() bool { return len(h.events(control.EvNewMail)) == 2 })
	if err := dc.Deliver("alice", "INBOX", msg("marker")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("marker", func() bool { return len(h.events(control.EvNewMail)) == 3 })
	h.waitFor("notifications", func() bool { return len(h.notifications()) >= 2 })
	for _, e := range h.events(control.EvNewMail) {
		if e.Folder == "Papierkorb" {
			t.Fatalf("Trash watched: %+v", e)
		}
	}
	for _, n := range h.notifications() {
		if n.Body == "spam" {
			t.Fatalf("Junk notified: %+v", n)
		}
	}
}
