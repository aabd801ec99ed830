package app_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/policy"
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
