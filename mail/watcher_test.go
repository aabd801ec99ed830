package mail_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"go.uber.org/goleak"

	"mailbell/internal/testenv/faultproxy"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

const (
	user = "ann"
	pass = "s3cret-Pa55"
)

func startServer(t *testing.T, cfg imaptest.Config) *imaptest.Server {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = map[string]string{user: pass}
	}
	srv, err := imaptest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func accountFor(srv *imaptest.Server, sec mail.Security) mail.Account {
	return mail.Account{Host: srv.Host(), Port: srv.Port(), Security: sec, Username: user,
		Password: password(pass), CAPEM: srv.CAPEM()}
}

func appendN(t *testing.T, srv *imaptest.Server, n int, prefix string) []imap.UID {
	t.Helper()
	var uids []imap.UID
	for i := range n {
		uid, err := srv.Append(user, "INBOX", imaptest.Message("Bob <bob@example.com>", "ann@example.com",
			fmt.Sprintf("%s %d", prefix, i), time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, uid)
	}
	return uids
}

func fast() mail.Options {
	return mail.Options{DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second}
}

func TestSecurityModes(t *testing.T) {
	for _, tc := range []struct {
		mode imaptest.Mode
		sec  mail.Security
	}{{imaptest.TLS, mail.SecurityTLS}, {imaptest.STARTTLS, mail.SecuritySTARTTLS}, {imaptest.Plain, mail.SecurityPlain}} {
		t.Run(string(tc.sec), func(t *testing.T) {
			srv := startServer(t, imaptest.Config{Mode: tc.mode})
			appendN(t, srv, 3, "old")
			info, err := mail.Probe(context.Background(), accountFor(srv, tc.sec), "INBOX", fast())
			if err != nil {
				t.Fatal(err)
			}
			if info.Messages != 3 || info.Unseen != 3 {
				t.Fatalf("got %+v", info)
			}
		})
	}
}

func TestCertificateNotTrusted(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.TLS})
	acct := accountFor(srv, mail.SecurityTLS)
	acct.CAPEM = nil // only the system's roots: the test CA is unknown
	_, err := mail.Probe(context.Background(), acct, "INBOX", fast())
	if !errors.Is(err, mail.ErrTLS) || !mail.IsPermanent(err) {
		t.Fatalf("want ErrTLS, got %v", err)
	}
	if srv.LoginCount(user) != 0 {
		t.Fatal("credentials were sent to an untrusted server")
	}
}

func TestCertificateForAnotherHost(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.TLS, CertHost: "other.example"})
	_, err := mail.Probe(context.Background(), accountFor(srv, mail.SecurityTLS), "INBOX", fast())
	if !errors.Is(err, mail.ErrTLS) {
		t.Fatalf("want ErrTLS, got %v", err)
	}
}

func TestSTARTTLSNotOfferedRefusesBeforeLogin(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	r := start(t, accountFor(srv, mail.SecuritySTARTTLS), "INBOX", mail.Position{}, fast())
	if err := r.wait(t, 5*time.Second, "STARTTLS not offered"); !errors.Is(err, mail.ErrNoSTARTTLS) {
		t.Fatalf("want ErrNoSTARTTLS, got %v", err)
	}
	if n := srv.LoginCount(user); n != 0 {
		t.Fatalf("%d logins sent over a connection without STARTTLS", n)
	}
	if srv.Accepted() != 1 {
		t.Fatalf("retried a permanent error: %d connections", srv.Accepted())
	}
}

func TestPlainOnlyToLoopback(t *testing.T) {
	acct := mail.Account{Host: "192.0.2.1", Security: mail.SecurityPlain, Username: "u", Password: password("p")}
	_, err := mail.Probe(context.Background(), acct, "INBOX", fast())
	if !errors.Is(err, mail.ErrInsecure) {
		t.Fatalf("want ErrInsecure, got %v", err)
	}
	if !mail.IsLoopbackHost("127.0.0.1") || !mail.IsLoopbackHost("localhost") || !mail.IsLoopbackHost("::1") || mail.IsLoopbackHost("example.com") {
		t.Fatal("IsLoopbackHost")
	}
}

func TestWrongPasswordIsPermanent(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.TLS})
	acct := accountFor(srv, mail.SecurityTLS)
	acct.Password = password("wrong")
	r := start(t, acct, "INBOX", mail.Position{}, fast())
	err := r.wait(t, 5*time.Second, "a rejected password must stop the watcher")
	if !errors.Is(err, mail.ErrAuth) {
		t.Fatalf("want ErrAuth, got %v", err)
	}
	if contains(err.Error(), "wrong") {
		t.Fatal("the password is in the error")
	}
	// Run has returned: no retry can come after this.
	if n := srv.LoginCount(user); n != 1 {
		t.Fatalf("want exactly 1 login attempt, got %d", n)
	}
	last, ok := lastEvent(t, r).(mail.StateEvent)
	if !ok || last.State != mail.StateStopped || !errors.Is(last.Err, mail.ErrAuth) {
		t.Fatalf("last event %+v", lastEvent(t, r))
	}
}

