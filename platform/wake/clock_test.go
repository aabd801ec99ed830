package wake

import (
	"context"
	"log/slog"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// fakeClock is driven by the test: advance moves the clocks, tick hands
// the watcher one tick. The tick channel is unbuffered, so a tick is taken
// only when the watcher's loop is back in its select, i.e. once the
// previous tick (and anything before it) is fully handled: a second tick
// is a barrier, no sleeping needed.
type fakeClock struct {
	t   *testing.T
	now chan Reading // holds the current reading (a one-slot mutex)
	ch  chan time.Time
}

func newFakeClock(t *testing.T) *fakeClock {
	c := &fakeClock{t: t, now: make(chan Reading, 1), ch: make(chan time.Time)}
	c.now <- Reading{Wall: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	return c
}

func (c *fakeClock) Now() Reading {
	r := <-c.now
	c.now <- r
	return r
}

func (c *fakeClock) NewTicker(time.Duration) Ticker { return fakeTicker{c.ch} }

// advance moves the monotonic clock by mono and the wall clock by wall.
func (c *fakeClock) advance(mono, wall time.Duration) {
	r := <-c.now
	r.Mono += mono
	r.Wall = r.Wall.Add(wall)
	c.now <- r
}

// tick delivers one tick, failing the test if the watcher does not take it
// within 5 s.
func (c *fakeClock) tick() {
	c.t.Helper()
	select {
	case c.ch <- c.Now().Wall:
	case <-time.After(5 * time.Second):
		c.t.Fatal("the watcher did not take a tick within 5 s")
	}
}

type fakeTicker struct{ ch chan time.Time }

func (t fakeTicker) C() <-chan time.Time { return t.ch }
func (t fakeTicker) Stop()               {}

// noEvent fails if a wake is waiting on w.C.
func noEvent(t *testing.T, w *Watcher, why string) {
	t.Helper()
	select {
	case ev := <-w.C:
		t.Fatalf("%s: unexpected wake %+v", why, ev)
	default:
	}
}

// oneEvent takes exactly one waiting wake (the caller made sure, with a
// barrier, that everything was handled).
func oneEvent(t *testing.T, w *Watcher, why string) Event {
	t.Helper()
	select {
	case ev := <-w.C:
		return ev
	default:
		t.Fatalf("%s: no wake", why)
		return Event{}
	}
}

func startFake(t *testing.T, opts Options) (*Watcher, *fakeClock) {
	t.Helper()
	fc := newFakeClock(t)
	opts.Clock, opts.NoBus = fc, true
	opts.Logger = slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	w := Start(ctx, opts)
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.Done():
		case <-time.After(5 * time.Second):
			t.Error("watcher did not stop within 5 s")
		}
	})
	select {
	case <-w.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("watcher not ready within 5 s")
	}
	if got := w.Sources(); len(got) != 1 || got[0] != SourceClock {
		t.Fatalf("sources %v, want [clock]", got)
	}
	return w, fc
}

func TestClockJumpWakesOnce(t *testing.T) {
	w, fc := startFake(t, Options{Tick: 30 * time.Second, Jump: 5 * time.Second, Debounce: 10 * time.Second})

	// An awake hour: ticks with the usual jitter and small NTP slews, and a
	// wall clock set back a minute. None is a suspend.
	for i := 0; i < 120; i++ {
		wall := 30*time.Second + time.Duration(i%5)*300*time.Millisecond
		if i == 60 {
			wall = -time.Minute
		}
		fc.advance(30*time.Second, wall)
		fc.tick()
	}
	fc.tick() // barrier: the last tick above is handled
	noEvent(t, w, "no jump")

	// Suspended for 40 minutes: the monotonic clock stood still.
	fc.advance(10*time.Second, 40*time.Minute+10*time.Second)
	fc.tick()
	fc.tick() // barrier
	ev := oneEvent(t, w, "after a 40 min jump")
	if ev.Source != SourceClock || ev.Slept != 40*time.Minute {
		t.Fatalf("wake %+v, want clock, slept 40m", ev)
	}
	for i := 0; i < 5; i++ {
		fc.advance(30*time.Second, 30*time.Second)
		fc.tick()
	}
	fc.tick()
	noEvent(t, w, "after the wake, normal ticks")
}

