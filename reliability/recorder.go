package reliability

import (
	"sync"
	"time"

	"mailbell/app/control"
	"mailbell/app/policy"
)

// Stamped is one event from the core with the moment it was output.
type Stamped struct {
	At time.Time
	control.Event
}

// Recorder collects what a core outputs (app.Options.Output) and what it
// would show as notifications (app.Notifier), with timestamps.
type Recorder struct {
	mu     sync.Mutex
	events []Stamped
	shown  []policy.Notification
	signal chan struct{}
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{signal: make(chan struct{}, 1)} }

// Output is the function to put in app.Options.Output.
func (r *Recorder) Output(ev control.Event) {
	now := time.Now()
	r.mu.Lock()
	r.events = append(r.events, Stamped{At: now, Event: ev})
	r.mu.Unlock()
	r.poke()
}

// Show implements app.Notifier.
func (r *Recorder) Show(n policy.Notification) error {
	r.mu.Lock()
	r.shown = append(r.shown, n)
	r.mu.Unlock()
	r.poke()
	return nil
}

func (r *Recorder) poke() {
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// Events returns a copy of everything recorded so far.
func (r *Recorder) Events() []Stamped {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Stamped(nil), r.events...)
}

// Len is how many events were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// Kind returns the events of one kind (control.EvNewMail, control.EvState, "baseline").
func (r *Recorder) Kind(kind string) []Stamped {
	var out []Stamped
	for _, e := range r.Events() {
		if e.Event.Event == kind {
			out = append(out, e)
		}
	}
	return out
}

// Notifications returns what the core asked to show.
func (r *Recorder) Notifications() []policy.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]policy.Notification(nil), r.shown...)
}

// LastState is the latest state of account/folder ("" when none yet).
func (r *Recorder) LastState(account, folder string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		e := r.events[i]
		if e.Event.Event == control.EvState && e.Account == account && e.Folder == folder {
			return e.State
		}
	}
	return ""
}

// Wait polls ok until it holds or d passes; it reports whether it held.
func (r *Recorder) Wait(d time.Duration, ok func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-deadline.C:
			return ok()
		case <-r.signal:
		case <-tick.C:
		}
	}
	return true
}
