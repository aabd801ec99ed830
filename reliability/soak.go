package reliability

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// Fault kinds injected by the soak.
const (
	FaultCut       = "cut"       // every connection through a proxy closed at once
	FaultBlackhole = "blackhole" // a proxy forwards nothing for 4-6 s: a stalled path
	FaultLatency   = "latency"   // 50-300 ms per chunk each way for 2-5 s
	FaultRefuse    = "refuse"    // connections cut and new ones refused for 1-3 s
	FaultRestart   = "restart"   // Dovecot stopped (SIGTERM) and started again 0.3-2 s later
)

var faultKinds = []string{FaultCut, FaultBlackhole, FaultLatency, FaultRefuse, FaultRestart}

// SoakConfig sets up a fault soak. The zero value runs 45 s.
type SoakConfig struct {
	Duration time.Duration // faults and deliveries (default 45 s)
	Settle   time.Duration // longest wait for the last announcements once faults stop (default 30 s)
	Seed     uint64        // 0: time-based
	WorkDir  string        // parent of the config folder (default: the temp dir)
	Log      io.Writer     // the core's log and the soak's own lines (nil: discarded)
	// Mail are the watcher timings; zero fields take the soak's short ones:
	// silence 1 s + probe 1 s, so a stall is noticed in about 2 s.
	Mail mail.Options
}

// Stall is one blackhole and how long each watcher behind it took to notice.
type Stall struct {
	Start, End time.Time
	Noticed    map[string]time.Duration // account/folder → delay; absent: not noticed before End
	Watched    []string                 // account/folder keys that were idle when it began
}

// SoakReport is what a soak measured.
type SoakReport struct {
	Seed       uint64
	Duration   time.Duration // of the fault phase
	SettleTook time.Duration // from the end of faults to the last delivered message announced
	Faults     map[string]int

	Delivered, DeliveredOffline int // offline: written into the maildir while Dovecot was down
	DeliveryErrors              int // doveadm failed: the message may or may not exist
	Announced                   int // delivered messages announced at least once
	AnnounceEvents              int // new_mail lines in all
	Lost, Duplicated            []string
	Misrouted, Unexpected       []string

	Stalls                    []Stall
	LongestStallNotice        time.Duration
	UnnoticedStalls           int
	LongestDelay, MedianDelay time.Duration
	P95Delay                  time.Duration
	Backoffs                  int // state changes to backoff (connection failures seen by the core)
	MaxProxyConns             int // most simultaneous connections through the proxies
	GoroutinesBefore          int
	GoroutinesAfter           int
	Watchers                  int
}

type delivery struct {
	account, folder, subject string
	at                       time.Time
	offline                  bool
}

