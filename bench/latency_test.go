package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/bench/bareclient"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

const (
	benchUser = "ann"
	benchPass = "bench-Pa55"
	// latencyMessages is how many deliveries are timed (after warmups).
	latencyMessages = 40
	latencyWarmups  = 2
)

// latencyTarget is a server both clients watch at the same time.
type latencyTarget struct {
	title   string
	acct    mail.Account
	dial    func(*imapclient.Options) (*imapclient.Client, error)
	deliver func(subject string) error
	spacing time.Duration // between deliveries, so each is its own event
}

// measureLatency runs the watcher and the bare client side by side on the
// same INBOX, delivers messages one at a time and returns, per client, the
// time from just before each delivery to its new-message report.
func measureLatency(b *testing.B, tg latencyTarget) (watcher, bare []time.Duration) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	wArr, bArr := bareclient.NewArrivals(), bareclient.NewArrivals()
	idle := make(chan struct{})
	var once sync.Once
	w := mail.NewWatcher(tg.acct, "INBOX", mail.Position{}, mail.Options{Logger: quiet}, func(e mail.Event) {
		now := time.Now()
		switch e := e.(type) {
		case mail.NewMailEvent:
			for _, m := range e.Messages {
				wArr.Note(m.Subject, now)
			}
		case mail.StateEvent:
			if e.State == mail.StateIdle {
				once.Do(func() { close(idle) })
			}
		}
	})
	wDone := make(chan error, 1)
	go func() { wDone <- w.Run(ctx) }()

	bc, err := bareclient.Dial(tg.dial, benchUser, benchPass, "INBOX", false, bArr.Note)
	if err != nil {
		b.Fatal(err)
	}
	bIdle := make(chan struct{})
	bDone := make(chan error, 1)
	go func() { bDone <- bc.Run(ctx, bIdle) }()

	for name, c := range map[string]chan struct{}{"watcher": idle, "bare client": bIdle} {
		select {
		case <-c:
		case <-time.After(30 * time.Second):
			b.Fatalf("%s: %s not idle within 30 s", tg.title, name)
		}
	}

	var subjects []string
	sent := map[string]time.Time{}
	for i := range latencyWarmups + latencyMessages {
		subject := fmt.Sprintf("latency %02d", i)
		time.Sleep(tg.spacing)
		t0 := time.Now()
		if err := tg.deliver(subject); err != nil {
			b.Fatal(err)
		}
		if i >= latencyWarmups {
			subjects = append(subjects, subject)
			sent[subject] = t0
		}
	}
	for name, a := range map[string]*bareclient.Arrivals{"watcher": wArr, "bare client": bArr} {
		if err := a.WaitAll(subjects, 30*time.Second); err != nil {
			b.Fatalf("%s: %s: %v", tg.title, name, err)
		}
	}
	cancel()
	if err := <-wDone; err != nil {
		b.Errorf("watcher: %v", err)
	}
	if err := <-bDone; err != nil {
		b.Errorf("bare client: %v", err)
	}
	for _, s := range subjects {
		wt, _ := wArr.Get(s)
		bt, _ := bArr.Get(s)
		watcher = append(watcher, wt.Sub(sent[s]))
		bare = append(bare, bt.Sub(sent[s]))
	}
	return watcher, bare
}

