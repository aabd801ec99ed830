package reliability

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// soakDuration is MAILBELL_SOAK (a Go duration, e.g. 30m), else 40 s: the
// bounded run that is part of `go test`.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("MAILBELL_SOAK")
	if v == "" {
		return 40 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("MAILBELL_SOAK=%q: want a duration like 2m", v)
	}
	return d
}

// TestFaultSoak: invariants 1, 2 and 4 under random cuts, stalls, latency,
// refusals and Dovecot restarts, with a writer delivering all along.
func TestFaultSoak(t *testing.T) {
	t.Parallel()
	log := &syncBuffer{}
	cfg := SoakConfig{Duration: soakDuration(t), Log: log}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Duration+3*time.Minute)
	defer cancel()
	rep, err := RunSoak(ctx, cfg)
	if err != nil {
		t.Fatalf("soak did not run: %v\n%s", err, tail(log.String(), 60))
	}
	t.Logf("\n%s", rep.Table())
	// Silence limit 1 s + probe 1 s; the rest is slack for a loaded 2-core machine under -race.
	if probs := rep.Problems(5 * time.Second); len(probs) > 0 {
		t.Errorf("soak broke invariants:\n  %s\ncore and soak log (tail):\n%s", strings.Join(probs, "\n  "), tail(log.String(), 150))
	}
}
