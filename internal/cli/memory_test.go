package cli

import (
	"context"
	"testing"
	"time"
)

// Once after the delay, never when the process ends first.
func TestReleaseStartupMemory(t *testing.T) {
	calls := make(chan struct{}, 2)
	oldDelay, oldFree := settleDelay, freeOSMemory
	t.Cleanup(func() { settleDelay, freeOSMemory = oldDelay, oldFree })
	settleDelay = 10 * time.Millisecond
	freeOSMemory = func() { calls <- struct{}{} }

	done := make(chan struct{})
	go func() { releaseStartupMemory(context.Background()); close(done) }()
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("memory not released after the settle delay")
	}
	<-done
	if len(calls) != 0 {
		t.Fatal("released more than once")
	}

	settleDelay = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { releaseStartupMemory(ctx); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("releaseStartupMemory did not return when its context ended")
	}
	if len(calls) != 0 {
		t.Fatal("released although the context ended first")
	}
}
