package reliability

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"
	"mailbell/mail"
)

// exactlyOnce fails for every subject not announced exactly once, and
// returns the longest delay from delivered[subject] to its announcement.
func (c *coreT) exactlyOnce(t *testing.T, delivered map[string]time.Time) time.Duration {
	t.Helper()
	var longest time.Duration
	for subj, at := range delivered {
		var got []Stamped
		for _, e := range c.rec.Kind(control.EvNewMail) {
			if e.Subject == subj {
				got = append(got, e)
			}
		}
		if len(got) != 1 {
			t.Errorf("%q announced %d times", subj, len(got))
			continue
		}
		longest = max(longest, got[0].At.Sub(at))
	}
	return longest
}

func subjects(m map[string]time.Time) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}

// TestByeDuringIdle: Dovecot ends the session while the client idles
// (doveadm kick: "* BYE Server shutting down."), five times, with mail
// delivered just before and just after each: all of it announced once.
func TestByeDuringIdle(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX", "Work")
	c := r.start(t, testMail())
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	delivered := map[string]time.Time{}
	for round := 1; round <= 5; round++ {
		c.wait(15*time.Second, "idle before the kick", c.idle(r.keys()...))
		before, after := fmt.Sprintf("before kick %d", round), fmt.Sprintf("after kick %d", round)
		delivered[before] = deliver(t, r.srv, rigUser, "INBOX", before)
		kick(t, r.srv, rigUser)
		delivered[after] = deliver(t, r.srv, rigUser, "Work", after)
		c.wait(15*time.Second, "the mail around kick "+fmt.Sprint(round), c.hasMail(before, after))
	}
	time.Sleep(time.Second)
	longest := c.exactlyOnce(t, delivered)
	backoffs := c.count(control.EvState, rigUser, "INBOX", string(mail.StateBackoff)) +
		c.count(control.EvState, rigUser, "Work", string(mail.StateBackoff))
	if backoffs < 5 {
		t.Errorf("%d reconnects for 5 kicks of 2 sessions", backoffs)
	}
	t.Logf("5 BYEs during IDLE: %d reconnects, longest delivery → announcement %s", backoffs, longest.Round(time.Millisecond))
}

// TestServerDropsIdleConnections: a server that closes a connection after
// 2.5 s without a byte from the client (Gmail does it after ~10 min). An
// IDLE refresh shorter than that keeps the one connection per folder; a
// longer one means reconnects, and still nothing is lost.
func TestServerDropsIdleConnections(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		refresh    time.Duration
		wantDrops  bool
		deliveries int
	}{
		{"refresh 1s keeps the connection", time.Second, false, 4},
		{"refresh 10s gets dropped", 10 * time.Second, true, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, dovecottestOpts(), "INBOX", "Work")
			drop, err := newIdleDropProxy(r.srv.TLSAddr(), 2500*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { drop.Close() })
			r.acct.Port = drop.Port()
			r.writeConfig(t)
			mo := testMail()
			mo.IdleRefresh = tc.refresh
			c := r.start(t, mo)
			c.wait(30*time.Second, "idle", c.idle(r.keys()...))
			delivered := map[string]time.Time{}
			for i := range tc.deliveries {
				time.Sleep(2 * time.Second)
				subj := fmt.Sprintf("idle drop %d", i)
				delivered[subj] = deliver(t, r.srv, rigUser, []string{"INBOX", "Work"}[i%2], subj)
			}
			c.wait(20*time.Second, "all mail", c.hasMail(subjects(delivered)...))
			time.Sleep(time.Second)
			longest := c.exactlyOnce(t, delivered)
			drops := drop.dropped.Load()
			t.Logf("IDLE refresh %s, server drops after 2.5 s of client silence: %d drops, %d connections, longest delay %s",
				tc.refresh, drops, drop.accepted.Load(), longest.Round(time.Millisecond))
			if !tc.wantDrops && (drops != 0 || drop.accepted.Load() != 2) {
				t.Errorf("the IDLE refresh did not keep the connections: %d drops, %d connections for 2 folders", drops, drop.accepted.Load())
			}
			if tc.wantDrops && drops == 0 {
				t.Errorf("no connection was dropped: the test did not test")
			}
		})
	}
}

