package mail_test

// The watcher against a real, private Dovecot (internal/testenv/dovecottest). These
// tests fail, never skip, when Dovecot is missing: `make deps` installs it.
// Each test starts its own instance (~20 ms) and runs in parallel with the
// others, so the file costs a few seconds of wall time.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/mail"
)

const bobFrom = "Bob Example <bob@example.com>"

func startDovecot(t *testing.T, opts dovecottest.Options) *dovecottest.Server {
	t.Helper()
	if opts.Users == nil {
		opts.Users = map[string]string{user: pass}
	}
	return dovecottest.StartT(t, opts)
}

// deliver stores a message from Bob; while the server is stopped Deliver
// writes it into the maildir instead.
func deliver(t *testing.T, s *dovecottest.Server, subject string) {
	t.Helper()
	if err := s.Deliver(user, "INBOX", dovecottest.Message(bobFrom, user+"@example.com", subject, time.Now())); err != nil {
		t.Fatal(err)
	}
}

func dovecotAccount(s *dovecottest.Server, sec mail.Security) mail.Account {
	a := mail.Account{Host: s.Host(), Port: s.Port(), Security: sec, Username: user,
		Password: password(pass), CAPEM: s.CAPEM()}
	if sec == mail.SecurityTLS {
		a.Port = s.TLSPort()
	}
	return a
}

// dovecotOpts are short timeouts that still leave room on a loaded machine.
func dovecotOpts() mail.Options {
	return mail.Options{DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second}
}

func (r *recorder) count(match func(mail.Event) bool) int {
	n := 0
	for _, e := range r.all() {
		if match(e) {
			n++
		}
	}
	return n
}

func isBaseline(e mail.Event) bool { _, ok := e.(mail.BaselineEvent); return ok }
func isAnyNewMail(e mail.Event) bool {
	_, ok := e.(mail.NewMailEvent)
	return ok
}

// newSubjects lists the subjects of every message announced as new, in order.
func (r *recorder) newSubjects() []string {
	var subs []string
	for _, e := range r.all() {
		if nm, ok := e.(mail.NewMailEvent); ok {
			for _, m := range nm.Messages {
				subs = append(subs, m.Subject)
			}
		}
	}
	return subs
}

func TestDovecotWatch(t *testing.T) {
	for _, sec := range []mail.Security{mail.SecurityTLS, mail.SecuritySTARTTLS} {
		t.Run(string(sec), func(t *testing.T) {
			t.Parallel()
			s := startDovecot(t, dovecottest.Options{})
			for i := range 3 {
				deliver(t, s, fmt.Sprintf("old %d", i))
			}
			st, err := s.Status(user, "INBOX")
			if err != nil {
				t.Fatal(err)
			}
			r := start(t, dovecotAccount(s, sec), "INBOX", mail.Position{}, dovecotOpts())
			r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))

			// First run: a baseline at UIDNEXT-1, the old mail as recent, nothing new.
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
			want := mail.Position{UIDValidity: st.UIDValidity, LastUID: st.UIDNext - 1}
			if base == nil || !base.First || base.New != want {
				t.Fatalf("baseline %+v, want First and %+v", base, want)
			}
			if recent == nil || len(recent.Messages) != 3 || recent.Messages[2].Subject != "old 2" || recent.Messages[0].Seen {
				t.Fatalf("recent %+v", recent)
			}

			// A delivery is pushed (after Dovecot's 500 ms) and announced once.
			from := len(r.rec.all())
			const subject = "Grüße from Dovecot — über STARTTLS/TLS"
			delivered := time.Now()
			deliver(t, s, subject)
			i := r.rec.waitFor(t, from, 10*time.Second, "new mail", isNewMail(subject))
			t.Logf("%s: delivery → NewMailEvent in %s", sec, time.Since(delivered).Round(time.Millisecond))
			nm := r.rec.all()[i].(mail.NewMailEvent)
			if len(nm.Messages) != 1 {
				t.Fatalf("want 1 message, got %+v", nm.Messages)
			}
			m := nm.Messages[0]
			if len(m.From) != 1 || m.From[0].Name != "Bob Example" || m.From[0].Addr != "bob@example.com" {
				t.Fatalf("from %+v", m.From)
			}
			if m.UID != want.LastUID+1 || nm.Position != (mail.Position{UIDValidity: st.UIDValidity, LastUID: m.UID}) || m.Seen {
				t.Fatalf("message %+v, position %+v", m, nm.Position)
			}
			if len(m.To) != 1 || m.To[0].Addr != user+"@example.com" || m.Date.IsZero() {
				t.Fatalf("to %+v date %v", m.To, m.Date)
			}
			// Counts follow: 4 messages, 4 unseen.
			r.rec.waitFor(t, from, 5*time.Second, "counts 4/4", func(e mail.Event) bool {
				c, ok := e.(mail.CountsEvent)
				return ok && c.Total == 4 && c.Unseen == 4
			})
			if err := r.stop(t); err != nil {
				t.Fatalf("Run after cancel: %v", err)
			}
			if got := r.rec.newSubjects(); !slices.Equal(got, []string{subject}) {
				t.Fatalf("announced %q", got)
			}
		})
	}
}

