package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/policy"
	"mailbell/internal/testenv/imaptest"
)

// retractor records notifications and what the core takes back.
type retractor struct {
	mu        sync.Mutex
	shown     []policy.Notification
	retracted [][]string
	summaries []policy.Notification
	open      map[string]bool // keys on screen
}

func (r *retractor) Show(n policy.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shown = append(r.shown, n)
	for _, k := range n.Keys {
		r.open[k] = true
	}
	return nil
}

func (r *retractor) Retract(gone []string, summary func([]string) (policy.Notification, bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retracted = append(r.retracted, gone)
	var left []string
	for k := range r.open {
		if slices.Contains(gone, k) {
			delete(r.open, k)
		} else {
			left = append(left, k)
		}
	}
	slices.Sort(left)
	if n, ok := summary(left); ok {
		r.summaries = append(r.summaries, n)
	}
}

func (r *retractor) state() (shown int, retracted [][]string, summaries []policy.Notification) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.shown), slices.Clone(r.retracted), slices.Clone(r.summaries)
}

// Read elsewhere → gone here: the server's FETCH FLAGS (another client sets
// \Seen) and EXPUNGE reach the core, which marks the recent messages read,
// drops them from the unseen count, tells the notifier to take them back,
// words the summary of what is left, and says so on its output.
func TestReadElsewhereRetracts(t *testing.T) {
	srv, cfg := twoAccounts(t)
	dir := t.TempDir()
	writeConfig(t, dir, cfg)
	r := &retractor{open: map[string]bool{}}
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work", "home": "pw-home"}), func(o *app.Options) { o.Notifier = r })
	h.waitFor("idle", h.allIdle(3))
	var uids []imap.UID
	for _, s := range []string{"one", "two", "three", "four", "five"} {
		uid, err := srv.Append("home", "INBOX", []byte("From: Ann <ann@example.com>\r\nSubject: "+s+"\r\n\r\nbody\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, uid)
	}
	h.waitFor("5 announced and a summary", func() bool {
		r.mu.Lock()
		onScreen := len(r.open)
		r.mu.Unlock()
		return len(h.events(control.EvNewMail)) == 5 && onScreen == 5 && h.core.Snapshot().Unseen == 5
	})
	if err := srv.AddFlags("home", "INBOX", uids[0], imap.FlagSeen); err != nil {
		t.Fatal(err)
	}
	if err := srv.Expunge("home", "INBOX", uids[1]); err != nil {
		t.Fatal(err)
	}
	h.waitFor("two taken back, count 3", func() bool { // the seen one, then the expunged one
		_, ret, _ := r.state()
		return len(ret) == 2 && h.core.Snapshot().Unseen == 3 && len(h.events(app.EvSeen)) == 1 && len(h.events(app.EvExpunged)) == 1
	})
	_, _, sums := r.state()
	if len(sums) != 2 || sums[1].Summary != "3 new messages in Home" || len(sums[1].Keys) != 3 || sums[1].Body != "from Ann" {
		t.Fatalf("summaries %+v", sums)
	}
	seen := 0
	for _, m := range h.core.Snapshot().Recent {
		if m.Account == "home" && m.Seen {
			seen++
		}
	}
	if seen != 2 {
		t.Fatalf("%d home messages shown read, want 2: %+v", seen, h.core.Snapshot().Recent)
	}
	if ev := h.events(app.EvSeen)[0]; ev.UID != uint32(uids[0]) || ev.Account != "home" || ev.Folder != "INBOX" {
		t.Fatalf("seen event %+v", ev)
	}
}

// "count": "new" counts the mail that came since the person last looked
// (opened the window or their mail), still unread.
func TestCountNew(t *testing.T) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"work": "pw-work"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	deliver(t, srv, "work", "INBOX", "old unread")
	dir := t.TempDir()
	writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"work","host":"127.0.0.1","port":%d,"security":"plain","username":"work"}],
 "preferences":{"notifications":true,"idle_refresh_minutes":9,"poll_seconds":60,"count":"new","hide_when_empty":true}}`, srv.Port()))
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}), func(o *app.Options) {
		o.SpawnWindow = func(string, string) error { return nil }
	})
	h.waitFor("idle", h.allIdle(1))
	if s := h.core.Snapshot(); s.Unseen != 0 || !s.CountsNew || !s.HideWhenEmpty {
		t.Fatalf("at start: unseen %d, counts new %v, hide %v; want 0 (the unread one is not new)", s.Unseen, s.CountsNew, s.HideWhenEmpty)
	}
	deliver(t, srv, "work", "INBOX", "new one")
	deliver(t, srv, "work", "INBOX", "new two")
	h.waitFor("2 new", func() bool { return h.core.Snapshot().Unseen == 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := h.core.Do(ctx, control.Command{Cmd: control.CmdShowWindow}); err != nil {
		t.Fatal(err)
	}
	if n := h.core.Snapshot().Unseen; n != 0 {
		t.Fatalf("after the window was shown: %d new, want 0", n)
	}
	deliver(t, srv, "work", "INBOX", "new three")
	h.waitFor("1 new", func() bool { return h.core.Snapshot().Unseen == 1 })
	// Opening the tray menu is looking too (the tray sends "looked").
	if _, err := h.core.Do(ctx, control.Command{Cmd: control.CmdLooked}); err != nil {
		t.Fatal(err)
	}
	if n := h.core.Snapshot().Unseen; n != 0 {
		t.Fatalf("after the tray menu was opened: %d new, want 0", n)
	}
	deliver(t, srv, "work", "INBOX", "new four")
	h.waitFor("1 new again", func() bool { return h.core.Snapshot().Unseen == 1 })
}
