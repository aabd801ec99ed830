package peers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"

	"mailbell/bench/bareclient"
)

const (
	benchUser = "ann"
	benchPass = "bench-Pa55"
	bigUnread = 2_000
	bigCount  = 100_000

	// latencyMessages are timed; latencyWarmups come first and also prove
	// that every client is watching (Mailnag prints nothing when it is).
	latencyMessages = 50
	latencyWarmups  = 2
	// latencySpacing keeps each delivery its own event for every client,
	// and longer than Mailbell's 1 s notification batch window, so each of
	// its notifications is a single one (a faster trickle is batched on
	// purpose and would measure the window, not the client).
	latencySpacing = 1250 * time.Millisecond
)

// Client names, as the tables and the plot show them.
const (
	nameMailbell       = "Mailbell (headless line)"
	nameMailbellNotify = "Mailbell (notification)"
	nameBare           = "bare go-imap IDLE"
	nameMailnag        = "Mailnag 2.2 (plugin hook)"
	nameMailbellSolo   = "Mailbell, Mailnag stopped"
	nameBareSolo       = "bare, Mailnag stopped"
)

// plotOrder is the order of the rows of a panel.
var plotOrder = map[string]int{nameMailbell: 0, nameMailbellNotify: 1, nameBare: 2, nameMailnag: 3, nameMailbellSolo: 4, nameBareSolo: 5}

// latencyScenario is one INBOX shape.
type latencyScenario struct {
	key, title string
	n, unread  int
}

var (
	smallScenario = latencyScenario{"small", "almost empty INBOX", 0, 0}
	bigScenario   = latencyScenario{"big", "INBOX of 100,000 messages, 2,000 unread", bigCount, bigUnread}
)

// Medians on the small INBOX, for the big one's target: Mailbell's and the
// bare client's with all clients, and both with Mailnag stopped.
var (
	smallMedian, smallBare time.Duration
	smallSolo              [2]time.Duration
)

// latencyData is what the plot reads (OUT/latency-<key>.json).
type latencyData struct {
	Key     string          `json:"key"`
	Title   string          `json:"title"`
	Date    string          `json:"date"`
	Clients []latencyClient `json:"clients"`
}

type latencyClient struct {
	Name string    `json:"name"`
	MS   []float64 `json:"ms"`
}

// BenchmarkLatencySmall: delivery → notification, Mailbell, the bare
// client and Mailnag watching one almost empty INBOX at once.
func BenchmarkLatencySmall(b *testing.B) {
	for range b.N {
		latencyRun(b, smallScenario)
	}
}

// BenchmarkLatencyBig: the same on an INBOX of 100,000 messages with 2,000
// unread, written as maildir files.
func BenchmarkLatencyBig(b *testing.B) {
	for range b.N {
		latencyRun(b, bigScenario)
	}
}

// tlsDial dials addr with TLS for the bare client.
func tlsDial(addr string, srv *dovecottest.Server) func(*imapclient.Options) (*imapclient.Client, error) {
	return func(o *imapclient.Options) (*imapclient.Client, error) {
		o.TLSConfig = srv.ClientTLSConfig()
		return imapclient.DialTLS(addr, o)
	}
}

// newProxy is a counting proxy to target, closed in Cleanup.
func newProxy(tb testing.TB, target string) *faultproxy.Proxy {
	tb.Helper()
	p, err := faultproxy.New(target)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// settleBytes reads a proxy's counters once they stopped moving.
func settleBytes(p *faultproxy.Proxy) (in, out int64) {
	in, out = p.BytesToClient(), p.BytesToTarget()
	for range 200 {
		time.Sleep(20 * time.Millisecond)
		i, o := p.BytesToClient(), p.BytesToTarget()
		if i == in && o == out {
			return in, out
		}
		in, out = i, o
	}
	return in, out
}

// settleFolder opens folder read-write once, as a person's mail client does
// all the time, and logs out.
func settleFolder(tb testing.TB, srv *dovecottest.Server, folder string) {
	tb.Helper()
	c := login(tb, srv)
	defer c.Close()
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		tb.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		tb.Fatal(err)
	}
}