// TestServerCutsEveryFewSeconds: every connection is cut every 2 s for 14 s
// while mail arrives. Each connection lives less than HealthyAfter (the
// default minute), so the backoff is never reset; the longest delay stays
// within the backoff cap, and nothing is lost or doubled.
func TestServerCutsEveryFewSeconds(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX", "Work")
	mo := testMail()
	mo.BackoffMin, mo.BackoffMax = 200*time.Millisecond, 4*time.Second
	c := r.start(t, mo)
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	delivered := map[string]time.Time{}
	stop := time.After(14 * time.Second)
	cut := time.NewTicker(2 * time.Second)
	defer cut.Stop()
	n := 0
loop:
	for {
		select {
		case <-stop:
			break loop
		case <-cut.C:
			r.proxy.Cut()
		case <-time.After(700 * time.Millisecond):
			n++
			subj := fmt.Sprintf("cut test %d", n)
			delivered[subj] = deliver(t, r.srv, rigUser, []string{"INBOX", "Work"}[n%2], subj)
		}
	}
	c.wait(20*time.Second, "all mail", c.hasMail(subjects(delivered)...))
	time.Sleep(time.Second)
	longest := c.exactlyOnce(t, delivered)
	var maxWait time.Duration
	for _, e := range c.rec.Kind(control.EvState) {
		if e.State == string(mail.StateBackoff) && e.NextTry != "" {
			if nt, err := time.Parse(time.RFC3339, e.NextTry); err == nil {
				maxWait = max(maxWait, nt.Sub(e.At))
			}
		}
	}
	t.Logf("cut every 2 s: %d messages, longest delay %s, longest backoff wait ~%s (cap %s)",
		len(delivered), longest.Round(time.Millisecond), maxWait.Round(time.Second), mo.BackoffMax)
	if limit := mo.BackoffMax + 2*time.Second + mo.DialTimeout; longest > limit {
		t.Errorf("longest delivery → announcement %s > %s", longest, limit)
	}
}

// TestServerRefusesConnections: for 6 s the server refuses every new
// connection. The watchers back off (no hammering), say why, and catch up
// within the backoff cap once it accepts again.
func TestServerRefusesConnections(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX", "Work")
	mo := testMail()
	mo.BackoffMin, mo.BackoffMax = 200*time.Millisecond, 2*time.Second
	c := r.start(t, mo)
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	r.proxy.Refuse(true)
	r.proxy.Cut()
	refusedStart := r.proxy.Refused()
	delivered := map[string]time.Time{}
	for i := range 3 {
		time.Sleep(1500 * time.Millisecond)
		subj := fmt.Sprintf("while refused %d", i)
		delivered[subj] = deliver(t, r.srv, rigUser, []string{"INBOX", "Work"}[i%2], subj)
	}
	time.Sleep(1500 * time.Millisecond)
	var why string
	for _, e := range c.rec.Kind(control.EvState) {
		if e.State == string(mail.StateBackoff) {
			why = e.Error
		}
	}
	if why == "" {
		t.Errorf("no backoff state with an error while refused; events:\n%s", c.describe())
	}
	attempts := r.proxy.Refused() - refusedStart
	r.proxy.Refuse(false)
	back := time.Now()
	c.wait(mo.BackoffMax+10*time.Second, "all mail", c.hasMail(subjects(delivered)...))
	recovered := time.Since(back)
	time.Sleep(time.Second)
	c.exactlyOnce(t, delivered)
	t.Logf("refused for 6 s: %d connection attempts by 2 watchers, error shown %q; caught up %s after the server accepted again",
		attempts, why, recovered.Round(time.Millisecond))
	// 200 ms doubling to 2 s: about 6 tries each in 6 s.
	if attempts > 20 {
		t.Errorf("%d connection attempts in 6 s: hammering a refusing server", attempts)
	}
}

