package bareclient

import (
	"fmt"
	"sync"
	"time"
)

// Arrivals records when a client first reported each subject.
type Arrivals struct {
	mu   sync.Mutex
	at   map[string]time.Time
	more chan struct{}
}

// NewArrivals returns an empty record.
func NewArrivals() *Arrivals {
	return &Arrivals{at: map[string]time.Time{}, more: make(chan struct{}, 1)}
}

// Note records subject at t, unless it arrived before.
func (a *Arrivals) Note(subject string, t time.Time) {
	a.mu.Lock()
	if _, dup := a.at[subject]; !dup {
		a.at[subject] = t
	}
	a.mu.Unlock()
	select {
	case a.more <- struct{}{}:
	default:
	}
}

// Get is when subject arrived.
func (a *Arrivals) Get(subject string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[subject]
	return t, ok
}

// More receives a value (coalesced) after each Note.
func (a *Arrivals) More() <-chan struct{} { return a.more }

// WaitAll waits until every subject has arrived.
func (a *Arrivals) WaitAll(subjects []string, d time.Duration) error {
	deadline := time.After(d)
	for {
		missing := ""
		for _, s := range subjects {
			if _, ok := a.Get(s); !ok {
				missing = s
				break
			}
		}
		if missing == "" {
			return nil
		}
		select {
		case <-a.More():
		case <-deadline:
			return fmt.Errorf("%q never reported within %s", missing, d)
		}
	}
}
