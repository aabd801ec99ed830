package peers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
)

const burstSize = 10_000

// BenchmarkBurst: 10,000 messages land in an idle INBOX at once (written
// to tmp/, then renamed into new/ in one go, as a delivery agent would,
// only faster). Mailbell runs headless with --notify against a
// notification server that records every call: the time to the summary
// notification, to all 10,000 new_mail lines, and its peak memory.
func BenchmarkBurst(b *testing.B) {
	for range b.N {
		burstRun(b)
	}
}

func burstRun(b *testing.B) {
	out := outDir(b)
	logDir := filepath.Join(out, "logs", "burst")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		b.Fatal(err)
	}
	bin := mailbellBinary(b)
	srv := dovecottest.StartT(b, dovecottest.Options{Users: map[string]string{benchUser: benchPass}})
	if err := srv.FillMaildir(benchUser, "INBOX", 100, 0); err != nil {
		b.Fatal(err)
	}
	settleFolder(b, srv, "INBOX")
	sess := startSession(b, desktoptest.Options{DBus: true})
	rec := startNotifyRecorder(b, sess.BusAddress)
	cfgDir := filepath.Join(sess.Home, "mailbell")
	writeMailbellConfig(b, cfgDir, mbAccount{ID: "bench", Name: "Bench", Host: "127.0.0.1", Port: srv.TLSPort(), Security: "tls",
		Username: benchUser, CAFile: srv.CAFile(), PasswordCommand: passwordFile(b, filepath.Join(sess.Root, "secret"), benchUser, benchPass)})
	mb := startMailbell(b, "mailbell-burst", bin, sess.Env(), logDir, "--headless", "--notify", "--config-dir", cfgDir)
	if _, err := mb.waitIdle(time.Minute, 1); err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Second)
	idle, err := sampleProc(mb.pid())
	if err != nil {
		b.Fatal(err)
	}

	// Write the burst into tmp/ first (not visible to anyone yet).
	dir := srv.MaildirPath(benchUser, "INBOX")
	names := make([]string, burstSize)
	start := time.Now()
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		uid, gid = 65534, 65534 // dovecottest's mail owner when run as root
	}
	for i := range burstSize {
		k := i % 50
		msg := dovecottest.Message(fmt.Sprintf("Sender %d <sender%d@example.net>", k, k), benchUser+"@example.com",
			fmt.Sprintf("burst %05d", i), time.Now())
		names[i] = fmt.Sprintf("%d.M%dP%dQ%d.burst,S=%d", start.Unix(), i, os.Getpid(), i, len(msg))
		p := filepath.Join(dir, "tmp", names[i])
		if err := os.WriteFile(p, msg, 0o600); err != nil {
			b.Fatal(err)
		}
		if uid >= 0 {
			if err := os.Chown(p, uid, gid); err != nil {
				b.Fatal(err)
			}
		}
	}
	written := time.Since(start)

	// Peak memory is VmHWM at the end; RSS is sampled too, to see the curve.
	var peakRSS int64
	var sampling sync.WaitGroup
	stopSampling := make(chan struct{})
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		for {
			if s, err := sampleProc(mb.pid()); err == nil {
				peakRSS = max(peakRSS, s.rssKB)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	t0 := time.Now()
	for _, n := range names {
		if err := os.Rename(filepath.Join(dir, "tmp", n), filepath.Join(dir, "new", n)); err != nil {
			b.Fatal(err)
		}
	}
	renamed := time.Since(t0)
	if err := mb.waitFor(5*time.Minute, fmt.Sprintf("%d new_mail lines", burstSize), func(_ []stampedEvent, n int) bool {
		return n >= burstSize
	}); err != nil {
		b.Fatal(err)
	}
	_, lastLine := mb.newMailCount()
	// Let the policy's batch window close and the last notification go out.
	time.Sleep(2500 * time.Millisecond)
	close(stopSampling)
	sampling.Wait()
	after, err := sampleProc(mb.pid())
	if err != nil {
		b.Fatal(err)
	}
	n, _ := mb.newMailCount()

	calls := rec.calls()
	var t strings.Builder
	fmt.Fprintf(&t, "%d small messages written to the INBOX's tmp/ (%s, not timed), then renamed into new/ in one loop (%s); "+
		"t0 is the first rename. Mailbell headless with --notify over TLS, a recording notification server on a private bus. "+
		"Load average %s.\n\n", burstSize, written.Round(time.Millisecond), renamed.Round(time.Millisecond), loadavg())
	fmt.Fprintf(&t, "| what | figure |\n|---|---:|\n")
	fmt.Fprintf(&t, "| new_mail lines | %d |\n", n)
	fmt.Fprintf(&t, "| t0 → last new_mail line | %s |\n", lastLine.Sub(t0).Round(time.Millisecond))
	fmt.Fprintf(&t, "| notifications sent | %d |\n", len(calls))
	shown := calls
	if len(calls) > 4 {
		shown = append(calls[:3:3], calls[len(calls)-1])
	}
	for i, c := range shown {
		if i == 3 && len(calls) > 4 {
			fmt.Fprintf(&t, "| … | %d more |\n", len(calls)-4)
		}
		repl := ""
		if c.replaces != 0 {
			repl = fmt.Sprintf(", replacing #%d", c.replaces)
		}
		fmt.Fprintf(&t, "| t0 → notification #%d (%q%s) | %s |\n", c.id, c.summary, repl, c.at.Sub(t0).Round(time.Millisecond))
	}
	fmt.Fprintf(&t, "| resident memory idle before (VmRSS) | %.1f MB |\n", float64(idle.rssKB)/1024)
	fmt.Fprintf(&t, "| peak resident memory (VmHWM) | %.1f MB |\n", float64(after.hwmKB)/1024)
	fmt.Fprintf(&t, "| resident memory 2.5 s after (VmRSS) | %.1f MB |\n", float64(after.rssKB)/1024)
	fmt.Fprintf(&t, "| CPU time for the burst | %.2f s |\n", (time.Duration(after.cpuTicks-idle.cpuTicks) * time.Second / clockTicks).Seconds())
	printf("\nburst of %d messages:\n%s", burstSize, t.String())
	addSection(50, fmt.Sprintf("5. A burst of %d messages at once", burstSize), t.String())
	if n != burstSize {
		b.Errorf("%d new_mail lines, want %d", n, burstSize)
	}
	if len(calls) > 0 {
		b.ReportMetric(ms(calls[0].at.Sub(t0)), "first-notification-ms")
	}
	b.ReportMetric(ms(lastLine.Sub(t0)), "all-lines-ms")
	b.ReportMetric(float64(after.hwmKB)/1024, "peak-MB")
	b.ReportMetric(float64(len(calls)), "notifications")
}