// TestSlowServer: every chunk each way is held 2 s (4 s per command). With
// timeouts above that the watcher connects, idles and announces, on one
// connection, without a single error.
func TestSlowServer(t *testing.T) {
	t.Parallel()
	srv := dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{rigUser: rigPass}})
	p, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	p.SetLatency(2 * time.Second)
	dir := t.TempDir()
	if err := WriteConfig(dir, Account{ID: rigUser, Host: "127.0.0.1", Port: p.Port(), Security: "plain", Username: rigUser}); err != nil {
		t.Fatal(err)
	}
	mo := testMail()
	mo.DialTimeout, mo.CommandTimeout, mo.ProbeTimeout = 60*time.Second, 30*time.Second, 30*time.Second
	c := startCore(t, dir, memStore(map[string]string{rigUser: rigPass}), mo)
	start := time.Now()
	c.wait(90*time.Second, "idle through a slow server", c.idle(rigUser+"/INBOX"))
	toIdle := time.Since(start)
	at := deliver(t, srv, rigUser, "INBOX", "slow server")
	c.wait(60*time.Second, "the mail through a slow server", c.hasMail("slow server"))
	delay := c.exactlyOnce(t, map[string]time.Time{"slow server": at})
	if n := c.count(control.EvState, rigUser, "INBOX", string(mail.StateBackoff)); n != 0 || p.Accepted() != 1 {
		t.Errorf("%d errors and %d connections through a slow server; want 0 and 1:\n%s", n, p.Accepted(), c.describe())
	}
	t.Logf("2 s per chunk: idle after %s, delivery → announcement %s", toIdle.Round(time.Millisecond), delay.Round(time.Millisecond))
}

// TestExpungeExistsPairs: one old message expunged and one new delivered,
// so the count never changes; sync by UID still announces each new one,
// whether the pair happens while idling or while disconnected.
func TestExpungeExistsPairs(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottestOpts(), "INBOX")
	for i := range 5 {
		deliver(t, r.srv, rigUser, "INBOX", fmt.Sprintf("old %d", i)) // UIDs 1-5
	}
	c := r.start(t, testMail())
	c.wait(30*time.Second, "idle", c.idle(r.keys()...))
	delivered := map[string]time.Time{}
	oldest := uint32(1)
	for round := 1; round <= 8; round++ {
		offline := round > 6
		if offline {
			r.proxy.Refuse(true)
			r.proxy.Cut()
			c.wait(10*time.Second, "a backoff", func() bool { return c.rec.LastState(rigUser, "INBOX") == string(mail.StateBackoff) })
		}
		expunge(t, r.srv, rigUser, "INBOX", oldest)
		oldest++
		subj := fmt.Sprintf("pair %d", round)
		delivered[subj] = deliver(t, r.srv, rigUser, "INBOX", subj)
		if offline {
			r.proxy.Refuse(false)
		}
		c.wait(15*time.Second, subj, c.hasMail(subj))
	}
	time.Sleep(time.Second)
	c.exactlyOnce(t, delivered)
	st, err := r.srv.Status(rigUser, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != 5 {
		t.Fatalf("the folder holds %d messages; the pairs should keep 5", st.Messages)
	}
	c.wait(5*time.Second, "total 5 in the snapshot", func() bool {
		for _, a := range c.core.Snapshot().Accounts {
			for _, f := range a.Folders {
				return f.Total == 5
			}
		}
		return false
	})
}

// TestServerWithoutIdle: a server that does not offer IDLE is polled; mail
// is announced within a poll interval, across a cut, and IDLE is never used.
func TestServerWithoutIdle(t *testing.T) {
	t.Parallel()
	r := newRig(t, dovecottest.Options{NoIdle: true}, "INBOX")
	mo := testMail()
	mo.PollInterval = time.Second
	c := r.start(t, mo)
	c.wait(30*time.Second, "polling", c.idle(r.keys()...))
	delivered := map[string]time.Time{}
	for i := range 4 {
		if i == 2 {
			r.proxy.Cut()
		}
		subj := fmt.Sprintf("polled %d", i)
		delivered[subj] = deliver(t, r.srv, rigUser, "INBOX", subj)
		time.Sleep(700 * time.Millisecond)
	}
	c.wait(15*time.Second, "all mail", c.hasMail(subjects(delivered)...))
	time.Sleep(time.Second)
	longest := c.exactlyOnce(t, delivered)
	var states []string
	for _, e := range c.rec.Kind(control.EvState) {
		states = append(states, e.State)
		if e.State == string(mail.StateIdle) {
			t.Errorf("state idle on a server without IDLE")
		}
	}
	t.Logf("no IDLE, poll 1 s: longest delay %s; states %s", longest.Round(time.Millisecond), strings.Join(states, " "))
	if limit := mo.PollInterval + mo.BackoffMax + 3*time.Second; longest > limit {
		t.Errorf("longest delay %s > %s", longest, limit)
	}
}