func reportLatency(b *testing.B, tg latencyTarget, watcher, bare []time.Duration) {
	ws, bs := summarize(watcher), summarize(bare)
	printf("\n%s: delivery → new-message event, %d messages %s apart, both clients on the same INBOX (loadavg %s)\n",
		tg.title, ws.n, tg.spacing, loadavg())
	printf("  %-22s %10s %10s %10s\n", "client", "median", "p95", "max")
	row := func(name string, s summary) {
		printf("  %-22s %8.2fms %8.2fms %8.2fms\n", name, ms(s.median), ms(s.p95), ms(s.worst))
	}
	row("mail.Watcher", ws)
	row("bare go-imap IDLE", bs)
	ratio := func(a, b time.Duration) float64 { return float64(a) / float64(b) }
	printf("  %-22s %9.3f× %9.3f× %9.3f×   (target: median ≤ 1.1×)\n", "watcher / bare",
		ratio(ws.median, bs.median), ratio(ws.p95, bs.p95), ratio(ws.worst, bs.worst))
	// Per message, the two clients saw the same push: their difference is
	// the watcher's own overhead, free of the server's and the machine's noise.
	diffs := make([]time.Duration, len(watcher))
	for i := range watcher {
		diffs[i] = watcher[i] - bare[i]
	}
	slices.Sort(diffs)
	printf("  %-22s %8.2fms %8.2fms %8.2fms   (per message, same delivery)\n", "watcher − bare",
		ms(percentile(diffs, 50)), ms(percentile(diffs, 95)), ms(diffs[len(diffs)-1]))
	b.ReportMetric(ms(ws.median), "watcher-median-ms")
	b.ReportMetric(ms(ws.p95), "watcher-p95-ms")
	b.ReportMetric(ms(bs.median), "bare-median-ms")
	b.ReportMetric(ms(bs.p95), "bare-p95-ms")
	b.ReportMetric(ratio(ws.median, bs.median), "ratio-median")
	b.ReportMetric(ratio(ws.p95, bs.p95), "ratio-p95")
}

// BenchmarkLatencyInMemory: go-imap's in-memory server over TLS, which
// pushes EXISTS within a fraction of a millisecond, so client overhead shows.
func BenchmarkLatencyInMemory(b *testing.B) {
	for range b.N {
		srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.TLS, Users: map[string]string{benchUser: benchPass}})
		if err != nil {
			b.Fatal(err)
		}
		tg := latencyTarget{
			title: "in-memory server (imaptest, TLS)",
			acct: mail.Account{Host: srv.Host(), Port: srv.Port(), Security: mail.SecurityTLS, Username: benchUser,
				Password: staticPassword(benchPass), CAPEM: srv.CAPEM()},
			dial: func(o *imapclient.Options) (*imapclient.Client, error) {
				o.TLSConfig = srv.ClientTLSConfig("")
				return imapclient.DialTLS(srv.Addr(), o)
			},
			deliver: func(subject string) error {
				_, err := srv.Append(benchUser, "INBOX", imaptest.Message("Bob <bob@example.com>", benchUser+"@example.com", subject, time.Now()))
				return err
			},
			spacing: 150 * time.Millisecond,
		}
		watcher, bare := measureLatency(b, tg)
		srv.Close()
		reportLatency(b, tg, watcher, bare)
	}
}

// BenchmarkLatencyDovecot: a private Dovecot over TLS, delivery by
// `doveadm save`. Dovecot waits a fixed 500 ms before it pushes to idling
// clients, so both clients see ≥ 500 ms; t0 is taken just before doveadm
// starts, so its ~10–30 ms run is in both figures too.
func BenchmarkLatencyDovecot(b *testing.B) {
	for range b.N {
		s := dovecottest.StartT(b, dovecottest.Options{Users: map[string]string{benchUser: benchPass}})
		tg := latencyTarget{
			title: "Dovecot 2.3 (TLS, doveadm save)",
			acct: mail.Account{Host: s.Host(), Port: s.TLSPort(), Security: mail.SecurityTLS, Username: benchUser,
				Password: staticPassword(benchPass), CAPEM: s.CAPEM()},
			dial: func(o *imapclient.Options) (*imapclient.Client, error) {
				o.TLSConfig = s.ClientTLSConfig()
				return imapclient.DialTLS(s.TLSAddr(), o)
			},
			deliver: func(subject string) error {
				return s.Deliver(benchUser, "INBOX", dovecottest.Message("Bob <bob@example.com>", benchUser+"@example.com", subject, time.Now()))
			},
			spacing: 700 * time.Millisecond,
		}
		watcher, bare := measureLatency(b, tg)
		reportLatency(b, tg, watcher, bare)
	}
}

func staticPassword(pw string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return pw, nil }
}
