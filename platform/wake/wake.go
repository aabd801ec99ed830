// Package wake turns "the machine just woke up or came back online" into
// one stream of wake events for the core, which then asks every watcher to
// reconnect and sync at once instead of waiting for its silence watchdog
// or backoff.
//
// Three sources feed it:
//   - logind's PrepareForSleep(false) on the system bus (resume);
//   - NetworkManager's state becoming CONNECTED_GLOBAL or its connectivity
//     becoming FULL (StateChanged, PropertiesChanged) on the system bus;
//   - always, a clock-jump detector: on a coarse ticker it compares the
//     wall clock with the monotonic clock, which stands still during a
//     suspend; a wall clock ahead by more than a few seconds means the
//     machine slept. It covers machines without logind or a system bus.
//
// The system bus comes from DBUS_SYSTEM_BUS_ADDRESS or the standard socket;
// no bus is ever started. Without one only the clock runs (logged once).
//
// One resume makes several sources fire (logind at once, the network a
// few seconds later, the clock at its next tick): they give one wake. The
// package imports nothing of the app and no Fyne.
package wake

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// Source names what noticed the wake.
type Source string

const (
	SourceLogind  Source = "logind"
	SourceNetwork Source = "network"
	SourceClock   Source = "clock"
)

// Event is one wake: reconnect and sync now.
type Event struct {
	Source Source
	At     Reading
	// Slept is how far the wall clock jumped ahead (SourceClock only):
	// about the length of the suspend.
	Slept time.Duration
}

// Signal is one thing a source reported, before debouncing; see
// Options.OnSignal.
type Signal struct {
	Source Source
	// Wake: the signal means "awake and online" (resume, connected, a
	// clock jump); false for "going to sleep", "disconnected" and the like.
	Wake bool
	// Emitted: it became an Event (a wake not swallowed by the debounce).
	Emitted bool
	Detail  string
}

// Defaults for Options.
const (
	DefaultTick        = 30 * time.Second
	DefaultJump        = 5 * time.Second
	DefaultDebounce    = 10 * time.Second
	DefaultDialTimeout = 5 * time.Second
)

// Options tune a Watcher. The zero value is right for the app.
type Options struct {
	// BusAddress is the system bus; "": DBUS_SYSTEM_BUS_ADDRESS, else the
	// standard socket if it exists.
	BusAddress string
	// NoBus runs the clock detector only.
	NoBus bool
	// Clock; nil: the system clocks.
	Clock Clock
	// Tick is the clock detector's period (DefaultTick). A suspend is
	// noticed at the first tick after the resume.
	Tick time.Duration
	// Jump is how far the wall clock must run ahead of the monotonic one
	// between two ticks to count as a suspend (DefaultJump).
	Jump time.Duration
	// Debounce: a wake within this long (monotonic) after the last one is
	// the same event (DefaultDebounce).
	Debounce time.Duration
	// DialTimeout bounds connecting to the system bus (DefaultDialTimeout).
	DialTimeout time.Duration
	// Logger; nil: slog.Default().
	Logger *slog.Logger
	// OnSignal, if set, hears every signal after the debounce decided on
	// it, on the watcher's goroutine (do not block): for debug logs and
	// for tests, which use it to know a signal was handled.
	OnSignal func(Signal)
}

// Watcher delivers wake events on C until its context ends; then C is
// closed.
type Watcher struct {
	// C carries wakes. It holds one: a wake the core has not taken yet
	// already means "reconnect", so later ones are dropped meanwhile.
	C <-chan Event

	out   chan Event
	ready chan struct{}
	done  chan struct{}

	mu      sync.Mutex
	sources []Source

	opts  Options
	log   *slog.Logger
	clock Clock
	nm    nmTracker
	// last is the last wake emitted; haveLast says there was one.
	last     Reading
	haveLast bool
}

// Start runs a watcher until ctx ends. It returns at once; connecting to
// the system bus happens on the watcher's goroutine (Ready says when it is
// done).
func Start(ctx context.Context, opts Options) *Watcher {
	w := newWatcher(opts)
	go w.run(ctx)
	return w
}

