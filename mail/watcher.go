package mail

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Watcher keeps one folder of one account under watch: connect, log in,
// EXAMINE, catch up by UID, then IDLE (or NOOP-poll) and fetch what arrives.
// On any I/O or protocol error it reconnects with backoff; on a permanent
// error (see IsPermanent) it stops.
type Watcher struct {
	acct   Account
	folder string
	opts   Options
	emit   func(Event)
	check  chan struct{}

	// Owned by the Run goroutine.
	pos       Position
	lastState StateEvent
	counts    CountsEvent
	tracked   tracked     // reported UIDs followed for ExpungedEvent
	seen      seenSet     // tracked UIDs known \Seen, for FlagsEvent (flags.go)
	rc        reconnector // Reconnect (reconnect.go)
}

// NewWatcher prepares a watcher; nothing happens until Run. emit is called
// from the Run goroutine, in order; it must not block for long.
func NewWatcher(acct Account, folder string, pos Position, opts Options, emit func(Event)) *Watcher {
	return &Watcher{
		acct:   acct,
		folder: folder,
		opts:   opts.withDefaults(),
		emit:   emit,
		check:  make(chan struct{}, 1),
		pos:    pos,
		counts: CountsEvent{Total: -1, Unseen: -1},
	}
}

// CheckNow asks for a sync at once: it ends IDLE or a poll wait, or cuts a
// backoff short. Safe from any goroutine.
func (w *Watcher) CheckNow() { poke(w.check) }

// Run watches until ctx ends (it returns nil) or a permanent error (returned).
func (w *Watcher) Run(ctx context.Context) error {
	log := w.opts.Logger.With("host", w.acct.Host, "user", w.acct.Username, "folder", w.folder)
	bo := backoff{min: w.opts.BackoffMin, max: w.opts.BackoffMax}
	for {
		sctx, end := w.rc.begin(ctx)
		healthySince, err := w.session(sctx)
		end()
		if ctx.Err() != nil {
			w.setState(StateEvent{State: StateStopped})
			return nil
		}
		if w.rc.take() { // woke up: the old connection is likely dead
			log.Info("reconnecting at once", "was", err)
			bo.reset()
			continue
		}
		if IsPermanent(err) {
			log.Warn("watcher stopped", "err", err)
			w.setState(StateEvent{State: StateStopped, Err: err})
			return err
		}
		if quietRenewal(err, healthySince, w.opts.BackoffMin) {
			// The access token expired (or is about to) on a session that
			// worked: log in again at once, no backoff for the user to see.
			log.Info("renewing the login with a fresh access token", "why", err)
			continue
		}
		if !healthySince.IsZero() && time.Since(healthySince) >= w.opts.HealthyAfter {
			bo.reset()
		}
		delay := bo.next()
		log.Info("connection lost; will retry", "err", err, "in", delay.Round(time.Millisecond))
		w.setState(StateEvent{State: StateBackoff, Err: err, NextTry: time.Now().Add(delay), Attempt: bo.attempt})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			w.setState(StateEvent{State: StateStopped})
			return nil
		case <-w.check:
			t.Stop()
		case <-w.rc.wait():
			t.Stop()
		case <-t.C:
		}
	}
}

// session runs one connection until it fails or ctx ends. healthySince is
// when the connection became ready (zero if it never did).
func (w *Watcher) session(ctx context.Context) (healthySince time.Time, err error) {
	w.setState(StateEvent{State: StateConnecting})
	u := newUnilateral()
	opts := w.opts
	s, err := dial(ctx, w.acct, opts, u, func() { w.setState(StateEvent{State: StateAuthenticating}) })
	if err != nil {
		return time.Time{}, err
	}
	polite := true
	defer func() { s.close(polite && ctx.Err() != nil && !w.rc.pending()) }()

	w.setState(StateEvent{State: StateSyncing})
	data, err := s.examine(w.folder)
	if err != nil {
		return time.Time{}, err
	}
	u.total.Store(int64(data.NumMessages))
	if err := w.syncSelected(s, data); err != nil {
		return time.Time{}, err
	}
	if err := w.updateCounts(s, u); err != nil {
		return time.Time{}, err
	}
	healthySince = time.Now()
	w.emit(SyncedEvent{At: healthySince})
	caps := s.client.Caps()
	canIdle := caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)

	for {
		var forced bool
		if canIdle {
			forced, err = w.idleOnce(ctx, s, u)
		} else {
			forced, err = w.pollOnce(ctx, s, u)
		}
		if ctx.Err() != nil {
			polite = err == nil
			return healthySince, nil
		}
		if err != nil {
			return healthySince, err
		}
		if err := w.catchUp(s, u, forced); err != nil {
			return healthySince, err
		}
		w.emit(SyncedEvent{At: time.Now()})
	}
}

