package cli

import (
	"log/slog"
	"slices"
	"sync"
	"testing"

	"mailbell/app/policy"
	"mailbell/platform/notify"
)

// fakeServer is a notify.Notifier that records what it was asked.
type fakeServer struct {
	mu     sync.Mutex
	next   uint32
	shown  []notify.Notification
	closed []uint32
}

func (f *fakeServer) Notify(n notify.Notification) (uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shown = append(f.shown, n)
	if n.ReplacesID != 0 {
		return n.ReplacesID, nil
	}
	f.next++
	return f.next, nil
}
func (f *fakeServer) CloseNotification(id uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, id)
	return nil
}
func (f *fakeServer) SupportsActions() bool              { return true }
func (f *fakeServer) Actions() <-chan notify.ActionEvent { return nil }
func (f *fakeServer) Closed() <-chan notify.ClosedEvent  { return nil }
func (f *fakeServer) Close() error                       { return nil }
func (f *fakeServer) state() ([]notify.Notification, []uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.shown), slices.Clone(f.closed)
}

// A single pop-up whose message was read elsewhere is closed; a summary
// is reworded with what is left, then closed; a notification for messages
// already read is not shown; the others stay.
func TestRetract(t *testing.T) {
	srv := &fakeServer{}
	d := &desktopNotifier{n: srv, log: slog.Default(), keys: map[uint32][]string{}}
	must := func(p policy.Notification) {
		t.Helper()
		if err := d.Show(p); err != nil {
			t.Fatal(err)
		}
	}
	must(policy.Notification{Summary: "Ann", Body: "one", Keys: []string{"a/INBOX/1/1"}})                                          // id 1
	must(policy.Notification{Summary: "Bob", Body: "two", Keys: []string{"a/INBOX/1/2"}})                                          // id 2
	must(policy.Notification{Summary: "3 new messages", Keys: []string{"a/INBOX/1/3", "a/INBOX/1/4", "a/INBOX/1/5"}, Group: true}) // id 3
	var asked [][]string
	summary := func(left []string) (policy.Notification, bool) {
		asked = append(asked, left)
		return policy.Notification{Summary: "2 new messages", Keys: left, Group: true}, true
	}

	d.Retract([]string{"a/INBOX/1/1", "a/INBOX/1/4"}, summary)
	shown, closed := srv.state()
	if !slices.Equal(closed, []uint32{1}) {
		t.Fatalf("closed %v, want [1]", closed)
	}
	if last := shown[len(shown)-1]; last.ReplacesID != 3 || last.Summary != "2 new messages" || len(asked) != 1 ||
		!slices.Equal(asked[0], []string{"a/INBOX/1/3", "a/INBOX/1/5"}) {
		t.Fatalf("summary replaced by %+v (asked %v)", last, asked)
	}
	if last := shown[len(shown)-1]; !slices.ContainsFunc(last.Actions, func(a notify.Action) bool { return a.Key == actionShow }) {
		t.Errorf("reworded summary lost its actions: %+v", last.Actions)
	}

	d.Retract([]string{"a/INBOX/1/3", "a/INBOX/1/5"}, func([]string) (policy.Notification, bool) {
		t.Fatal("a summary with nothing left was reworded")
		return policy.Notification{}, false
	})
	if _, closed := srv.state(); !slices.Equal(closed, []uint32{1, 3}) {
		t.Fatalf("closed %v, want [1 3]", closed)
	}

	before, _ := srv.state()
	must(policy.Notification{Summary: "Ann", Body: "one again", Keys: []string{"a/INBOX/1/1"}})
	if after, _ := srv.state(); len(after) != len(before) {
		t.Fatal("a notification for a message read elsewhere was shown")
	}
	if _, closed := srv.state(); slices.Contains(closed, 2) {
		t.Fatal("the unread message's pop-up was closed")
	}
}