// RunSoak runs a core (in this process) against a private Dovecot through
// one fault proxy per account, 2 accounts × 2 folders, injects random faults
// while a writer delivers uniquely named messages, then stops the faults,
// waits for the stragglers and checks every delivered message was announced
// exactly once. It returns an error only when the soak could not run; what
// it found is in the report (see Problems).
func RunSoak(ctx context.Context, cfg SoakConfig) (*SoakReport, error) {
	if cfg.Duration <= 0 {
		cfg.Duration = 45 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 30 * time.Second
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	var logMu sync.Mutex
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(logw, "%s soak: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
	mo := cfg.Mail
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&mo.SilenceLimit, time.Second)
	def(&mo.ProbeTimeout, time.Second)
	def(&mo.DialTimeout, 4*time.Second)
	def(&mo.CommandTimeout, 5*time.Second)
	def(&mo.BackoffMin, 200*time.Millisecond)
	def(&mo.BackoffMax, 2*time.Second)
	def(&mo.HealthyAfter, 5*time.Second)

	work, err := os.MkdirTemp(cfg.WorkDir, "mailbell-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	users := map[string]string{"alice": "alice-soak-pw", "bob": "bob-soak-pw"}
	accounts := []string{"alice", "bob"}
	folders := []string{"INBOX", "Work"}
	srv, err := dovecottest.Start(dovecottest.Options{Users: users})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	for _, u := range accounts {
		if err := srv.CreateMailbox(u, "Work"); err != nil {
			return nil, err
		}
	}
	proxies := map[string]*faultproxy.Proxy{}
	var cfgAccts []Account
	store := secrets.Memory()
	for _, u := range accounts {
		p, err := faultproxy.New(srv.TLSAddr())
		if err != nil {
			return nil, err
		}
		defer p.Close()
		proxies[u] = p
		cfgAccts = append(cfgAccts, Account{ID: u, Host: "127.0.0.1", Port: p.Port(), Security: "tls",
			Username: u, Folders: folders, CAFile: srv.CAFile()})
		_ = store.Set(ctx, u, users[u])
	}
	if err := WriteConfig(work, cfgAccts...); err != nil {
		return nil, err
	}

	rep := &SoakReport{Seed: cfg.Seed, Faults: map[string]int{}, Watchers: len(accounts) * len(folders)}
	rep.GoroutinesBefore = runtime.NumGoroutine()
	rec := NewRecorder()
	core, err := app.New(app.Options{
		ConfigDir: work,
		Secrets:   store,
		Notifier:  rec,
		Mail:      mo,
		Logger:    slog.New(slog.NewTextHandler(&lockedWriter{w: logw, mu: &logMu}, nil)),
		Output:    rec.Output,
	})
	if err != nil {
		return nil, err
	}
	cctx, stopCore := context.WithCancel(ctx)
	coreDone := make(chan struct{})
	go func() {
		defer close(coreDone)
		_ = core.Run(cctx)
	}()
	defer func() {
		stopCore()
		<-coreDone
	}()
	keys := func(acct string) []string {
		var ks []string
		for _, f := range folders {
			ks = append(ks, acct+"/"+f)
		}
		return ks
	}
	allIdle := func() bool {
		for _, a := range accounts {
			for _, f := range folders {
				if rec.LastState(a, f) != string(mail.StateIdle) {
					return false
				}
			}
		}
		return true
	}
	if !rec.Wait(30*time.Second, allIdle) {
		return nil, fmt.Errorf("soak: the watchers did not reach idle within 30 s")
	}
	logf("seed %d: all %d watchers idle; faults for %s", cfg.Seed, rep.Watchers, cfg.Duration)

	// srvMu keeps deliveries and Dovecot's stop/start apart, so each
	// delivery knows whether it went through doveadm or into the maildir.
	var srvMu sync.Mutex
	fctx, stopFaults := context.WithTimeout(ctx, cfg.Duration)
	defer stopFaults()
	sleep := func(d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-fctx.Done():
		}
	}
	var wg sync.WaitGroup
	var delMu sync.Mutex
	var deliveries []delivery

	// The writer.
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(cfg.Seed, 1))
		for n := 1; fctx.Err() == nil; n++ {
			sleep(time.Duration(50+rng.IntN(550)) * time.Millisecond)
			if fctx.Err() != nil {
				return
			}
			acct, folder := accounts[rng.IntN(len(accounts))], folders[rng.IntN(len(folders))]
			subject := fmt.Sprintf("soak %s %s #%d", acct, folder, n)
			msg := dovecottest.Message("Soak Writer <writer@example.com>", acct+"@example.com", subject, time.Now())
			srvMu.Lock()
			offline := !srv.Running()
			err := srv.Deliver(acct, folder, msg)
			at := time.Now()
			srvMu.Unlock()
			delMu.Lock()
			if err != nil {
				rep.DeliveryErrors++
				logf("delivery %q failed: %v", subject, err)
			} else {
				deliveries = append(deliveries, delivery{acct, folder, subject, at, offline})
			}
			delMu.Unlock()
		}
	}()

	// The sampler of simultaneous connections.
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-fctx.Done():
				return
			case <-tick.C:
				n := 0
				for _, p := range proxies {
					n += p.Conns()
				}
				rep.MaxProxyConns = max(rep.MaxProxyConns, n)
			}
		}
	}()

	// The fault injector (this goroutine). One fault at a time; each is
	// undone before the next begins, even when time is up.
	rng := rand.New(rand.NewPCG(cfg.Seed, 2))
	span := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo)+1)) }
	for fctx.Err() == nil {
		sleep(span(500*time.Millisecond, 2500*time.Millisecond))
		if fctx.Err() != nil {
			break
		}
		kind := faultKinds[rng.IntN(len(faultKinds))]
		var targets []string
		switch rng.IntN(3) {
		case 0:
			targets = []string{"alice"}
		case 1:
			targets = []string{"bob"}
		default:
			targets = accounts
		}
		rep.Faults[kind]++
		switch kind {
		case FaultCut:
			logf("cut %v", targets)
			for _, a := range targets {
				proxies[a].Cut()
			}
		case FaultBlackhole:
			st := Stall{Start: time.Now(), Noticed: map[string]time.Duration{}}
			for _, a := range targets {
				for _, k := range keys(a) {
					acct, folder, _ := strings.Cut(k, "/")
					if rec.LastState(acct, folder) == string(mail.StateIdle) {
						st.Watched = append(st.Watched, k)
					}
				}
				proxies[a].Blackhole(true)
			}
			d := span(4*time.Second, 6*time.Second)
			logf("blackhole %v for %s (idle: %v)", targets, d.Round(time.Millisecond), st.Watched)
			sleep(d)
			for _, a := range targets {
				proxies[a].Blackhole(false)
			}
			st.End = time.Now()
			rep.Stalls = append(rep.Stalls, st)
		case FaultLatency:
			lat, d := span(50*time.Millisecond, 300*time.Millisecond), span(2*time.Second, 5*time.Second)
			logf("latency %v of %s for %s", targets, lat.Round(time.Millisecond), d.Round(time.Millisecond))
			for _, a := range targets {
				proxies[a].SetLatency(lat)
			}
			sleep(d)
			for _, a := range targets {
				proxies[a].SetLatency(0)
			}
		case FaultRefuse:
			d := span(time.Second, 3*time.Second)
			logf("refuse %v for %s", targets, d.Round(time.Millisecond))
			for _, a := range targets {
				proxies[a].Refuse(true)
				proxies[a].Cut()
			}
			sleep(d)
			for _, a := range targets {
				proxies[a].Refuse(false)
			}
		case FaultRestart:
			d := span(300*time.Millisecond, 2*time.Second)
			logf("dovecot restart, down for %s", d.Round(time.Millisecond))
			srvMu.Lock()
			err := srv.Stop()
			srvMu.Unlock()
			if err != nil {
				logf("dovecot stop: %v", err)
			}
			sleep(d)
			srvMu.Lock()
			err = srv.Start()
			srvMu.Unlock()
			if err != nil {
				stopFaults()
				wg.Wait()
				return nil, fmt.Errorf("soak: dovecot did not start again: %w", err)
			}
		}
	}
	wg.Wait()
	faultsEnd := time.Now()
	rep.Duration = cfg.Duration

	// Settle: every delivered message should now come through.
	delMu.Lock()
	dels := slices.Clone(deliveries)
	delMu.Unlock()
	announcedAll := func() bool {
		seen := map[string]bool{}
		for _, e := range rec.Kind(control.EvNewMail) {
			seen[e.Subject] = true
		}
		for _, d := range dels {
			if !seen[d.subject] {
				return false
			}
		}
		return true
	}
	logf("faults over; %d delivered; settling", len(dels))
	rec.Wait(cfg.Settle, announcedAll)
	rep.SettleTook = time.Since(faultsEnd)
	// A forced sync of every folder must bring nothing more; then a moment
	// for anything late.
	cctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
	if _, err := core.Do(cctx2, control.Command{Cmd: control.CmdCheckNow}); err != nil {
		logf("check_now: %v", err)
	}
	cancel()
	time.Sleep(2 * time.Second)
	stopCore()
	<-coreDone
	for _, p := range proxies {
		p.Cut() // the core is gone; what is left over the proxies is its leftovers
	}
	// Let exiting goroutines finish before counting.
	deadline := time.Now().Add(3 * time.Second)
	for rep.GoroutinesAfter = runtime.NumGoroutine(); rep.GoroutinesAfter > rep.GoroutinesBefore && time.Now().Before(deadline); rep.GoroutinesAfter = runtime.NumGoroutine() {
		time.Sleep(50 * time.Millisecond)
	}

	rep.compute(dels, rec)
	return rep, nil
}