func TestCredentialsSourceFails(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	acct := accountFor(srv, mail.SecurityPlain)
	acct.Password = func(context.Context) (string, error) { return "", errNoPassword }
	_, err := mail.Probe(context.Background(), acct, "INBOX", fast())
	if !errors.Is(err, mail.ErrNoPassword) {
		t.Fatalf("want ErrNoPassword, got %v", err)
	}
}

func TestFirstRunTakesBaseline(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	uids := appendN(t, srv, 30, "old")
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))

	var base *mail.BaselineEvent
	var recent *mail.RecentEvent
	for _, e := range r.rec.all() {
		switch e := e.(type) {
		case mail.BaselineEvent:
			base = &e
		case mail.RecentEvent:
			recent = &e
		case mail.NewMailEvent:
			t.Fatalf("old mail announced as new: %+v", e)
		}
	}
	if base == nil || !base.First || base.New.LastUID != uint32(uids[29]) {
		t.Fatalf("baseline %+v", base)
	}
	if recent == nil || len(recent.Messages) != 20 || recent.Messages[19].Subject != "old 29" || recent.Messages[0].Subject != "old 10" {
		t.Fatalf("recent %+v", recent)
	}

	// Then new mail is announced.
	from := len(r.rec.all())
	appendN(t, srv, 1, "fresh")
	i := r.rec.waitFor(t, from, 5*time.Second, "new mail", isNewMail("fresh 0"))
	nm := r.rec.all()[i].(mail.NewMailEvent) // isNewMail matched: the type is sure
	if len(nm.Messages) != 1 || len(nm.Messages[0].From) != 1 {
		t.Fatalf("new mail %+v", nm)
	}
	m := nm.Messages[0]
	if m.From[0].Addr != "bob@example.com" || m.From[0].Name != "Bob" || m.Seen || nm.Position.LastUID != m.UID {
		t.Fatalf("message %+v pos %+v", m, nm.Position)
	}
}

func TestCatchUpFromKnownPosition(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	uids := appendN(t, srv, 10, "m")
	st, err := srv.Status(user, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	pos := mail.Position{UIDValidity: st.UIDValidity, LastUID: uint32(uids[6])}
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", pos, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	got := r.rec.newUIDs()
	want := []uint32{uint32(uids[7]), uint32(uids[8]), uint32(uids[9])}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("announced %v, want %v", got, want)
	}
}

// "UID FETCH n:*" returns the last message even when its UID is below n.
func TestNothingNewAnnouncesNothing(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	uids := appendN(t, srv, 5, "m")
	st, _ := srv.Status(user, "INBOX")
	pos := mail.Position{UIDValidity: st.UIDValidity, LastUID: uint32(uids[4])}
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", pos, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	from := len(r.rec.all())
	r.w.CheckNow()
	r.rec.waitFor(t, from, 5*time.Second, "the sync asked for", isSynced)
	if got := r.rec.newUIDs(); len(got) != 0 {
		t.Fatalf("announced %v", got)
	}
}

func TestUIDValidityChangeIsOneQuietEvent(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	appendN(t, srv, 5, "m")
	st, _ := srv.Status(user, "INBOX")
	pos := mail.Position{UIDValidity: st.UIDValidity + 1000, LastUID: 2}
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", pos, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	bases := 0
	for _, e := range r.rec.all() {
		if b, ok := e.(mail.BaselineEvent); ok {
			bases++
			if b.First || b.New.UIDValidity != st.UIDValidity || b.Old != pos {
				t.Fatalf("baseline %+v", b)
			}
		}
	}
	if bases != 1 || len(r.rec.newUIDs()) != 0 {
		t.Fatalf("%d baselines, announced %v", bases, r.rec.newUIDs())
	}
}

func TestIdlePushAndExpungeThenExists(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.TLS})
	uids := appendN(t, srv, 3, "old")
	r := start(t, accountFor(srv, mail.SecurityTLS), "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))

	// An EXPUNGE then an EXISTS leave the count at 3: the new message must still be found.
	from := len(r.rec.all())
	if err := srv.Expunge(user, "INBOX", uids[0]); err != nil {
		t.Fatal(err)
	}
	appendN(t, srv, 1, "replacement")
	i := r.rec.waitFor(t, from, 5*time.Second, "the message after an expunge", isNewMail("replacement 0"))
	// The catch-up that announced it recounts before it reports the sync.
	r.rec.waitFor(t, i, 5*time.Second, "the sync after the fetch", isSynced)
	var last mail.CountsEvent
	for _, e := range r.rec.all() {
		if c, ok := e.(mail.CountsEvent); ok {
			last = c
		}
	}
	if last.Total != 3 || last.Unseen != 3 {
		t.Fatalf("counts after expunge+append: %+v", last)
	}
	if n := len(r.rec.newUIDs()); n != 1 {
		t.Fatalf("announced %d messages, want 1", n)
	}
}

