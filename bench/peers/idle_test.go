package peers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png" // import writes PNG
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/view"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"
	"mailbell/internal/testenv/sniwatcher"
)

// idleAccounts are the Dovecot users; each process watches all three.
var idleAccounts = map[string]string{"ann": "ann-Pa55", "bob": "bob-Pa55", "cy": "cy-Pa55"}

// idleDuration is $MAILBELL_BENCH_IDLE (a Go duration), default 10 minutes.
func idleDuration(tb testing.TB) time.Duration {
	v := os.Getenv("MAILBELL_BENCH_IDLE")
	if v == "" {
		return 10 * time.Minute
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 5*time.Second {
		tb.Fatalf("MAILBELL_BENCH_IDLE=%q: want a duration of at least 5s, like 30s or 10m", v)
	}
	return d
}

// BenchmarkIdle: three accounts, window closed, for MAILBELL_BENCH_IDLE: the
// background process with its tray (in a desktop session with a tray host
// and a notification server) and headless mode side by side, each through
// its own counting proxy. Then the window: tray click → mapped → drawn, and
// what it costs while open. Goroutines per watched folder are counted in
// process.
func BenchmarkIdle(b *testing.B) {
	for range b.N {
		idleRun(b)
	}
}

func idleRun(b *testing.B) {
	period := idleDuration(b)
	out := outDir(b)
	logDir := filepath.Join(out, "logs", "idle")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		b.Fatal(err)
	}
	bin := mailbellBinary(b)
	srv := dovecottest.StartT(b, dovecottest.Options{Users: idleAccounts})
	for user := range idleAccounts {
		if err := srv.FillMaildir(user, "INBOX", 500, 10); err != nil {
			b.Fatal(err)
		}
	}
	sess := startSession(b, desktoptest.Options{X: true, DBus: true})
	startNotifyRecorder(b, sess.BusAddress)
	host, err := sniwatcher.Dial(sess.BusAddress)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { host.Close() })

	pxTray, pxHeadless := newProxy(b, srv.TLSAddr()), newProxy(b, srv.TLSAddr())
	secret := filepath.Join(sess.Root, "secret")
	accounts := func(px *faultproxy.Proxy) []mbAccount {
		var accts []mbAccount
		for i, user := range []string{"ann", "bob", "cy"} {
			accts = append(accts, mbAccount{ID: fmt.Sprintf("a%d", i+1), Name: user, Host: "127.0.0.1", Port: px.Port(),
				Security: "tls", Username: user, CAFile: srv.CAFile(), PasswordCommand: passwordFile(b, secret, user, idleAccounts[user])})
		}
		return accts
	}
	trayCfg, headlessCfg := filepath.Join(sess.Home, "mailbell-tray"), filepath.Join(sess.Home, "mailbell-headless")
	writeMailbellConfig(b, trayCfg, accounts(pxTray)...)
	writeMailbellConfig(b, headlessCfg, accounts(pxHeadless)...)
	traySock, headlessSock := filepath.Join(sess.Root, "tray.sock"), filepath.Join(sess.Root, "headless.sock")
	tray := startMailbell(b, "mailbell-tray", bin, append(sess.Env(), "MAILBELL_SOCKET="+traySock), logDir, "--config-dir", trayCfg)
	headless := startMailbell(b, "mailbell-headless", bin, append(sess.Env(), "MAILBELL_SOCKET="+headlessSock), logDir,
		"--headless", "--config-dir", headlessCfg)

	if _, err := headless.waitIdle(2*time.Minute, 3); err != nil {
		b.Fatal(err)
	}
	if err := waitCoreIdle(traySock, 3, 2*time.Minute); err != nil {
		b.Fatalf("background process: %v; log:\n%s", err, tail(tray.logPath, 30))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	item, err := host.WaitItem(ctx)
	cancel()
	if err != nil {
		b.Fatalf("no tray icon: %v; log:\n%s", err, tail(tray.logPath, 30))
	}
	// Start-up is over; let its garbage go before measuring.
	time.Sleep(10 * time.Second)

	printf("\nidle: measuring for %s (MAILBELL_BENCH_IDLE), window closed, 3 accounts each…\n", period)
	load0 := loadavg()
	t0, err := sampleProc(tray.pid())
	if err != nil {
		b.Fatal(err)
	}
	h0, err := sampleProc(headless.pid())
	if err != nil {
		b.Fatal(err)
	}
	wire0 := map[string]int64{"tray": wire(pxTray), "headless": wire(pxHeadless)}
	time.Sleep(period)
	t1, err := sampleProc(tray.pid())
	if err != nil {
		b.Fatalf("background process: %v (exited?); log:\n%s", err, tail(tray.logPath, 30))
	}
	h1, err := sampleProc(headless.pid())
	if err != nil {
		b.Fatalf("headless: %v (exited?); log:\n%s", err, tail(headless.logPath, 30))
	}
	wireTray, wireHeadless := wire(pxTray)-wire0["tray"], wire(pxHeadless)-wire0["headless"]
	trayIdle, headlessIdle := t0.until(t1), h0.until(h1)
	if len(t1.descendant) > 0 {
		b.Errorf("the background process has child processes %v while no window is open", t1.descendant)
	}

	perFolder, fixed, gErr := goroutinesPerFolder(b, srv)

	// The window: tray click → mapped → drawn.
	win, err := openWindow(b, sess, host, item, tray)
	if err != nil {
		b.Fatal(err)
	}
	winPeriod := min(period, time.Minute)
	w0, err := sampleProc(win.pid)
	if err != nil {
		b.Fatal(err)
	}
	tw0, _ := sampleProc(tray.pid())
	time.Sleep(winPeriod)
	w1, err := sampleProc(win.pid)
	if err != nil {
		b.Fatalf("window process: %v (exited?)", err)
	}
	tw1, _ := sampleProc(tray.pid())
	winOpen, trayWithWin := w0.until(w1), tw0.until(tw1)
	closeErr := stopPID(win.pid, 10*time.Second)

	// Report.
	var t strings.Builder
	hour := func(n int64, over time.Duration) float64 { return float64(n) * float64(time.Hour) / float64(over) }
	fmt.Fprintf(&t, "Three accounts (three Dovecot users, INBOX each) over TLS, each process through its own counting proxy; "+
		"window closed; measured over %s after start-up plus 10 s (MAILBELL_BENCH_IDLE; `make bench` uses 10m). "+
		"The background process runs in a desktop session with X, a private bus, a tray host (sniwatcher) showing its icon "+
		"and a notification server. Wakeups are context switches of all threads (/proc/PID/task/*/status), a proxy for "+
		"wakeups. Load average %s at the start, %s at the end.\n\n", period, load0, loadavg())
	fmt.Fprintf(&t, "| process | CPU over the period | CPU per 10 min | resident (VmRSS) | of it anon / file-backed | proportional (PSS) | peak (VmHWM) | wakeups/s | threads | wire bytes per idle hour |\n")
	fmt.Fprintf(&t, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	row := func(name string, u usage, threads int, wireBytes string) {
		fmt.Fprintf(&t, "| %s | %.2f s | %.2f s | %.1f MB | %.1f / %.1f MB | %.1f MB | %.1f MB | %.2f | %d | %s |\n", name, u.cpu.Seconds(),
			(u.cpuPerMin * 10).Seconds(), mb(u.rssKB), mb(u.anonKB), mb(u.fileKB), mb(u.pssKB), mb(u.hwmKB), u.wakeupsPerSec(), threads, wireBytes)
	}
	row("background + tray, window closed", trayIdle, t1.threads, fmt.Sprintf("%.0f", hour(wireTray, trayIdle.wall)))
	row("headless", headlessIdle, h1.threads, fmt.Sprintf("%.0f", hour(wireHeadless, headlessIdle.wall)))
	row(fmt.Sprintf("window process, open (over %s)", winPeriod), winOpen, w1.threads, "— (socket only)")
	row(fmt.Sprintf("background + tray while the window is open (over %s)", winPeriod), trayWithWin, tw1.threads, "")
	fmt.Fprintf(&t, "\n- Target: background process ≤ 0.5 s CPU per 10 min: %.2f s — %s. Resident ≤ 30 MB: %.1f MB — %s (headless %.1f MB — %s).\n",
		(trayIdle.cpuPerMin * 10).Seconds(), met((trayIdle.cpuPerMin*10).Seconds() <= 0.5),
		float64(trayIdle.rssKB)/1024, met(trayIdle.rssKB <= 30*1024), float64(headlessIdle.rssKB)/1024, met(headlessIdle.rssKB <= 30*1024))
	fmt.Fprintf(&t, "- Tray click (\"Open Mailbell\") → window mapped: %s; → drawn (its pixels no longer one colour): %s.\n",
		win.mapped.Round(time.Millisecond), win.drawnText())
	if gErr != nil {
		fmt.Fprintf(&t, "- Goroutines per watched folder: not measured (%v).\n", gErr)
	} else {
		fmt.Fprintf(&t, "- Goroutines per watched folder (in process: app.New + Run with 1 and 3 accounts, runtime.NumGoroutine once idle): "+
			"%.1f, plus %d for the core itself.\n", perFolder, fixed)
	}
	if closeErr != nil {
		fmt.Fprintf(&t, "- The window process did not quit on SIGTERM: %v.\n", closeErr)
	}
	if period < 10*time.Minute {
		fmt.Fprintf(&t, "- Shorter than the 10 minutes of the target; CPU and bytes are scaled. Dovecot sends \"* OK Still here\" "+
			"every 2 min and Mailbell renews IDLE every 9 min, so a short period can miss or over-weigh one of them.\n")
	}
	printf("\nidle footprint:\n%s", t.String())
	addSection(40, "4. Idle footprint, three accounts", t.String())
	b.ReportMetric((trayIdle.cpuPerMin * 10).Seconds(), "tray-cpu-s/10min")
	b.ReportMetric(float64(trayIdle.rssKB)/1024, "tray-rss-MB")
	b.ReportMetric((headlessIdle.cpuPerMin * 10).Seconds(), "headless-cpu-s/10min")
	b.ReportMetric(float64(headlessIdle.rssKB)/1024, "headless-rss-MB")
	b.ReportMetric(ms(win.mapped), "click-to-window-ms")
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func wire(p *faultproxy.Proxy) int64 { return p.BytesToClient() + p.BytesToTarget() }

// waitCoreIdle reads the core's snapshots on its control socket until n
// folders are idle, then disconnects.
func waitCoreIdle(sock string, n int, d time.Duration) error {
	deadline := time.Now().Add(d)
	var c *control.Client
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var err error
		c, err = control.Dial(ctx, sock)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer c.Close()
	timeout := time.After(time.Until(deadline))
	last := ""
	for {
		select {
		case s, ok := <-c.Snapshots():
			if !ok {
				return fmt.Errorf("control socket closed: %v", c.Err())
			}
			idle := 0
			var states []string
			for _, a := range s.Accounts {
				for _, f := range a.Folders {
					states = append(states, a.ID+":"+string(f.State))
					if f.State == view.StateIdle {
						idle++
					}
				}
			}
			last = strings.Join(states, " ")
			if idle >= n {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("not %d folders idle within %s (last: %s)", n, d, last)
		}
	}
}

// goroutinesPerFolder runs the core in process with 1 and with 3 accounts
// against srv and counts goroutines once every folder is idle.
func goroutinesPerFolder(tb testing.TB, srv *dovecottest.Server) (perFolder float64, fixed int, err error) {
	count := func(n int) (int, error) {
		dir := tb.TempDir()
		var accts []mbAccount
		for i, user := range []string{"ann", "bob", "cy"}[:n] {
			accts = append(accts, mbAccount{ID: fmt.Sprintf("g%d", i+1), Host: "127.0.0.1", Port: srv.TLSPort(), Security: "tls",
				Username: user, CAFile: srv.CAFile(), PasswordCommand: "pw " + user})
		}
		writeMailbellConfig(tb, dir, accts...)
		before := runtime.NumGoroutine()
		core, err := app.New(app.Options{ConfigDir: dir, Logger: quiet,
			PasswordCommand: func(_ context.Context, line string) (string, error) {
				return idleAccounts[strings.TrimPrefix(line, "pw ")], nil
			}})
		if err != nil {
			return 0, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- core.Run(ctx) }()
		defer func() {
			cancel()
			<-done
		}()
		deadline := time.Now().Add(time.Minute)
		for {
			idle := 0
			for _, a := range core.Snapshot().Accounts {
				for _, f := range a.Folders {
					if f.State == view.StateIdle {
						idle++
					}
				}
			}
			if idle == n {
				break
			}
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("%d of %d folders idle after a minute", idle, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond)
		return runtime.NumGoroutine() - before, nil
	}
	g1, err := count(1)
	if err != nil {
		return 0, 0, err
	}
	g3, err := count(3)
	if err != nil {
		return 0, 0, err
	}
	perFolder = float64(g3-g1) / 2
	return perFolder, g1 - int(perFolder+0.5), nil
}

// openedWindow is the window process after a tray click.
type openedWindow struct {
	pid    int
	mapped time.Duration // click → viewable
	drawn  time.Duration // click → its pixels show more than one colour (0: not seen)
}

func (w openedWindow) drawnText() string {
	if w.drawn == 0 {
		return "not seen within 30 s"
	}
	return w.drawn.Round(time.Millisecond).String()
}

// openWindow clicks "Open Mailbell" in the tray menu and waits for the
// window called "Mailbell" to be mapped, then drawn.
func openWindow(tb testing.TB, sess *desktoptest.Session, host *sniwatcher.Watcher, item sniwatcher.Item, tray *mailbellProc) (openedWindow, error) {
	env := sess.Env()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := host.ClickText(ctx, item, "Open Mailbell"); err != nil {
		return openedWindow{}, err
	}
	var w openedWindow
	var id uint32
	for {
		var err error
		id, err = viewableWindow(env, "Mailbell")
		if err == nil {
			w.mapped = time.Since(start)
			break
		}
		if time.Since(start) > time.Minute {
			return w, fmt.Errorf("no window mapped a minute after the click: %v; log:\n%s", err, tail(tray.logPath, 30))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for time.Since(start) < 30*time.Second {
		if colours, err := windowColours(env, id); err == nil && colours > 1 {
			w.drawn = time.Since(start)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The window process is the window executable, started by the
	// background process from beside itself.
	for _, pid := range children(tray.pid()) {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); filepath.Base(exe) == "mailbell-window" {
			w.pid = pid
		}
	}
	if w.pid == 0 {
		return w, errors.New("the window is mapped but no mailbell-window child of the background process was found")
	}
	return w, nil
}

var treeLine = regexp.MustCompile(`^\s*(0x[0-9a-fA-F]+) "((?:[^"\\]|\\.)*)"`)

// viewableWindow finds a viewable top-level window called name with
// `xwininfo -root -tree` and `xwininfo -id`.
func viewableWindow(env []string, name string) (uint32, error) {
	cmd := exec.Command("xwininfo", "-root", "-tree")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("xwininfo -root -tree: %w", err)
	}
	found := 0
	for _, line := range strings.Split(string(out), "\n") {
		m := treeLine.FindStringSubmatch(line)
		if m == nil || m[2] != name {
			continue
		}
		found++
		id, err := strconv.ParseUint(m[1], 0, 32)
		if err != nil {
			continue
		}
		info := exec.Command("xwininfo", "-id", m[1])
		info.Env = env
		data, err := info.Output()
		if err == nil && strings.Contains(string(data), "Map State: IsViewable") {
			return uint32(id), nil
		}
	}
	return 0, fmt.Errorf("no viewable window %q (%d unmapped)", name, found)
}

// windowColours counts the distinct colours of a window's pixels (up to 2).
func windowColours(env []string, id uint32) (int, error) {
	cmd := exec.Command("import", "-window", fmt.Sprintf("0x%x", id), "png:-")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return 0, err
	}
	img, _, err := image.Decode(bytes.NewReader(out))
	if err != nil {
		return 0, err
	}
	bounds := img.Bounds()
	first := img.At(bounds.Min.X, bounds.Min.Y)
	r0, g0, b0, _ := first.RGBA()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if r != r0 || g != g0 || b != b0 {
				return 2, nil
			}
		}
	}
	return 1, nil
}

// stopPID sends SIGTERM to a process this benchmark caused to start (the
// window process) and waits for it to go.
func stopPID(pid int, d time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && bytes.HasPrefix(stat[i+1:], []byte(" Z")) {
			return nil // exited; the background process reaps it
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return fmt.Errorf("pid %d still running %s after SIGTERM; killed", pid, d)
}