// Just under and just over the threshold.
func TestClockJumpThreshold(t *testing.T) {
	w, fc := startFake(t, Options{Tick: 30 * time.Second, Jump: 5 * time.Second, Debounce: time.Second})
	fc.advance(30*time.Second, 35*time.Second) // 5 s ahead: not more than Jump
	fc.tick()
	fc.tick()
	noEvent(t, w, "5 s ahead")
	fc.advance(30*time.Second, 35*time.Second+time.Millisecond)
	fc.tick()
	fc.tick()
	if ev := oneEvent(t, w, "5.001 s ahead"); ev.Source != SourceClock {
		t.Fatalf("wake %+v", ev)
	}
}

// startLoop runs a watcher's loop on an injected signal channel, as if the
// bus were connected, with the fake clock.
func startLoop(t *testing.T, opts Options) (*Watcher, *fakeClock, chan *dbus.Signal, chan Signal) {
	t.Helper()
	fc := newFakeClock(t)
	handled := make(chan Signal, 64)
	opts.Clock = fc
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.OnSignal = func(s Signal) { handled <- s }
	w := newWatcher(opts)
	sigs := make(chan *dbus.Signal)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := fc.NewTicker(opts.Tick)
		w.loop(ctx, ticker, &jumpDetector{threshold: w.opts.Jump, prev: fc.Now()}, sigs)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return w, fc, sigs, handled
}

func prepareForSleep(sleeping bool) *dbus.Signal {
	return &dbus.Signal{Path: logindPath, Name: logindIface + "." + logindPrepareForSleep, Body: []any{sleeping}}
}

// waitHandled waits for the watcher to have handled one more signal.
func waitHandled(t *testing.T, handled chan Signal) Signal {
	t.Helper()
	select {
	case s := <-handled:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("signal not handled within 5 s")
		return Signal{}
	}
}

// logind announces the resume; the clock sees the same suspend at its
// next tick and must not wake again. A wake from before a suspend does not
// hide the suspend.
func TestClockJumpAfterResumeSignalIsOneWake(t *testing.T) {
	w, fc, sigs, handled := startLoop(t, Options{Tick: 30 * time.Second, Jump: 5 * time.Second, Debounce: 10 * time.Second})

	fc.advance(20*time.Second, 20*time.Second)
	sigs <- prepareForSleep(true)
	if s := waitHandled(t, handled); s.Wake || s.Emitted {
		t.Fatalf("PrepareForSleep(true) gave %+v", s)
	}
	fc.advance(time.Second, 2*time.Hour+time.Second) // asleep two hours
	sigs <- prepareForSleep(false)
	if s := waitHandled(t, handled); !s.Emitted || s.Source != SourceLogind {
		t.Fatalf("PrepareForSleep(false) gave %+v", s)
	}
	if ev := oneEvent(t, w, "resume"); ev.Source != SourceLogind {
		t.Fatalf("wake %+v", ev)
	}
	// The next tick comes 25 s (monotonic) after the resume, past the
	// debounce window: only the jump rule keeps it quiet.
	fc.advance(25*time.Second, 25*time.Second)
	fc.tick()
	if s := waitHandled(t, handled); s.Source != SourceClock || !s.Wake || s.Emitted {
		t.Fatalf("the clock's view of the same suspend gave %+v", s)
	}
	noEvent(t, w, "clock after logind")

	// Now a network wake, then (same tick interval) a suspend that logind
	// did not report: the clock must still wake.
	fc.advance(20*time.Second, 20*time.Second)
	sigs <- &dbus.Signal{Path: nmPath, Name: nmIface + "." + nmStateChanged, Body: []any{nmStateConnected}}
	if s := waitHandled(t, handled); !s.Emitted || s.Source != SourceNetwork {
		t.Fatalf("NM connected gave %+v", s)
	}
	oneEvent(t, w, "network")
	fc.advance(10*time.Second, time.Hour+10*time.Second)
	fc.tick()
	if s := waitHandled(t, handled); !s.Emitted || s.Source != SourceClock {
		t.Fatalf("a suspend after a wake gave %+v", s)
	}
	if ev := oneEvent(t, w, "clock"); ev.Slept != time.Hour {
		t.Fatalf("wake %+v, want slept 1h", ev)
	}
}
