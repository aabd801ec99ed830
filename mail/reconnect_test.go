package mail_test

import (
	"testing"
	"time"

	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

// A "suspend": the path blackholes while the watcher idles and mail
// arrives. On "resume" Reconnect drops the dead connection at once (no
// DONE, no LOGOUT waited for), dials again and reports the mail once,
// long before a silence watchdog would have noticed anything.
func TestReconnectAfterSleep(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	proxy := newProxy(t, srv.Addr())
	acct := accountFor(srv, mail.SecurityPlain)
	acct.Port = proxyPort(t, proxy)
	opts := fast()
	opts.SilenceLimit = time.Minute // the watchdog must not be what recovers
	r := start(t, acct, "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))

	from := len(r.rec.all())
	proxy.Blackhole(true) // asleep
	appendN(t, srv, 1, "during sleep")
	resumed := time.Now()
	r.w.Reconnect()
	i := r.rec.waitFor(t, from, 3*time.Second, "connecting again", isState(mail.StateConnecting))
	proxy.Blackhole(false) // the network is back
	r.rec.waitFor(t, i, 3*time.Second, "the mail from the sleep", isNewMail("during sleep 0"))
	if d := time.Since(resumed); d > 3*time.Second {
		t.Fatalf("reconnected and synced %s after the resume, want < 3 s", d)
	}
	if n := proxy.Accepted(); n != 2 {
		t.Fatalf("%d connections through the proxy, want 2 (the old one dropped, one new)", n)
	}
	r.rec.waitFor(t, i, 3*time.Second, "idle again", isState(mail.StateIdle))
	if got := r.rec.newUIDs(); len(got) != 1 {
		t.Fatalf("announced %v, want the one message once", got)
	}
	for _, e := range r.rec.all()[from:] {
		if se, ok := e.(mail.StateEvent); ok && se.State == mail.StateBackoff {
			t.Fatalf("a backoff after Reconnect: %+v", se)
		}
	}
}

// Reconnect during a backoff cuts it short.
func TestReconnectCutsBackoffShort(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	proxy := newProxy(t, srv.Addr())
	acct := accountFor(srv, mail.SecurityPlain)
	acct.Port = proxyPort(t, proxy)
	opts := fast()
	opts.BackoffMin, opts.BackoffMax = time.Minute, time.Minute
	r := start(t, acct, "INBOX", mail.Position{}, opts)
	r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
	from := len(r.rec.all())
	proxy.Refuse(true)
	proxy.Cut()
	r.rec.waitFor(t, from, 5*time.Second, "backoff", isState(mail.StateBackoff))
	proxy.Refuse(false)
	from = len(r.rec.all())
	r.w.Reconnect()
	r.rec.waitFor(t, from, 3*time.Second, "idle after Reconnect, not after a minute", isState(mail.StateIdle))
}
