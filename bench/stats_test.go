package bench

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
)

// quiet is the watcher's logger in benchmarks: their output is the tables.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// summary is the distribution of a set of durations.
type summary struct {
	n                  int
	median, p95, worst time.Duration
}

func summarize(ds []time.Duration) summary {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return summary{}
	}
	return summary{n: len(s), median: percentile(s, 50), p95: percentile(s, 95), worst: s[len(s)-1]}
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadavg is the first three fields of /proc/loadavg ("?" elsewhere): the
// machine is shared, so every table says how busy it was.
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// printf writes to stdout, which `go test` shows even without -v.
func printf(format string, args ...any) { fmt.Printf(format, args...) }