func TestDovecotNoIdlePolls(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{NoIdle: true})
	deliver(t, s, "old")
	opts := dovecotOpts()
	opts.PollInterval = 300 * time.Millisecond
	r := start(t, dovecotAccount(s, mail.SecurityTLS), "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 10*time.Second, "polling", isState(mail.StatePolling))
	from := len(r.rec.all())
	delivered := time.Now()
	deliver(t, s, "polled")
	r.rec.waitFor(t, from, 10*time.Second, "new mail by polling", isNewMail("polled"))
	took := time.Since(delivered)
	t.Logf("delivery → NewMailEvent by polling in %s (poll interval %s)", took.Round(time.Millisecond), opts.PollInterval)
	if n := r.rec.count(isState(mail.StateIdle)); n != 0 {
		t.Fatalf("went IDLE %d times on a server that does not advertise it", n)
	}
	if got := r.rec.newSubjects(); !slices.Equal(got, []string{"polled"}) {
		t.Fatalf("announced %q", got)
	}
}

func TestDovecotWrongPassword(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	acct := dovecotAccount(s, mail.SecurityTLS)
	const wrong = "not-the-Pa55word"
	acct.Password = password(wrong)
	r := start(t, acct, "INBOX", mail.Position{}, dovecotOpts())
	err := r.wait(t, 10*time.Second, "a rejected password must stop the watcher")
	if !errors.Is(err, mail.ErrAuth) || !mail.IsPermanent(err) {
		t.Fatalf("want ErrAuth, got %v", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Fatal("the password is in the error")
	}
	// A retry loop would show up here: backoff is 50–500 ms in tests.
	time.Sleep(2 * time.Second)
	ok, failed, lerr := s.LoginAttempts(user)
	if lerr != nil {
		t.Fatal(lerr)
	}
	if ok != 0 || failed != 1 {
		t.Fatalf("Dovecot saw %d good and %d failed logins; want 0 and exactly 1", ok, failed)
	}
	if n := r.rec.count(isState(mail.StateBackoff)); n != 0 {
		t.Fatalf("%d backoffs for a permanent error", n)
	}
	last, isSE := lastEvent(t, r).(mail.StateEvent)
	if !isSE || last.State != mail.StateStopped || !errors.Is(last.Err, mail.ErrAuth) {
		t.Fatalf("last event %+v", lastEvent(t, r))
	}
}

// Mail that lands while the server is down is announced when it is back:
// exactly those messages, once.
func TestDovecotRestartLosesNothing(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	deliver(t, s, "old")
	r := start(t, dovecotAccount(s, mail.SecurityTLS), "INBOX", mail.Position{}, dovecotOpts())
	r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))

	from := len(r.rec.all())
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	i := r.rec.waitFor(t, from, 10*time.Second, "backoff after the server stopped", isState(mail.StateBackoff))
	if be := r.rec.all()[i].(mail.StateEvent); be.Err == nil || be.NextTry.IsZero() {
		t.Fatalf("backoff event %+v", be)
	}
	deliver(t, s, "while down 1") // s is stopped: written into the maildir
	deliver(t, s, "while down 2")
	time.Sleep(300 * time.Millisecond) // a few refused reconnects
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	r.rec.waitFor(t, from, 10*time.Second, "mail from while down", func(e mail.Event) bool {
		return len(r.rec.newUIDs()) >= 2
	})
	r.rec.waitFor(t, from, 5*time.Second, "idle again", isState(mail.StateIdle))
	time.Sleep(200 * time.Millisecond) // room for a duplicate to show up
	// Dovecot numbers files found in new/ in directory order: compare as sets.
	if got := slices.Sorted(slices.Values(r.rec.newSubjects())); !slices.Equal(got, []string{"while down 1", "while down 2"}) {
		t.Fatalf("announced %q, want exactly the two from while down", got)
	}
	if got := r.rec.newUIDs(); !slices.Equal(got, []uint32{2, 3}) {
		t.Fatalf("announced UIDs %v, want [2 3]", got)
	}
}