// idleOnce runs one IDLE until something happens, then ends it. forced is
// true when a sync was asked for regardless of what the server said.
func (w *Watcher) idleOnce(ctx context.Context, s *session, u *unilateral) (forced bool, err error) {
	if pending(u) {
		return false, nil
	}
	stop := s.guardCommand()
	cmd, err := s.client.Idle()
	stop()
	if err != nil {
		return false, s.wrapErr("IDLE", err)
	}
	w.setState(StateEvent{State: StateIdle})

	refresh := time.NewTimer(s.opts.IdleRefresh)
	defer refresh.Stop()
	var renew <-chan time.Time // the access token's end is near (renew.go)
	if d, ok := s.renewIn(time.Now()); ok {
		t := time.NewTimer(d)
		defer t.Stop()
		renew = t.C
	}
	renewing := false
	silence := time.NewTimer(s.opts.SilenceLimit)
	defer silence.Stop()
	probe := false
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-s.client.Closed():
			return false, s.serverClosed()
		case <-u.exists:
			poke(u.exists) // handled by catchUp
			break wait
		case <-u.changed:
			poke(u.changed)
			break wait
		case <-w.check:
			forced = true
			break wait
		case <-refresh.C:
			break wait
		case <-renew:
			renewing = true
			break wait
		case <-silence.C:
			if quiet := s.conn.silentFor(); quiet < s.opts.SilenceLimit {
				silence.Reset(s.opts.SilenceLimit - quiet)
				continue
			}
			probe = true
			break wait
		}
	}
	if w.rc.pending() {
		return false, errReconnect // no DONE: the line is likely dead
	}
	// DONE must be answered promptly: this is the liveness probe too.
	limit := s.opts.ProbeTimeout
	if ctx.Err() != nil {
		limit = time.Second
	}
	stop = s.guard(limit)
	// err is the result: a DONE that is refused (BAD, NO) or whose answer
	// never comes (the line drops) ends the session, and on cancel it
	// tells session not to wait for a LOGOUT the server will not answer.
	err = cmd.Close()
	if err == nil {
		err = cmd.Wait()
	}
	stop()
	if s.timedOut.Load() {
		if probe {
			return false, fmt.Errorf("line silent for %s and no answer to a probe within %s: %w",
				s.opts.SilenceLimit, limit, ErrTimeout)
		}
		return false, fmt.Errorf("IDLE did not end: %w", ErrTimeout)
	}
	if err != nil {
		return false, s.wrapErr("end of IDLE", err)
	}
	if renewing {
		return false, errRenewLogin
	}
	return forced, nil
}

// pollOnce waits a poll interval, then sends NOOP, for servers without IDLE.
func (w *Watcher) pollOnce(ctx context.Context, s *session, u *unilateral) (forced bool, err error) {
	w.setState(StateEvent{State: StatePolling})
	t := time.NewTimer(s.opts.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, nil
	case <-s.client.Closed():
		return false, s.serverClosed()
	case <-w.check:
		forced = true
	case <-t.C:
	}
	return forced, s.noop()
}

func pending(u *unilateral) bool {
	return len(u.exists) > 0 || len(u.changed) > 0
}

// catchUp reports expunges, fetches new mail after EXISTS, and recounts
// after any change. It loops while the server keeps reporting changes
// during the fetch.
func (w *Watcher) catchUp(s *session, u *unilateral, forced bool) error {
	for range 10 {
		exists, changed := drain(u.exists), drain(u.changed)
		if !exists && !changed && !forced {
			return nil
		}
		if n := u.expunged.Swap(0); n > 0 {
			if err := w.checkExpunged(s, int(n)); err != nil {
				return err
			}
		}
		if u.flags.Swap(0) > 0 {
			if err := w.checkFlags(s); err != nil {
				return err
			}
		}
		if exists || forced {
			if err := w.fetchNew(s); err != nil {
				return err
			}
		}
		if err := w.updateCounts(s, u); err != nil {
			return err
		}
		forced = false
	}
	return nil
}