func (rep *SoakReport) compute(dels []delivery, rec *Recorder) {
	ann := map[string][]Stamped{}
	events := rec.Events()
	for _, e := range events {
		if e.Event.Event == control.EvNewMail {
			ann[e.Subject] = append(ann[e.Subject], e)
			rep.AnnounceEvents++
		}
		if e.Event.Event == control.EvState && e.State == string(mail.StateBackoff) {
			rep.Backoffs++
		}
	}
	known := map[string]bool{}
	var delays []time.Duration
	for _, d := range dels {
		known[d.subject] = true
		rep.Delivered++
		if d.offline {
			rep.DeliveredOffline++
		}
		got := ann[d.subject]
		switch {
		case len(got) == 0:
			rep.Lost = append(rep.Lost, d.subject)
			continue
		case len(got) > 1:
			rep.Duplicated = append(rep.Duplicated, fmt.Sprintf("%s (×%d)", d.subject, len(got)))
		}
		rep.Announced++
		if got[0].Account != d.account || got[0].Folder != d.folder {
			rep.Misrouted = append(rep.Misrouted, fmt.Sprintf("%s announced as %s/%s", d.subject, got[0].Account, got[0].Folder))
		}
		delays = append(delays, got[0].At.Sub(d.at))
	}
	for subj := range ann {
		if !known[subj] {
			rep.Unexpected = append(rep.Unexpected, subj)
		}
	}
	slices.Sort(rep.Unexpected)
	if len(delays) > 0 {
		slices.Sort(delays)
		rep.LongestDelay = delays[len(delays)-1]
		rep.MedianDelay = delays[len(delays)/2]
		rep.P95Delay = delays[len(delays)*95/100]
	}
	for i := range rep.Stalls {
		st := &rep.Stalls[i]
		for _, k := range st.Watched {
			acct, folder, _ := strings.Cut(k, "/")
			for _, e := range events {
				if e.Event.Event == control.EvState && e.Account == acct && e.Folder == folder &&
					e.At.After(st.Start) && e.State != string(mail.StateIdle) {
					if e.At.Before(st.End) {
						st.Noticed[k] = e.At.Sub(st.Start)
						rep.LongestStallNotice = max(rep.LongestStallNotice, e.At.Sub(st.Start))
					}
					break
				}
			}
			if _, ok := st.Noticed[k]; !ok {
				rep.UnnoticedStalls++
			}
		}
	}
}

