package mail

import (
	"context"
	"errors"
	"sync"
)

// errReconnect ends a session that Reconnect cut short.
var errReconnect = errors.New("reconnect asked")

// reconnector lets Reconnect end the running session from any goroutine.
type reconnector struct {
	mu     sync.Mutex
	cancel context.CancelFunc // the running session's, nil between sessions
	asked  bool               // Reconnect was called since the session began
	ch     chan struct{}      // poked by Reconnect: ends a backoff wait
}

// Reconnect drops the connection at once, without waiting for the server
// (after a suspend or a change of network the old one is usually dead
// and only a silence timeout would notice), and connects and syncs again
// at once, cutting any backoff short. Mail that arrived meanwhile is
// reported once, as after any reconnect. Safe from any goroutine.
func (w *Watcher) Reconnect() {
	w.rc.mu.Lock()
	w.rc.asked = true
	if w.rc.cancel != nil {
		w.rc.cancel()
	}
	ch := w.rc.channel()
	w.rc.mu.Unlock()
	poke(ch)
}

// channel is the backoff's wake-up channel; call with mu held.
func (r *reconnector) channel() chan struct{} {
	if r.ch == nil {
		r.ch = make(chan struct{}, 1)
	}
	return r.ch
}

// wait returns the channel a backoff waits on besides its timer.
func (r *reconnector) wait() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.channel()
}

// begin returns the context of a new session, which Reconnect cancels,
// and the function to call when the session is over.
func (r *reconnector) begin(ctx context.Context) (context.Context, func()) {
	sctx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	r.cancel, r.asked = cancel, false
	select { // a poke from before this session is spent
	case <-r.channel():
	default:
	}
	r.mu.Unlock()
	return sctx, func() {
		r.mu.Lock()
		r.cancel = nil
		r.mu.Unlock()
		cancel()
	}
}

// take reports whether Reconnect ended the last session, and forgets it.
func (r *reconnector) take() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	asked := r.asked
	r.asked = false
	return asked
}

// pending reports whether Reconnect was called during this session.
func (r *reconnector) pending() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked
}