func TestNoIdlePolls(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain, NoIdle: true})
	opts := fast()
	opts.PollInterval = 150 * time.Millisecond
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 5*time.Second, "polling", isState(mail.StatePolling))
	for _, e := range r.rec.all() {
		if isState(mail.StateIdle)(e) {
			t.Fatal("went IDLE on a server without IDLE")
		}
	}
	appendN(t, srv, 1, "polled")
	r.rec.waitFor(t, 0, 5*time.Second, "new mail by polling", isNewMail("polled 0"))
}

func TestUnseenFollowsOtherClients(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	uids := appendN(t, srv, 4, "m")
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "4 unseen", counts(4, 4))
	// Change the flags once IDLE is up: StateIdle comes after the server's
	// "+ idling", and the test server's IDLE starts with a poll, so an
	// update made from now on is pushed.
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	from := len(r.rec.all())
	if err := srv.AddFlags(user, "INBOX", uids[1], imap.FlagSeen); err != nil {
		t.Fatal(err)
	}
	r.rec.waitFor(t, from, 5*time.Second, "3 unseen after another client read one", counts(4, 3))
}

func TestCancelReturnsPromptly(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	begin := time.Now()
	if err := r.stop(t); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Fatalf("Run took %s to return", d)
	}
	if last := lastEvent(t, r); !isState(mail.StateStopped)(last) {
		t.Fatalf("last event %+v", last)
	}
}

