package cli

import (
	"context"
	"runtime/debug"
	"time"
)

// settleDelay is how long after start the background process gives back the
// memory its start-up used. Connecting, TLS handshakes, the first sync and
// drawing the tray icon grow the heap to about twice what stays live; the
// runtime keeps those pages until the heap grows again, which for an idle
// notifier (a few hundred bytes per IDLE keepalive) is hours away.
var settleDelay = 5 * time.Second

// freeOSMemory is debug.FreeOSMemory; tests count the calls.
var freeOSMemory = debug.FreeOSMemory

// releaseStartupMemory returns the start-up's garbage to the OS once, after
// settleDelay: one collection, a few milliseconds, then nothing. It lowers
// the resident size a user sees all day by a few MB (BENCHMARKS.md §4).
func releaseStartupMemory(ctx context.Context) {
	t := time.NewTimer(settleDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		freeOSMemory()
	}
}
