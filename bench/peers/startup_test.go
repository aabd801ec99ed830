package peers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"
)

// startupRuns are measured per client and folder, after one unmeasured run.
const startupRuns = 10

const (
	startSmall = "Small10"
	startBig   = "Big100k"
)

// startupCost is one start: process start → idle, connect → idle, bytes.
type startupCost struct {
	total, connect time.Duration // connect: first byte of TCP → idle
	in, out        int64
}

// BenchmarkStartupBinary: the mailbell binary in headless mode, from process
// start to its "idle" line, on a folder of 10 and one of 100,000 messages
// (2,000 unread), first run and restart, beside the bare client's connect →
// IDLE. Plain IMAP through a counting proxy, so bytes are IMAP bytes.
func BenchmarkStartupBinary(b *testing.B) {
	for range b.N {
		startupRun(b)
	}
}

func startupRun(b *testing.B) {
	out := outDir(b)
	logDir := filepath.Join(out, "logs", "startup")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		b.Fatal(err)
	}
	bin := mailbellBinary(b)
	srv := dovecottest.StartT(b, dovecottest.Options{Users: map[string]string{benchUser: benchPass}})
	for _, f := range []struct {
		name      string
		n, unread int
	}{{startSmall, 10, 0}, {startBig, bigCount, bigUnread}} {
		fillAged(b, srv, f.name, f.n, f.unread)
	}
	work := b.TempDir()
	pw := passwordFile(b, filepath.Join(work, "secret"), benchUser, benchPass)

	const (
		cFirst = "Mailbell binary, first run"
		cKnown = "Mailbell binary, restart"
		cBare  = "bare go-imap: EXAMINE, IDLE"
	)
	clients := []string{cFirst, cKnown, cBare}
	results := map[string]map[string][]startupCost{}
	for _, folder := range []string{startSmall, startBig} {
		results[folder] = map[string][]startupCost{}
		knownDir := filepath.Join(work, "known-"+folder)
		for round := range startupRuns + 1 {
			for _, c := range clients {
				var cost startupCost
				var err error
				switch c {
				case cFirst:
					dir := filepath.Join(work, fmt.Sprintf("first-%s-%d", folder, round))
					cost, err = binaryStartup(b, bin, srv, folder, dir, pw, logDir)
				case cKnown:
					// Round 0 is its first run: it leaves the position behind.
					cost, err = binaryStartup(b, bin, srv, folder, knownDir, pw, logDir)
				case cBare:
					cost, err = bareStartup(srv, folder)
				}
				if err != nil {
					b.Fatalf("%s on %s: %v", c, folder, err)
				}
				if round > 0 {
					results[folder][c] = append(results[folder][c], cost)
				}
			}
		}
	}

	type med struct {
		total, connect time.Duration
		in, out        int64
	}
	medians := map[string]map[string]med{}
	for folder, byClient := range results {
		medians[folder] = map[string]med{}
		for c, costs := range byClient {
			var tot, con []time.Duration
			var ins, outs []int64
			for _, x := range costs {
				tot, con = append(tot, x.total), append(con, x.connect)
				ins, outs = append(ins, x.in), append(outs, x.out)
			}
			medians[folder][c] = med{summarize(tot).median, summarize(con).median, medianInt(ins), medianInt(outs)}
		}
	}
	var t strings.Builder
	fmt.Fprintf(&t, "Medians of %d runs per client and folder (after one unmeasured run), clients interleaved, on folders "+
		"brought into the state of a mailbox in use (see fillAged: a freshly written maildir makes Dovecot 2.3 pay 0.65–0.9 s "+
		"for its first cached fetch and then 150–450 ms per open, for every client, until it rewrites its index). "+
		"Plain IMAP through a counting proxy, so bytes are IMAP bytes. "+
		"\"process start\" includes exec and Go start-up of the 36 MB binary; \"connect\" starts at the proxy's accept. "+
		"Load average %s.\n\n", startupRuns, loadavg())
	fmt.Fprintf(&t, "| folder | client | process start → idle | connect → idle | bytes in | bytes out |\n|---|---|---:|---:|---:|---:|\n")
	for _, folder := range []string{startSmall, startBig} {
		for _, c := range clients {
			m := medians[folder][c]
			total := fmt.Sprintf("%.1f ms", ms(m.total))
			if c == cBare {
				total = "—"
			}
			fmt.Fprintf(&t, "| %s | %s | %s | %.1f ms | %d | %d |\n", folderLabel(folder), c, total, ms(m.connect), m.in, m.out)
		}
	}
	fmt.Fprintf(&t, "\nRatio 100,000 ÷ 10 messages (target ≤ 1.2):\n\n| client | process start → idle | connect → idle | bytes in |\n|---|---:|---:|---:|\n")
	for _, c := range clients {
		sm, bg := medians[startSmall][c], medians[startBig][c]
		total := fmt.Sprintf("%.2f×", float64(bg.total)/float64(sm.total))
		if c == cBare {
			total = "—"
		}
		fmt.Fprintf(&t, "| %s | %s | %.2f× | %.2f× |\n", c, total, float64(bg.connect)/float64(sm.connect), float64(bg.in)/float64(sm.in))
		if c == cFirst {
			b.ReportMetric(float64(bg.total)/float64(sm.total), "first-run-time-ratio")
			b.ReportMetric(float64(bg.in)/float64(sm.in), "first-run-bytes-ratio")
			b.ReportMetric(ms(bg.total), "first-run-100k-ms")
		}
	}
	printf("\nstartup on 10 vs 100,000 messages:\n%s", t.String())
	addSection(30, "3. Startup: process start → watching, 10 vs 100,000 messages", t.String())
}

