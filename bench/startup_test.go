package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"
	"mailbell/mail"
)

const (
	startupRuns    = 15 // measured runs per client and folder (after a first one)
	naiveRunsLarge = 3  // the naive client on 100,000 messages takes seconds per run
)

// startupCost is one connect-to-idle: how long and how many bytes.
type startupCost struct {
	d        time.Duration
	in, out  int64 // bytes from the server, to the server
	failed   error
	messages int
}

// through starts a counting proxy in front of Dovecot's plain port: its
// counters are the bytes on the wire, IMAP only (no TLS records).
func through(b *testing.B, s *dovecottest.Server) *faultproxy.Proxy {
	p, err := faultproxy.New(s.Addr())
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// settleBytes reads the proxy's counters once they have stopped moving
// (they move just after each forwarded write).
func settleBytes(p *faultproxy.Proxy) (in, out int64) {
	in, out = p.BytesToClient(), p.BytesToTarget()
	for range 100 {
		time.Sleep(10 * time.Millisecond)
		i, o := p.BytesToClient(), p.BytesToTarget()
		if i == in && o == out {
			return in, out
		}
		in, out = i, o
	}
	return in, out
}

// watcherStartup runs a watcher from Run until it is idle.
func watcherStartup(b *testing.B, s *dovecottest.Server, folder string, pos mail.Position) startupCost {
	p := through(b, s)
	defer p.Close()
	acct := mail.Account{Host: p.Host(), Port: p.Port(), Security: mail.SecurityPlain, Username: benchUser,
		Password: staticPassword(benchPass)}
	idleAt := make(chan time.Time, 1)
	stopped := make(chan error, 1)
	w := mail.NewWatcher(acct, folder, pos, mail.Options{Logger: quiet}, func(e mail.Event) {
		if se, ok := e.(mail.StateEvent); ok {
			switch se.State {
			case mail.StateIdle:
				select {
				case idleAt <- time.Now():
				default:
				}
			case mail.StateBackoff, mail.StateStopped:
				select {
				case stopped <- fmt.Errorf("watcher: %s: %v", se.State, se.Err):
				default:
				}
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t0 := time.Now()
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	select {
	case t1 := <-idleAt:
		c := startupCost{d: t1.Sub(t0)}
		c.in, c.out = settleBytes(p)
		return c
	case err := <-stopped:
		return startupCost{failed: err}
	case <-time.After(2 * time.Minute):
		return startupCost{failed: fmt.Errorf("watcher not idle within 2 min")}
	}
}

// plainStartup is a go-imap client that logs in, EXAMINEs and idles. With
// fetchAll it is the naive client the watcher must not be: it learns the
// folder by fetching every envelope first. Without, it is the floor every
// IDLE client pays, whatever it does: connect, login, EXAMINE, IDLE.
func plainStartup(b *testing.B, s *dovecottest.Server, folder string, fetchAll bool) startupCost {
	p := through(b, s)
	defer p.Close()
	t0 := time.Now()
	c, err := imapclient.DialInsecure(p.Addr(), nil)
	if err != nil {
		return startupCost{failed: err}
	}
	defer c.Close()
	if err := c.Login(benchUser, benchPass).Wait(); err != nil {
		return startupCost{failed: err}
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return startupCost{failed: err}
	}
	var msgs []*imapclient.FetchMessageBuffer
	if fetchAll {
		msgs, err = c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Envelope: true}).Collect()
		if err != nil {
			return startupCost{failed: err}
		}
	}
	idle, err := c.Idle()
	if err != nil {
		return startupCost{failed: err}
	}
	cost := startupCost{d: time.Since(t0), messages: len(msgs)}
	cost.in, cost.out = settleBytes(p)
	_ = idle.Close()
	_ = idle.Wait()
	_ = c.Logout().Wait()
	return cost
}

// settle opens folder read-write once, as the user's mail client does all
// the time. Dovecot (2.3, maildir) only rewrites a folder's index in a
// read-write session: after a read-only session has added fields to its
// cache (the watcher's 20 envelopes do), every later EXAMINE of a
// 100,000-message folder costs Dovecot 0.1–0.9 s until someone SELECTs it,
// for any client. Measured both ways below.
func settle(b *testing.B, s *dovecottest.Server, folder string) {
	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(benchUser, benchPass).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		b.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		b.Fatal(err)
	}
}

// series is one client's first run and the medians of the measured ones.
type series struct {
	first   startupCost
	median  time.Duration
	in, out int64 // median bytes
	runs    int
}

// startupClient is one way of getting from nothing to idle.
type startupClient struct {
	name string
	runs int // measured runs after the first
	one  func() startupCost
}

// measureInterleaved runs the clients in rounds, one run of each per round,
// so that a change in the machine's load hits them all alike. before runs
// ahead of every run, outside the timing.
func measureInterleaved(b *testing.B, clients []startupClient, before func()) map[string]series {
	costs := make(map[string][]startupCost)
	rounds := 0
	for _, c := range clients {
		rounds = max(rounds, c.runs+1)
	}
	for round := range rounds {
		for _, c := range clients {
			if round > c.runs {
				continue
			}
			before()
			r := c.one()
			if r.failed != nil {
				b.Fatalf("%s: %v", c.name, r.failed)
			}
			costs[c.name] = append(costs[c.name], r)
		}
	}
	out := make(map[string]series)
	for name, cs := range costs {
		var ds []time.Duration
		var ins, outs []int64
		for _, c := range cs[1:] {
			ds = append(ds, c.d)
			ins = append(ins, c.in)
			outs = append(outs, c.out)
		}
		slices.Sort(ins)
		slices.Sort(outs)
		out[name] = series{first: cs[0], median: summarize(ds).median, in: ins[len(ins)/2], out: outs[len(outs)/2], runs: len(ds)}
	}
	return out
}

const (
	floorClient   = "floor: EXAMINE, IDLE"
	watcherFirst  = "watcher, first run"
	watcherKnown  = "watcher, known position"
	naiveClient   = "naive FETCH 1:* ENVELOPE"
	modeReadOnly  = "read-only clients only"
	modeSettled   = "settled (SELECT before each run)"
	smallFolder   = "Small10"
	hundredFolder = "Small100"
	bigFolder     = "Big"
	unreadFolder  = "BigUnread"
)

// BenchmarkStartup: from Run to idle on folders of 10, 100 and 100,000
// messages (and 100,000 with 2,000 unread), for the watcher's first run
// (baseline, last 20 envelopes, unseen count) and its restart from a known
// position, beside the floor any IDLE client pays and a naive client that
// fetches every envelope. Bytes are counted by a proxy on plain IMAP.
func BenchmarkStartup(b *testing.B) {
	for range b.N {
		s := dovecottest.StartT(b, dovecottest.Options{Users: map[string]string{benchUser: benchPass}})
		folders := []struct {
			name      string
			n, unread int
		}{{smallFolder, 10, 0}, {hundredFolder, 100, 0}, {bigFolder, 100_000, 0}, {unreadFolder, 100_000, 2_000}}
		printf("\nstartup: connect → idle on Dovecot 2.3 (maildir), plain IMAP through a counting proxy (loadavg %s)\n", loadavg())
		for _, f := range folders {
			start := time.Now()
			if err := s.FillMaildir(benchUser, f.name, f.n, f.unread); err != nil {
				b.Fatal(err)
			}
			printf("  filled %-9s %7d messages (%d unread) in %s\n", f.name, f.n, f.unread, time.Since(start).Round(time.Millisecond))
		}
		type key struct{ mode, folder, client string }
		results := map[key]series{}
		for _, mode := range []string{modeReadOnly, modeSettled} {
			printf("\n  %s: time is the median of %d runs (3 for the naive client on 100,000) after a first run; clients interleaved\n", mode, startupRuns)
			printf("  %-9s %8s %7s  %-25s %9s %9s %10s %11s %10s\n", "folder", "messages", "unread", "client", "first", "median", "− floor", "bytes in", "bytes out")
			for _, f := range folders {
				st, err := s.Status(benchUser, f.name)
				if err != nil {
					b.Fatal(err)
				}
				known := mail.Position{UIDValidity: st.UIDValidity, LastUID: st.UIDNext - 1}
				before := func() {}
				if mode == modeSettled {
					before = func() { settle(b, s, f.name) }
				}
				clients := []startupClient{
					{watcherFirst, startupRuns, func() startupCost { return watcherStartup(b, s, f.name, mail.Position{}) }},
					{watcherKnown, startupRuns, func() startupCost { return watcherStartup(b, s, f.name, known) }},
					{floorClient, startupRuns, func() startupCost { return plainStartup(b, s, f.name, false) }},
				}
				if mode == modeSettled {
					runs := startupRuns
					if f.n > 1000 {
						runs = naiveRunsLarge
					}
					clients = append(clients, startupClient{naiveClient, runs, func() startupCost { return plainStartup(b, s, f.name, true) }})
				}
				for name, r := range measureInterleaved(b, clients, before) {
					results[key{mode, f.name, name}] = r
				}
				floor := results[key{mode, f.name, floorClient}].median
				for _, c := range clients {
					r := results[key{mode, f.name, c.name}]
					printf("  %-9s %8d %7d  %-25s %7.1fms %7.1fms %8.1fms %11d %10d\n", f.name, f.n, f.unread, c.name,
						ms(r.first.d), ms(r.median), ms(r.median-floor), r.in, r.out)
				}
			}
		}
		ratio := func(mode, client, big, small string) (t, in float64) {
			sm, lg := results[key{mode, small, client}], results[key{mode, big, client}]
			return float64(lg.median) / float64(sm.median), float64(lg.in) / float64(sm.in)
		}
		printf("\n  ratios, 100,000-message folder / small folder (target for the watcher: ≤ 1.2)\n")
		printf("  %-33s %-25s %-20s %8s %10s\n", "mode", "client", "folders", "time", "bytes in")
		for _, mode := range []string{modeReadOnly, modeSettled} {
			for _, client := range []string{watcherFirst, watcherKnown, floorClient, naiveClient} {
				if _, ok := results[key{mode, bigFolder, client}]; !ok {
					continue
				}
				for _, pair := range [][2]string{{bigFolder, smallFolder}, {unreadFolder, smallFolder}, {bigFolder, hundredFolder}} {
					t, in := ratio(mode, client, pair[0], pair[1])
					printf("  %-33s %-25s %-20s %7.2f× %9.2f×\n", mode, client, pair[0]+"/"+pair[1], t, in)
				}
			}
		}
		t, in := ratio(modeSettled, watcherFirst, bigFolder, smallFolder)
		b.ReportMetric(t, "watcher-time-ratio")
		b.ReportMetric(in, "watcher-bytes-ratio")
		t, in = ratio(modeSettled, watcherFirst, bigFolder, hundredFolder)
		b.ReportMetric(t, "watcher-time-ratio-vs100")
		b.ReportMetric(in, "watcher-bytes-ratio-vs100")
		t, _ = ratio(modeReadOnly, watcherFirst, bigFolder, smallFolder)
		b.ReportMetric(t, "watcher-readonly-time-ratio")
		b.ReportMetric(ms(results[key{modeSettled, smallFolder, watcherFirst}].median), "watcher-10-ms")
		b.ReportMetric(ms(results[key{modeSettled, bigFolder, watcherFirst}].median), "watcher-100k-ms")
		b.ReportMetric(ms(results[key{modeSettled, bigFolder, naiveClient}].median), "naive-100k-ms")
		b.ReportMetric(float64(results[key{modeSettled, bigFolder, naiveClient}].in), "naive-100k-bytes")
	}
}