func drain(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// syncSelected runs right after EXAMINE: a baseline when the folder is new to
// us or its UIDVALIDITY changed, else a catch-up from the last UID.
func (w *Watcher) syncSelected(s *session, data *imap.SelectData) error {
	if w.pos.Known() && w.pos.UIDValidity == data.UIDValidity {
		// Reported messages removed while we were away are gone now.
		if err := w.checkExpunged(s, 0); err != nil {
			return err
		}
		if err := w.checkFlags(s); err != nil { // read elsewhere meanwhile
			return err
		}
		return w.fetchNew(s)
	}
	last := uint32(0)
	if data.UIDNext > 0 {
		last = uint32(data.UIDNext) - 1
	} else if data.NumMessages > 0 {
		// No UIDNEXT: the highest UID in the folder is the baseline.
		msgs, err := s.fetch(imap.SeqSetNum(data.NumMessages))
		if err != nil {
			return err
		}
		for _, m := range msgs {
			last = max(last, m.UID)
		}
	}
	old := w.pos
	w.pos = Position{UIDValidity: data.UIDValidity, LastUID: last}
	w.tracked, w.seen = nil, nil // its UIDs name other messages now
	w.emit(BaselineEvent{Old: old, New: w.pos, First: !old.Known()})

	if n, k := data.NumMessages, uint32(w.opts.RecentCount); n > 0 && k > 0 {
		first := uint32(1)
		if n > k {
			first = n - k + 1
		}
		var set imap.SeqSet
		set.AddRange(first, n)
		msgs, err := s.fetch(set)
		if err != nil {
			return err
		}
		msgs = slices.DeleteFunc(msgs, func(m Message) bool { return m.UID > last })
		slices.SortFunc(msgs, func(a, b Message) int { return int(int64(a.UID) - int64(b.UID)) })
		if len(msgs) > 0 {
			w.tracked.add(msgs)
			w.noteSeen(msgs)
			w.emit(RecentEvent{Messages: msgs})
		}
	}
	return nil
}

// fetchNew asks for everything after the last UID. "n:*" also returns the
// highest message when its UID is below n, so anything ≤ last is dropped.
func (w *Watcher) fetchNew(s *session) error {
	last := w.pos.LastUID
	if last == ^uint32(0) {
		return nil
	}
	msgs, err := s.fetch(imap.UIDSet{{Start: imap.UID(last + 1), Stop: 0}})
	if err != nil {
		return err
	}
	msgs = slices.DeleteFunc(msgs, func(m Message) bool { return m.UID <= last })
	if len(msgs) == 0 {
		return nil
	}
	slices.SortFunc(msgs, func(a, b Message) int { return int(int64(a.UID) - int64(b.UID)) })
	msgs = slices.CompactFunc(msgs, func(a, b Message) bool { return a.UID == b.UID })
	w.pos.LastUID = msgs[len(msgs)-1].UID
	w.tracked.add(msgs)
	w.noteSeen(msgs)
	w.emit(NewMailEvent{Messages: msgs, Position: w.pos})
	return nil
}

func (w *Watcher) updateCounts(s *session, u *unilateral) error {
	unseen, err := s.unseen()
	if err != nil {
		return err
	}
	c := CountsEvent{Total: int(u.total.Load()), Unseen: unseen}
	if c != w.counts {
		w.counts = c
		w.emit(c)
	}
	return nil
}

// setState reports a state once, not on every IDLE cycle.
func (w *Watcher) setState(e StateEvent) {
	same := e.State == w.lastState.State && e.NextTry.Equal(w.lastState.NextTry) &&
		errors.Is(e.Err, w.lastState.Err) && errors.Is(w.lastState.Err, e.Err)
	if same {
		return
	}
	w.lastState = e
	w.emit(e)
}

// backoff is exponential with jitter: the n-th delay is uniform in
// [d/2, d] where d = min·2ⁿ capped at max. Half the range is random so that
// many clients cut off together do not return together; the floor keeps a
// flapping server from being hammered.
type backoff struct {
	min, max time.Duration
	attempt  int
}

func (b *backoff) next() time.Duration {
	d := b.min << min(b.attempt, 30)
	if d > b.max || d <= 0 {
		d = b.max
	}
	b.attempt++
	half := d / 2
	return half + rand.N(d-half+1)
}

func (b *backoff) reset() { b.attempt = 0 }