func login(tb testing.TB, srv *dovecottest.Server) *imapclient.Client {
	tb.Helper()
	c, err := imapclient.DialInsecure(srv.Addr(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Login(benchUser, benchPass).Wait(); err != nil {
		c.Close()
		tb.Fatal(err)
	}
	return c
}

// fillAged builds a folder of n messages (unread of them unread) in the
// state of a mailbox in use, not of one just written. Dovecot 2.3 on a
// freshly written 100,000-message maildir behaves in two ways a used
// mailbox does not (measured here): the first fetch of a cached field
// (ENVELOPE, INTERNALDATE) costs 0.65–0.9 s once, while it creates the
// folder's cache; and the cache records a read-only session adds stay in
// the transaction log until Dovecot next rewrites its index, so until then
// every open costs every client 150–450 ms instead of 25–45 ms (a
// read-write SELECT, `doveadm index` or `force-resync` do not rewrite it).
// So: fill, look at the newest envelopes read-only as a client's first
// look does, then change enough in a read-write session (flag and unflag
// 3,000 messages) that Dovecot rewrites the index, and let the folder's
// mtimes age past its "changed just now, rescan on every open" window.
func fillAged(tb testing.TB, srv *dovecottest.Server, folder string, n, unread int) {
	tb.Helper()
	if err := srv.FillMaildir(benchUser, folder, n, unread); err != nil {
		tb.Fatal(err)
	}
	settleFolder(tb, srv, folder)
	fetchRecentEnvelopes(tb, srv, folder)
	c := login(tb, srv)
	data, err := c.Select(folder, nil).Wait()
	if err != nil {
		tb.Fatal(err)
	}
	if data.NumMessages > 0 {
		var set imap.SeqSet
		set.AddRange(1, min(data.NumMessages, 3000))
		for _, op := range []imap.StoreFlagsOp{imap.StoreFlagsAdd, imap.StoreFlagsDel} {
			if err := c.Store(set, &imap.StoreFlags{Op: op, Silent: true, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Close(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := c.Logout().Wait(); err != nil {
		tb.Fatal(err)
	}
	c.Close()
	time.Sleep(2500 * time.Millisecond)
	settleFolder(tb, srv, folder) // the one rescan the renames cost, paid here
}

// fetchRecentEnvelopes reads the last 20 envelopes read-only, as a client's
// first look at a folder does.
func fetchRecentEnvelopes(tb testing.TB, srv *dovecottest.Server, folder string) {
	tb.Helper()
	c := login(tb, srv)
	defer c.Close()
	data, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		tb.Fatal(err)
	}
	if data.NumMessages > 0 {
		var set imap.SeqSet
		set.AddRange(max(data.NumMessages, 20)-19, data.NumMessages)
		if _, err := c.Fetch(set, &imap.FetchOptions{UID: true, Flags: true, Envelope: true, InternalDate: true}).Collect(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := c.Logout().Wait(); err != nil {
		tb.Fatal(err)
	}
}

func deliver(srv *dovecottest.Server, subject string) error {
	return srv.Deliver(benchUser, "INBOX", dovecottest.Message("Bob Sender <bob@example.com>", benchUser+"@example.com", subject, time.Now()))
}

func latencyRun(b *testing.B, sc latencyScenario) {
	out := outDir(b)
	logDir := filepath.Join(out, "logs", "latency-"+sc.key)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		b.Fatal(err)
	}
	bin := mailbellBinary(b)
	srv := dovecottest.StartT(b, dovecottest.Options{Users: map[string]string{benchUser: benchPass}})
	if sc.n > 0 {
		start := time.Now()
		fillAged(b, srv, "INBOX", sc.n, sc.unread)
		printf("\nlatency/%s: filled INBOX with %d messages (%d unread) in %s\n", sc.key, sc.n, sc.unread, time.Since(start).Round(time.Millisecond))
	}

	sess := startSession(b, desktoptest.Options{DBus: true})
	rec := startNotifyRecorder(b, sess.BusAddress)
	// Each client reaches Dovecot's TLS port through its own counting proxy.
	pxMB, pxBare, pxNag := newProxy(b, srv.TLSAddr()), newProxy(b, srv.TLSAddr()), newProxy(b, srv.TLSAddr())

	cfgDir := filepath.Join(sess.Home, "mailbell")
	pw := passwordFile(b, filepath.Join(sess.Root, "secret"), benchUser, benchPass)
	writeMailbellConfig(b, cfgDir, mbAccount{ID: "bench", Name: "Bench", Host: "127.0.0.1", Port: pxMB.Port(),
		Security: "tls", Username: benchUser, CAFile: srv.CAFile(), PasswordCommand: pw})
	mb := startMailbell(b, "mailbell-headless", bin, sess.Env(), logDir, "--headless", "--notify", "--config-dir", cfgDir)
	nag := startMailnag(b, sess, mailnagAccount{user: benchUser, password: benchPass, port: pxNag.Port(), ssl: true}, logDir)
	bareArr := bareclient.NewArrivals()
	stopBare := startBare(b, tlsDial(pxBare.Addr(), srv), benchUser, benchPass, "INBOX", false, bareArr.Note)
	if _, err := mb.waitIdle(2*time.Minute, 1); err != nil {
		b.Fatal(err)
	}

	// Warm-ups: each must reach all three before the timed run starts.
	for i := range latencyWarmups {
		subject := fmt.Sprintf("warmup %d", i)
		if err := deliver(srv, subject); err != nil {
			b.Fatal(err)
		}
		if err := mb.waitNewMail(3*time.Minute, subject); err != nil {
			b.Fatal(err)
		}
		if err := nag.waitRecorded([]string{subject}, 3*time.Minute); err != nil {
			b.Fatal(err)
		}
		if err := waitArrival(bareArr, subject, time.Minute); err != nil {
			b.Fatal(fmt.Errorf("bare client: %w", err))
		}
		time.Sleep(latencySpacing)
	}

	type counters struct{ in, out int64 }
	before := map[string]counters{}
	for name, p := range map[string]*faultproxy.Proxy{nameMailbell: pxMB, nameBare: pxBare, nameMailnag: pxNag} {
		in, o := settleBytes(p)
		before[name] = counters{in, o}
	}
	load0 := loadavg()

	subjects, sent, saveTimes := deliverSeries(b, srv, "latency "+sc.key)
	if err := mb.waitNewMail(time.Minute, subjects...); err != nil {
		b.Fatal(err)
	}
	for _, s := range subjects {
		if err := waitArrival(bareArr, s, time.Minute); err != nil {
			b.Fatal(fmt.Errorf("bare client: %w", err))
		}
	}
	// Mailnag can miss a push that lands while it checks (its IDLE only
	// wakes on responses that come during IDLE); then it finds the message
	// at its next check, which Dovecot's "* OK Still here" (every 2 min)
	// triggers. Wait that long, then count what is still missing.
	nagErr := nag.waitRecorded(subjects, 150*time.Second)
	if nag.exited() {
		b.Fatal(nagErr)
	}
	// The last notification follows the last line within moments.
	time.Sleep(500 * time.Millisecond)
	perMsg := map[string]float64{}
	for name, p := range map[string]*faultproxy.Proxy{nameMailbell: pxMB, nameBare: pxBare, nameMailnag: pxNag} {
		in, o := settleBytes(p)
		perMsg[name] = float64((in-before[name].in)+(o-before[name].out)) / latencyMessages
	}

	// Phase 2: the same without Mailnag. Its checks keep Dovecot busy
	// (it re-reads every unread message's header on each change), and the
	// machine has two cores: this shows Mailbell beside the bare client
	// without that contention.
	nag.stop()
	time.Sleep(2 * time.Second)
	soloSubjects, soloSent, _ := deliverSeries(b, srv, "solo "+sc.key)
	if err := mb.waitNewMail(time.Minute, soloSubjects...); err != nil {
		b.Fatal(err)
	}
	for _, s := range soloSubjects {
		if err := waitArrival(bareArr, s, time.Minute); err != nil {
			b.Fatal(fmt.Errorf("bare client: %w", err))
		}
	}
	if err := stopBare(); err != nil {
		b.Errorf("bare client: %v", err)
	}
	var soloMB, soloBare []time.Duration
	for _, s := range soloSubjects {
		at, _ := mb.newMailAt(s)
		soloMB = append(soloMB, at.Sub(soloSent[s]))
		at, _ = bareArr.Get(s)
		soloBare = append(soloBare, at.Sub(soloSent[s]))
	}

	// Collect.
	nagRec := nag.records()
	notified := map[string]time.Time{}
	singles := 0
	for _, c := range rec.calls() {
		if _, ok := sent[c.body]; ok {
			if _, dup := notified[c.body]; !dup {
				notified[c.body] = c.at
				singles++
			}
		}
	}
	lat := map[string][]time.Duration{}
	nagMissing := 0
	for _, s := range subjects {
		t0 := sent[s]
		at, _ := mb.newMailAt(s)
		lat[nameMailbell] = append(lat[nameMailbell], at.Sub(t0))
		if at, ok := notified[s]; ok {
			lat[nameMailbellNotify] = append(lat[nameMailbellNotify], at.Sub(t0))
		}
		at, _ = bareArr.Get(s)
		lat[nameBare] = append(lat[nameBare], at.Sub(t0))
		if at, ok := nagRec[s]; ok {
			lat[nameMailnag] = append(lat[nameMailnag], at.Sub(t0))
		} else {
			nagMissing++
		}
	}
	names := []string{nameMailbell, nameMailbellNotify, nameBare, nameMailnag}
	data := latencyData{Key: sc.key, Title: sc.title, Date: time.Now().Format(time.RFC3339)}
	for _, n := range names {
		c := latencyClient{Name: n}
		for _, d := range lat[n] {
			c.MS = append(c.MS, ms(d))
		}
		data.Clients = append(data.Clients, c)
	}
	for name, ds := range map[string][]time.Duration{nameMailbellSolo: soloMB, nameBareSolo: soloBare} {
		c := latencyClient{Name: name}
		for _, d := range ds {
			c.MS = append(c.MS, ms(d))
		}
		data.Clients = append(data.Clients, c)
	}
	slices.SortStableFunc(data.Clients, func(a, b latencyClient) int { return plotOrder[a.Name] - plotOrder[b.Name] })
	raw, _ := json.MarshalIndent(data, "", " ")
	if err := os.WriteFile(filepath.Join(out, "latency-"+sc.key+".json"), raw, 0o644); err != nil {
		b.Fatal(err)
	}
	svg, err := writeLatencyPlot(out)
	if err != nil {
		b.Errorf("plot: %v", err)
	}

	// Report.
	sums := map[string]summary{}
	for _, n := range names {
		sums[n] = summarize(lat[n])
	}
	bare := sums[nameBare].median
	var t strings.Builder
	saves := summarize(saveTimes)
	fmt.Fprintf(&t, "From the start of a delivery (`doveadm save`; it took %.0f ms median, %.0f ms p95 here, included in every figure) "+
		"to each client's report, %d messages %s apart after %d warm-ups, all clients on the same INBOX at once over TLS, "+
		"each through its own counting proxy. Dovecot holds each IDLE push ~500 ms. Load average %s at the start, %s at the end.\n\n",
		ms(saves.median), ms(saves.p95), latencyMessages, latencySpacing, latencyWarmups, load0, loadavg())
	fmt.Fprintf(&t, "| client | n | median | p95 | max | median ÷ bare | wire bytes per message |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range names {
		s := sums[n]
		bytes := "—"
		if v, ok := perMsg[n]; ok {
			bytes = fmt.Sprintf("%.0f", v)
		}
		if n == nameMailbellNotify {
			bytes = "(same connection)"
		}
		fmt.Fprintf(&t, "| %s | %d | %.1f ms | %.1f ms | %.1f ms | %.3f× | %s |\n", n, s.n, ms(s.median), ms(s.p95), ms(s.worst),
			float64(s.median)/float64(bare), bytes)
	}
	soloSums := map[string]summary{nameMailbell: summarize(soloMB), nameBare: summarize(soloBare)}
	for _, n := range []string{nameMailbell, nameBare} {
		s := soloSums[n]
		fmt.Fprintf(&t, "| %s, Mailnag stopped | %d | %.1f ms | %.1f ms | %.1f ms | %.3f× | |\n", n, s.n, ms(s.median), ms(s.p95), ms(s.worst),
			float64(s.median)/float64(soloSums[nameBare].median))
	}
	mbMed := sums[nameMailbell].median
	fmt.Fprintf(&t, "\n- Target: Mailbell ≤ 1.05× the bare client: %.3f× (median), Mailbell − bare per message: %s. ",
		float64(mbMed)/float64(bare), diffSummary(lat[nameMailbell], lat[nameBare]))
	fmt.Fprintf(&t, "Ahead of Mailnag: %s (Mailnag's median is %.2f× Mailbell's).\n", yes(mbMed < sums[nameMailnag].median),
		float64(sums[nameMailnag].median)/float64(mbMed))
	fmt.Fprintf(&t, "- With Mailnag stopped (%d more messages, same spacing): Mailbell ÷ bare %.3f× (median), Mailbell − bare per message: %s.\n",
		latencyMessages, float64(soloSums[nameMailbell].median)/float64(soloSums[nameBare].median), diffSummary(soloMB, soloBare))
	if nagMissing > 0 {
		fmt.Fprintf(&t, "- Mailnag had not reported %d of the %d messages 150 s after the last delivery; its figures are over the rest.\n",
			nagMissing, latencyMessages)
		_ = nagErr
	}
	fmt.Fprintf(&t, "- Mailbell's desktop notifications: %d of %d messages got their own (the rest would be in a summary).\n", singles, latencyMessages)
	if sc.key == bigScenario.key && smallMedian > 0 {
		fmt.Fprintf(&t, "- Target: Mailbell within 1.1× of its small-INBOX median: %.3f× (%.1f ms vs %.1f ms); Mailnag stopped: %.3f× "+
			"(%.1f ms vs %.1f ms); the bare client: %.3f×, and %.3f× with Mailnag stopped.\n",
			float64(mbMed)/float64(smallMedian), ms(mbMed), ms(smallMedian),
			float64(soloSums[nameMailbell].median)/float64(smallSolo[0]), ms(soloSums[nameMailbell].median), ms(smallSolo[0]),
			float64(bare)/float64(smallBare), float64(soloSums[nameBare].median)/float64(smallSolo[1]))
	}
	if sc.key == smallScenario.key {
		smallMedian, smallBare = mbMed, bare
		smallSolo = [2]time.Duration{soloSums[nameMailbell].median, soloSums[nameBare].median}
	}
	if svg != "" {
		fmt.Fprintf(&t, "- Plot: `%s`.\n", filepath.Base(svg))
	}
	printf("\nlatency on an %s (%d messages %s apart):\n%s", sc.title, latencyMessages, latencySpacing, t.String())
	addSection(10+map[string]int{"small": 0, "big": 1}[sc.key], "1–2. Delivery → notification latency: "+sc.title, t.String())

	b.ReportMetric(ms(mbMed), "mailbell-median-ms")
	b.ReportMetric(ms(bare), "bare-median-ms")
	b.ReportMetric(ms(sums[nameMailnag].median), "mailnag-median-ms")
	b.ReportMetric(float64(mbMed)/float64(bare), "mailbell/bare")
}

// deliverSeries delivers latencyMessages messages latencySpacing apart and
// returns their subjects, when each delivery started, and how long each
// `doveadm save` took.
func deliverSeries(b *testing.B, srv *dovecottest.Server, prefix string) ([]string, map[string]time.Time, []time.Duration) {
	var subjects []string
	var saveTimes []time.Duration
	sent := map[string]time.Time{}
	for i := range latencyMessages {
		subject := fmt.Sprintf("%s %02d", prefix, i)
		if i > 0 {
			time.Sleep(latencySpacing)
		}
		t0 := time.Now()
		if err := deliver(srv, subject); err != nil {
			b.Fatal(err)
		}
		saveTimes = append(saveTimes, time.Since(t0))
		subjects = append(subjects, subject)
		sent[subject] = t0
	}
	return subjects, sent, saveTimes
}

func waitArrival(a *bareclient.Arrivals, subject string, d time.Duration) error {
	deadline := time.After(d)
	for {
		if _, ok := a.Get(subject); ok {
			return nil
		}
		select {
		case <-a.More():
		case <-deadline:
			return fmt.Errorf("%q not reported within %s", subject, d)
		}
	}
}

// diffSummary is the per-message difference a−b: median and p95.
func diffSummary(a, b []time.Duration) string {
	var d []time.Duration
	for i := range a {
		d = append(d, a[i]-b[i])
	}
	s := summarize(d)
	return fmt.Sprintf("median %+.1f ms, p95 %+.1f ms", ms(s.median), ms(s.p95))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