// Problems lists what broke an invariant; empty means the soak passed.
// noticeLimit bounds the time to notice a stall (0: not checked).
func (rep *SoakReport) Problems(noticeLimit time.Duration) []string {
	var p []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	add(rep.Delivered == 0, "nothing was delivered")
	add(len(rep.Lost) > 0, "%d lost: %s", len(rep.Lost), first(rep.Lost, 10))
	add(len(rep.Duplicated) > 0, "%d duplicated: %s", len(rep.Duplicated), first(rep.Duplicated, 10))
	add(len(rep.Misrouted) > 0, "%d misrouted: %s", len(rep.Misrouted), first(rep.Misrouted, 10))
	add(len(rep.Unexpected) > 0, "%d announced that were never delivered: %s", len(rep.Unexpected), first(rep.Unexpected, 10))
	add(rep.DeliveryErrors > 0, "%d deliveries failed (doveadm); the count is ambiguous", rep.DeliveryErrors)
	add(rep.UnnoticedStalls > 0, "%d watchers did not notice a stall before it ended", rep.UnnoticedStalls)
	add(noticeLimit > 0 && rep.LongestStallNotice > noticeLimit, "a stall took %s to notice (limit %s)",
		rep.LongestStallNotice.Round(time.Millisecond), noticeLimit)
	// The core's goroutines must all be gone once it stopped.
	add(rep.GoroutinesAfter > rep.GoroutinesBefore+5, "goroutines: %d before the core, %d after it stopped",
		rep.GoroutinesBefore, rep.GoroutinesAfter)
	return p
}

func first(s []string, n int) string {
	if len(s) > n {
		return strings.Join(s[:n], "; ") + fmt.Sprintf("; … %d more", len(s)-n)
	}
	return strings.Join(s, "; ")
}

// Table renders the report as a small text table.
func (rep *SoakReport) Table() string {
	var b strings.Builder
	row := func(k string, v any) { fmt.Fprintf(&b, "  %-36s %v\n", k, v) }
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	fmt.Fprintf(&b, "fault soak: %s of faults, %d watchers (2 accounts × 2 folders), seed %d\n", rep.Duration, rep.Watchers, rep.Seed)
	total := 0
	for _, k := range faultKinds {
		row("faults: "+k, rep.Faults[k])
		total += rep.Faults[k]
	}
	row("faults: total", total)
	row("messages delivered", fmt.Sprintf("%d (%d while Dovecot was down)", rep.Delivered, rep.DeliveredOffline))
	row("messages announced", fmt.Sprintf("%d (%d new_mail lines)", rep.Announced, rep.AnnounceEvents))
	row("lost", len(rep.Lost))
	row("duplicated", len(rep.Duplicated))
	row("announced but never delivered", len(rep.Unexpected))
	row("delivery errors", rep.DeliveryErrors)
	watched := 0
	for _, s := range rep.Stalls {
		watched += len(s.Watched)
	}
	row("stalls (watchers idle at the start)", fmt.Sprintf("%d (%d)", len(rep.Stalls), watched))
	row("longest time to notice a stall", ms(rep.LongestStallNotice))
	row("stalls not noticed", rep.UnnoticedStalls)
	row("delivery → announcement: longest", ms(rep.LongestDelay))
	row("delivery → announcement: median, p95", ms(rep.MedianDelay)+", "+ms(rep.P95Delay))
	row("connection failures seen (backoff)", rep.Backoffs)
	row("most connections through the proxies", rep.MaxProxyConns)
	row("settle after the faults", ms(rep.SettleTook))
	row("goroutines before / after the core", fmt.Sprintf("%d / %d", rep.GoroutinesBefore, rep.GoroutinesAfter))
	return b.String()
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