func TestCancelWithDeadServer(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	proxy := newProxy(t, srv.Addr())
	acct := accountFor(srv, mail.SecurityPlain)
	acct.Port = proxyPort(t, proxy)
	r := start(t, acct, "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	proxy.Blackhole(true)
	begin := time.Now()
	r.stop(t)
	if d := time.Since(begin); d > 2*time.Second {
		t.Fatalf("Run took %s to return with a silent server", d)
	}
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func proxyPort(t *testing.T, p *faultproxy.Proxy) int {
	_, port, _ := net.SplitHostPort(p.Addr())
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStalledPathDetectedAndRecovered(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	proxy := newProxy(t, srv.Addr())
	acct := accountFor(srv, mail.SecurityPlain)
	acct.Port = proxyPort(t, proxy)
	opts := fast()
	opts.SilenceLimit = 400 * time.Millisecond
	opts.ProbeTimeout = 300 * time.Millisecond
	opts.DialTimeout = 500 * time.Millisecond
	r := start(t, acct, "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))

	from := len(r.rec.all())
	proxy.Blackhole(true)
	stalled := time.Now()
	i := r.rec.waitFor(t, from, 5*time.Second, "a backoff after the stall", isState(mail.StateBackoff))
	noticed := time.Since(stalled)
	if err := r.rec.all()[i].(mail.StateEvent).Err; !errors.Is(err, mail.ErrTimeout) {
		t.Fatalf("stall reported as %v", err)
	}
	t.Logf("stall noticed after %s (limit %s + probe %s)", noticed, opts.SilenceLimit, opts.ProbeTimeout)

	appendN(t, srv, 1, "during stall")
	proxy.Blackhole(false)
	r.rec.waitFor(t, from, 10*time.Second, "the mail from during the stall", isNewMail("during stall 0"))
}

func TestCutReconnectsWithBackoffAndLosesNothing(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	proxy := newProxy(t, srv.Addr())
	acct := accountFor(srv, mail.SecurityPlain)
	acct.Port = proxyPort(t, proxy)
	r := start(t, acct, "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))

	from := len(r.rec.all())
	proxy.Refuse(true)
	proxy.Cut()
	i := r.rec.waitFor(t, from, 5*time.Second, "backoff", isState(mail.StateBackoff))
	be := r.rec.all()[i].(mail.StateEvent)
	if be.NextTry.Before(time.Now().Add(-time.Second)) || be.Err == nil {
		t.Fatalf("backoff event %+v", be)
	}
	appendN(t, srv, 2, "while down")
	r.rec.waitFor(t, i+1, 5*time.Second, "a refused reconnect", func(e mail.Event) bool {
		se, ok := e.(mail.StateEvent)
		return ok && se.State == mail.StateBackoff && se.Attempt >= 2
	})
	proxy.Refuse(false)
	r.rec.waitFor(t, from, 10*time.Second, "mail from while down", isNewMail("while down 1"))
	if got := r.rec.newUIDs(); len(got) != 2 {
		t.Fatalf("announced %v, want 2 messages", got)
	}
}

func TestServerRestartDropsConnections(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, fast())
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	for round := range 3 {
		from := len(r.rec.all())
		srv.CloseClientConns()
		appendN(t, srv, 1, fmt.Sprint("round", round))
		r.rec.waitFor(t, from, 10*time.Second, "mail after a drop", isNewMail(fmt.Sprint("round", round, " 0")))
	}
	if got := r.rec.newUIDs(); len(got) != 3 {
		t.Fatalf("announced %v", got)
	}
}

func TestHostileServers(t *testing.T) {
	for name, h := range map[string]func(net.Conn){
		"garbage":            imaptest.Garbage,
		"truncated greeting": imaptest.TruncatedGreeting,
		"bye after login":    imaptest.ByeAfterLogin,
		"bye during idle":    imaptest.ByeDuringIdle,
		"huge literal":       imaptest.HugeLiteral(1 << 30),
	} {
		t.Run(name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			ss, err := imaptest.StartScript(h)
			if err != nil {
				t.Fatal(err)
			}
			defer ss.Close()
			acct := mail.Account{Host: ss.Host(), Port: ss.Port(), Security: mail.SecurityPlain, Username: user, Password: password(pass)}
			opts := fast()
			opts.DialTimeout = time.Second
			opts.CommandTimeout = time.Second
			r := start(t, acct, "INBOX", mail.Position{}, opts)
			r.rec.waitFor(t, 0, 5*time.Second, "an error state", isState(mail.StateBackoff))
			r.rec.waitFor(t, 0, 5*time.Second, "a reconnect", func(e mail.Event) bool { return ss.Accepted() >= 2 })
			r.stop(t)
		})
	}
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}

// tracer collects the protocol trace.
type tracer struct {
	mu     sync.Mutex
	lines  []string
	signal chan struct{} // poked after each line
}

func newTracer() *tracer { return &tracer{signal: make(chan struct{}, 1)} }

func (tr *tracer) add(l string) {
	tr.mu.Lock()
	tr.lines = append(tr.lines, l)
	tr.mu.Unlock()
	select {
	case tr.signal <- struct{}{}:
	default:
	}
}

// tail is a copy of the last n lines, for a failure message.
func (tr *tracer) tail(n int) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.lines[max(0, len(tr.lines)-n):]...)
}

// waitCount waits up to d until at least n lines hold substr.
func (tr *tracer) waitCount(t *testing.T, substr string, n int, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for tr.count(substr) < n {
		select {
		case <-tr.signal:
		case <-deadline:
			t.Fatalf("%q in %d trace lines within %s, want %d; last lines: %q", substr, tr.count(substr), d, n, tr.tail(8))
		}
	}
}

func (tr *tracer) count(substr string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for _, l := range tr.lines {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

func TestIdleIsRefreshed(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	tr := newTracer()
	opts := fast()
	opts.IdleRefresh = 150 * time.Millisecond
	opts.Trace = tr.add
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	begin := time.Now()
	tr.waitCount(t, " IDLE", 3, 5*time.Second)
	tr.waitCount(t, "DONE", 2, 5*time.Second)
	t.Logf("3 IDLEs after %s with a %s refresh", time.Since(begin).Round(time.Millisecond), opts.IdleRefresh)
	// Refreshing IDLE is not a state change.
	idles := 0
	for _, e := range r.rec.all() {
		if isState(mail.StateIdle)(e) {
			idles++
		}
	}
	if idles != 1 {
		t.Fatalf("%d idle state events", idles)
	}
}

func TestCancelSaysDoneAndLogout(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	tr := newTracer()
	opts := fast()
	opts.Trace = tr.add
	r := start(t, accountFor(srv, mail.SecurityPlain), "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	r.stop(t)
	if tr.count("DONE") != 1 || tr.count("LOGOUT") < 1 || tr.count("BYE") < 1 {
		t.Fatalf("trace on cancel: %q", tr.tail(6))
	}
}

func TestTraceRedactsPassword(t *testing.T) {
	for _, mode := range []imaptest.Mode{imaptest.Plain, imaptest.TLS} {
		srv := startServer(t, imaptest.Config{Mode: mode})
		tr := newTracer()
		opts := fast()
		opts.Trace = tr.add
		sec := mail.SecurityPlain
		if mode == imaptest.TLS {
			sec = mail.SecurityTLS
		}
		if _, err := mail.Probe(context.Background(), accountFor(srv, sec), "INBOX", opts); err != nil {
			t.Fatal(err)
		}
		plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
		if tr.count("EXAMINE") == 0 {
			t.Fatal("no trace")
		}
		for _, l := range tr.lines {
			if strings.Contains(l, pass) || strings.Contains(l, plain) {
				t.Fatalf("credentials in trace: %q", l)
			}
		}
	}
}