func folderLabel(f string) string {
	if f == startBig {
		return "100,000 (2,000 unread)"
	}
	return "10"
}

// binaryStartup runs `mailbell --headless` on folder through a fresh proxy
// until its idle line, then stops it.
func binaryStartup(b *testing.B, bin string, srv *dovecottest.Server, folder, cfgDir, pw, logDir string) (startupCost, error) {
	px, err := faultproxy.New(srv.Addr())
	if err != nil {
		return startupCost{}, err
	}
	defer px.Close()
	writeMailbellConfig(b, cfgDir, mbAccount{ID: "bench", Host: "127.0.0.1", Port: px.Port(), Security: "plain",
		Username: benchUser, Folders: []string{folder}, PasswordCommand: pw})
	accepted := watchAccept(px)
	t0 := time.Now()
	p := startMailbell(b, "startup-"+folder, bin, os.Environ(), logDir, "--headless", "--config-dir", cfgDir)
	idleAt, err := p.waitIdle(2*time.Minute, 1)
	if err != nil {
		_ = p.stop()
		return startupCost{}, err
	}
	c := startupCost{total: idleAt.Sub(t0), connect: idleAt.Sub(<-accepted)}
	c.in, c.out = settleBytes(px)
	if err := p.stop(); err != nil {
		return c, err
	}
	return c, nil
}

// watchAccept reports when the proxy accepted its first connection; polling
// every 200 µs costs that much precision at most.
func watchAccept(px *faultproxy.Proxy) <-chan time.Time {
	ch := make(chan time.Time, 1)
	go func() {
		deadline := time.Now().Add(2 * time.Minute)
		for px.Accepted() == 0 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Microsecond)
		}
		ch <- time.Now()
	}()
	return ch
}

// bareStartup is the floor: dial, login, EXAMINE, IDLE accepted.
func bareStartup(srv *dovecottest.Server, folder string) (startupCost, error) {
	px, err := faultproxy.New(srv.Addr())
	if err != nil {
		return startupCost{}, err
	}
	defer px.Close()
	t0 := time.Now()
	c, err := imapclient.DialInsecure(px.Addr(), nil)
	if err != nil {
		return startupCost{}, err
	}
	defer c.Close()
	if err := c.Login(benchUser, benchPass).Wait(); err != nil {
		return startupCost{}, err
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return startupCost{}, err
	}
	idle, err := c.Idle()
	if err != nil {
		return startupCost{}, err
	}
	d := time.Since(t0)
	cost := startupCost{total: d, connect: d}
	cost.in, cost.out = settleBytes(px)
	_ = idle.Close()
	_ = idle.Wait()
	_ = c.Logout().Wait()
	return cost, nil
}