func newWatcher(opts Options) *Watcher {
	if opts.Tick <= 0 {
		opts.Tick = DefaultTick
	}
	if opts.Jump <= 0 {
		opts.Jump = DefaultJump
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	w := &Watcher{
		out:   make(chan Event, 1),
		ready: make(chan struct{}),
		done:  make(chan struct{}),
		opts:  opts,
		log:   opts.Logger,
		clock: opts.Clock,
	}
	w.C = w.out
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.clock == nil {
		w.clock = newRealClock()
	}
	return w
}

// Ready is closed once the sources are set up: the bus subscriptions are
// in place, or the watcher gave up on the bus and runs the clock only.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Done is closed when the watcher stopped (after its context ended).
func (w *Watcher) Done() <-chan struct{} { return w.done }

// Sources lists the sources that run (SourceClock always; the bus ones
// when subscribed, whether or not logind and NetworkManager run now: they
// may start later). Meaningful after Ready.
func (w *Watcher) Sources() []Source {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.sources)
}

func (w *Watcher) run(ctx context.Context) {
	defer close(w.done)
	defer close(w.out)
	ticker := w.clock.NewTicker(w.opts.Tick)
	defer ticker.Stop()
	det := jumpDetector{threshold: w.opts.Jump, prev: w.clock.Now()}

	signals, closeBus := w.connect(ctx)
	defer closeBus()
	w.loop(ctx, ticker, &det, signals)
}

// connect dials the system bus and subscribes; on any failure it logs
// once and returns a nil channel (the clock alone runs).
func (w *Watcher) connect(ctx context.Context) (<-chan *dbus.Signal, func()) {
	w.setSources(SourceClock)
	defer close(w.ready)
	if w.opts.NoBus {
		return nil, func() {}
	}
	addr := w.opts.BusAddress
	if addr == "" {
		var err error
		if addr, err = systemBusAddress(); err != nil {
			w.log.Info("wake: no system bus; noticing suspend by the clock only", "err", err)
			return nil, func() {}
		}
	}
	conn, err := dialSystemBus(ctx, addr, w.opts.DialTimeout)
	if err != nil {
		w.log.Warn("wake: system bus unavailable; noticing suspend by the clock only", "err", err)
		return nil, func() {}
	}
	subCtx, cancel := context.WithTimeout(ctx, w.opts.DialTimeout)
	defer cancel()
	if err := subscribe(subCtx, conn); err != nil {
		conn.Close()
		w.log.Warn("wake: cannot subscribe to logind/NetworkManager signals; noticing suspend by the clock only", "err", err)
		return nil, func() {}
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	w.nm.initial(ctx, conn)
	w.setSources(SourceClock, SourceLogind, SourceNetwork)
	return ch, func() { conn.Close() }
}

func (w *Watcher) setSources(s ...Source) {
	w.mu.Lock()
	w.sources = s
	w.mu.Unlock()
}

// loop is the watcher's one goroutine: ticks and bus signals are handled
// in the order they come, so the debounce needs no lock.
func (w *Watcher) loop(ctx context.Context, ticker Ticker, det *jumpDetector, signals <-chan *dbus.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			now := w.clock.Now()
			jump, before, ok := det.observe(now)
			if !ok {
				continue
			}
			sig := Signal{Source: SourceClock, Wake: true, Detail: "wall clock jumped ahead by " + jump.Round(time.Second).String()}
			// A wake after the jump (logind's resume) already announced
			// this suspend.
			if w.haveLast && w.last.epoch().Sub(before) > w.opts.Jump {
				w.signal(sig)
				continue
			}
			w.emit(&sig, Event{Source: SourceClock, At: now, Slept: jump})
		case s, ok := <-signals:
			if !ok {
				if ctx.Err() != nil {
					return // our own shutdown closed the connection
				}
				w.log.Warn("wake: lost the system bus; noticing suspend by the clock only")
				signals = nil
				w.setSources(SourceClock)
				continue
			}
			sig, ok := w.nm.classify(s)
			if !ok {
				continue
			}
			if sig.Wake {
				w.emit(&sig, Event{Source: sig.Source, At: w.clock.Now()})
				continue
			}
			w.signal(sig)
		}
	}
}

// emit sends ev unless a wake went out less than Debounce ago.
func (w *Watcher) emit(sig *Signal, ev Event) {
	if w.haveLast && ev.At.Mono-w.last.Mono < w.opts.Debounce {
		w.signal(*sig)
		return
	}
	w.last, w.haveLast = ev.At, true
	sig.Emitted = true
	w.log.Info("wake: reconnect now", "source", string(ev.Source), "detail", sig.Detail)
	select {
	case w.out <- ev:
	default: // one is pending: it stands for this one too
	}
	w.signal(*sig)
}

func (w *Watcher) signal(s Signal) {
	if s.Source != SourceClock || s.Wake {
		w.log.Debug("wake: signal", "source", string(s.Source), "wake", s.Wake, "emitted", s.Emitted, "detail", s.Detail)
	}
	if w.opts.OnSignal != nil {
		w.opts.OnSignal(s)
	}
}