// UIDVALIDITY changes while the app is closed: the next run takes a new
// baseline (one event, not First) and announces nothing, even though the
// folder holds UIDs above the old position.
func TestDovecotUIDValidityChange(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	deliver(t, s, "m1")
	deliver(t, s, "m2")
	r := start(t, dovecotAccount(s, mail.SecurityTLS), "INBOX", mail.Position{}, dovecotOpts())
	i := r.rec.waitFor(t, 0, 10*time.Second, "baseline", isBaseline)
	pos := r.rec.all()[i].(mail.BaselineEvent).New
	r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}

	newValidity := pos.UIDValidity + 7
	if err := s.SetUIDValidity(user, "INBOX", newValidity); err != nil {
		t.Fatal(err)
	}
	deliver(t, s, "m3") // UID 3 > pos.LastUID: would be "new" if the change went unnoticed

	r2 := start(t, dovecotAccount(s, mail.SecurityTLS), "INBOX", pos, dovecotOpts())
	r2.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))
	time.Sleep(200 * time.Millisecond)
	var bases []mail.BaselineEvent
	for _, e := range r2.rec.all() {
		if b, ok := e.(mail.BaselineEvent); ok {
			bases = append(bases, b)
		}
	}
	want := mail.Position{UIDValidity: newValidity, LastUID: 3}
	if len(bases) != 1 || bases[0].First || bases[0].Old != pos || bases[0].New != want {
		t.Fatalf("baselines %+v; want one, not First, %+v → %+v", bases, pos, want)
	}
	if n := r2.rec.count(isAnyNewMail); n != 0 {
		t.Fatalf("announced %q after a UIDVALIDITY change", r2.rec.newSubjects())
	}
}

// A path that stalls (no RST, no FIN) in front of Dovecot is noticed by the
// silence watchdog and the watcher recovers, including the mail delivered
// during the stall.
func TestDovecotStallDetectedAndRecovered(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	proxy := newProxy(t, s.TLSAddr())
	acct := dovecotAccount(s, mail.SecurityTLS)
	acct.Port = proxy.Port()
	opts := dovecotOpts()
	opts.SilenceLimit = time.Second
	opts.ProbeTimeout = time.Second
	opts.DialTimeout = 2 * time.Second
	r := start(t, acct, "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 10*time.Second, "idle", isState(mail.StateIdle))

	// A quiet but healthy line is probed and stays up: Dovecot answers DONE.
	time.Sleep(2500 * time.Millisecond)
	if n := r.rec.count(isState(mail.StateBackoff)); n != 0 {
		t.Fatalf("a healthy idle line was dropped: %s", describe(r.rec.all()))
	}
	if proxy.Accepted() != 1 {
		t.Fatalf("%d connections for a healthy line", proxy.Accepted())
	}

	from := len(r.rec.all())
	proxy.Blackhole(true)
	stalled := time.Now()
	i := r.rec.waitFor(t, from, 10*time.Second, "a backoff after the stall", isState(mail.StateBackoff))
	noticed := time.Since(stalled)
	if err := r.rec.all()[i].(mail.StateEvent).Err; !errors.Is(err, mail.ErrTimeout) {
		t.Fatalf("stall reported as %v", err)
	}
	t.Logf("stall noticed after %s (silence limit %s + probe %s)", noticed.Round(time.Millisecond), opts.SilenceLimit, opts.ProbeTimeout)
	if limit := opts.SilenceLimit + opts.ProbeTimeout + time.Second; noticed > limit {
		t.Fatalf("stall noticed after %s, want within %s", noticed, limit)
	}

	deliver(t, s, "during stall")
	proxy.Blackhole(false)
	r.rec.waitFor(t, from, 15*time.Second, "the mail from during the stall", isNewMail("during stall"))
	if got := r.rec.newSubjects(); !slices.Equal(got, []string{"during stall"}) {
		t.Fatalf("announced %q", got)
	}
}

// A certificate for another host is refused before any credentials are
// sent, over STARTTLS as over implicit TLS, and never retried.
func TestDovecotWrongHostCertificate(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{CertHosts: []string{"wrong.example"}})
	for _, sec := range []mail.Security{mail.SecuritySTARTTLS, mail.SecurityTLS} {
		r := start(t, dovecotAccount(s, sec), "INBOX", mail.Position{}, dovecotOpts())
		err := r.wait(t, 10*time.Second, "a certificate for another host is permanent")
		if !errors.Is(err, mail.ErrTLS) || !mail.IsPermanent(err) {
			t.Fatalf("%s: want ErrTLS, got %v", sec, err)
		}
		if n := r.rec.count(isState(mail.StateAuthenticating)); n != 0 {
			t.Fatalf("%s: went on to authenticate over an untrusted connection", sec)
		}
	}
	ok, failed, err := s.LoginAttempts(user)
	if err != nil {
		t.Fatal(err)
	}
	if ok != 0 || failed != 0 {
		t.Fatalf("Dovecot saw %d good and %d failed logins; want none", ok, failed)
	}
	if log := s.Log(); strings.Contains(log, "Login: user=") || strings.Contains(log, "auth: Info: passwd-file(") {
		t.Fatalf("a login reached Dovecot:\n%s", s.LogTail(20))
	}
}
