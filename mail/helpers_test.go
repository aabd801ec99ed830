package mail_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"mailbell/mail"
)

// recorder collects a watcher's events and lets a test wait for one.
type recorder struct {
	mu     sync.Mutex
	events []mail.Event
	signal chan struct{}
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) emit(e mail.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []mail.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mail.Event(nil), r.events...)
}

// waitFor waits until match accepts an event recorded after index from,
// and returns that event's index.
func (r *recorder) waitFor(t *testing.T, from int, d time.Duration, what string, match func(mail.Event) bool) int {
	t.Helper()
	deadline := time.After(d)
	for {
		evs := r.all()
		for i := from; i < len(evs); i++ {
			if match(evs[i]) {
				return i
			}
		}
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("no %s within %s; events: %s", what, d, describe(evs[from:]))
			return -1
		}
	}
}

func describe(evs []mail.Event) string {
	s := ""
	for _, e := range evs {
		switch e := e.(type) {
		case mail.StateEvent:
			s += fmt.Sprintf("\n  state %s err=%v", e.State, e.Err)
		case mail.NewMailEvent:
			s += fmt.Sprintf("\n  new %d msgs pos=%+v", len(e.Messages), e.Position)
		default:
			s += fmt.Sprintf("\n  %T %+v", e, e)
		}
	}
	return s
}

// newMail returns the UIDs of all NewMailEvents, in order.
func (r *recorder) newUIDs() []uint32 {
	var uids []uint32
	for _, e := range r.all() {
		if nm, ok := e.(mail.NewMailEvent); ok {
			for _, m := range nm.Messages {
				uids = append(uids, m.UID)
			}
		}
	}
	return uids
}

// eventAt returns the event at index i as an E (a FlagsEvent, an
// ExpungedEvent, …), failing the test when there is none or it is another kind.
func eventAt[E mail.Event](t *testing.T, r *running, i int) E {
	t.Helper()
	evs := r.rec.all()
	if i < 0 || i >= len(evs) {
		t.Fatalf("no event %d among %d", i, len(evs))
	}
	e, ok := evs[i].(E)
	if !ok {
		t.Fatalf("event %d is %T, not %T", i, evs[i], e)
	}
	return e
}

func isSynced(e mail.Event) bool { _, ok := e.(mail.SyncedEvent); return ok }

// lastEvent is the last event recorded, failing the test when there is none.
func lastEvent(t *testing.T, r *running) mail.Event {
	t.Helper()
	evs := r.rec.all()
	if len(evs) == 0 {
		t.Fatal("no event recorded")
	}
	return evs[len(evs)-1]
}

func isState(s mail.State) func(mail.Event) bool {
	return func(e mail.Event) bool {
		se, ok := e.(mail.StateEvent)
		return ok && se.State == s
	}
}

func isNewMail(subject string) func(mail.Event) bool {
	return func(e mail.Event) bool {
		nm, ok := e.(mail.NewMailEvent)
		if !ok {
			return false
		}
		for _, m := range nm.Messages {
			if m.Subject == subject {
				return true
			}
		}
		return false
	}
}

// running is a watcher under test.
type running struct {
	rec    *recorder
	w      *mail.Watcher
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returns; err is then set
	err    error
}

// wait waits up to d for Run to return by itself and returns its error.
func (r *running) wait(t *testing.T, d time.Duration, why string) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(d):
		t.Fatalf("Run did not return within %s: %s", d, why)
		return nil
	}
}

func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.wait(t, 5*time.Second, "cancelled")
}

func start(t *testing.T, acct mail.Account, folder string, pos mail.Position, opts mail.Options) *running {
	t.Helper()
	rec := newRecorder()
	if opts.BackoffMin == 0 {
		opts.BackoffMin = 50 * time.Millisecond
	}
	if opts.BackoffMax == 0 {
		opts.BackoffMax = 500 * time.Millisecond
	}
	w := mail.NewWatcher(acct, folder, pos, opts, rec.emit)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{rec: rec, w: w, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = w.Run(ctx)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Error("watcher did not stop")
		}
	})
	return r
}

func password(pw string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return pw, nil }
}

var errNoPassword = errors.New("keyring locked")
