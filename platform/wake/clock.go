package wake

import "time"

// Reading is one look at both clocks: the wall clock (which jumps ahead
// across a suspend) and the monotonic clock (which, on Linux, stands still
// while the machine sleeps).
type Reading struct {
	Wall time.Time     // without a monotonic part: Sub compares wall times
	Mono time.Duration // since an arbitrary start
}

// epoch is the wall time at which Mono was zero. It moves forward by the
// length of every suspend (and with every forward clock change).
func (r Reading) epoch() time.Time { return r.Wall.Add(-r.Mono) }

// Clock gives readings and tickers; tests inject a fake one.
type Clock interface {
	Now() Reading
	NewTicker(d time.Duration) Ticker
}

// Ticker is the part of *time.Ticker the watcher uses.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// realClock reads the system clocks. Go's time.Now carries both readings;
// Round(0) strips the monotonic one, Sub against start uses it.
type realClock struct{ start time.Time }

func newRealClock() *realClock { return &realClock{start: time.Now()} }

func (c *realClock) Now() Reading {
	t := time.Now()
	return Reading{Wall: t.Round(0), Mono: t.Sub(c.start)}
}

func (c *realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (t realTicker) C() <-chan time.Time { return t.t.C }
func (t realTicker) Stop()               { t.t.Stop() }

// jumpDetector notices a suspend from inside: between two ticks the wall
// clock advanced more than the monotonic clock, by more than threshold. A
// wall clock set back (NTP, the user) is not a suspend and is ignored; one
// set forward by more than threshold looks like one, and costs a needless
// reconnect, which is harmless.
type jumpDetector struct {
	threshold time.Duration
	prev      Reading
}

// observe takes the reading of a tick and reports the jump since the
// previous one, with the epoch from before the jump.
func (d *jumpDetector) observe(r Reading) (jump time.Duration, before time.Time, ok bool) {
	before = d.prev.epoch()
	jump = r.epoch().Sub(before)
	d.prev = r
	return jump, before, jump > d.threshold
}
