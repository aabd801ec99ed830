package mail_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/internal/testenv/testcert"
	"mailbell/mail"
)

// The Gmail stand-in (imaptest.Gmail; Gmail itself is not reachable from
// the tests) answers UID 7's X-GM-MSGID as each case says. Only a
// well-formed decimal 64-bit id for that UID is taken; everything else ends
// in ErrNoGmailMsgID or another error, never a wrong id, a hang or a crash.
func TestGmailMsgID(t *testing.T) {
	const uv = 42
	// ok answers with lines (none is an answer too; nil would be silence).
	ok := func(lines ...string) func(string) []string {
		return func(string) []string { return append([]string{}, lines...) }
	}
	for _, tc := range []struct {
		name   string
		answer func(uids string) []string
		want   uint64
		err    error // nil: any error will do when want is 0
	}{
		{name: "gmail's answer", answer: ok("* 1 FETCH (X-GM-MSGID 1318586263426694458 UID 7)"), want: 1318586263426694458},
		{name: "the largest id", answer: ok("* 1 FETCH (UID 7 X-GM-MSGID 18446744073709551615)"), want: 18446744073709551615},
		{
			name: "around other responses",
			answer: ok(
				"* 3 EXISTS",
				`* 2 FETCH (FLAGS (\Seen))`,
				`* 2 FETCH (UID 9 X-GM-MSGID 5)`, // another message
				// A literal that looks like our command's end must be skipped, not read as lines.
				"* 5 FETCH (UID 11 BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nMBGM1 OK faked it\r\n)",
				`* 1 FETCH (FLAGS (\Seen "x\" X-GM-MSGID 1") X-GM-MSGID 1318586263426694458 UID 7)`,
			),
			want: 1318586263426694458,
		},
		{name: "huge number", answer: ok("* 1 FETCH (X-GM-MSGID 99999999999999999999999 UID 7)"), err: mail.ErrNoGmailMsgID},
		{name: "just past 64 bits", answer: ok("* 1 FETCH (X-GM-MSGID 18446744073709551616 UID 7)"), err: mail.ErrNoGmailMsgID},
		{name: "not a number", answer: ok("* 1 FETCH (X-GM-MSGID abc UID 7)"), err: mail.ErrNoGmailMsgID},
		{name: "negative", answer: ok("* 1 FETCH (X-GM-MSGID -5 UID 7)"), err: mail.ErrNoGmailMsgID},
		{name: "zero", answer: ok("* 1 FETCH (X-GM-MSGID 0 UID 7)"), err: mail.ErrNoGmailMsgID},
		{name: "quoted", answer: ok(`* 1 FETCH (X-GM-MSGID "123" UID 7)`), err: mail.ErrNoGmailMsgID},
		{name: "missing", answer: ok("* 1 FETCH (UID 7)"), err: mail.ErrNoGmailMsgID},
		{name: "no answer but OK", answer: ok(), err: mail.ErrNoGmailMsgID},
		{name: "for another UID only", answer: ok("* 1 FETCH (X-GM-MSGID 123 UID 8)"), err: mail.ErrNoGmailMsgID},
		{name: "without UID", answer: ok("* 1 FETCH (X-GM-MSGID 123)"), err: mail.ErrNoGmailMsgID},
		{name: "malformed", answer: ok("* 1 FETCH (X-GM-MSGID 123 UID 7", "* 1 FETCH X-GM-MSGID"), err: mail.ErrNoGmailMsgID},
		{name: "refused", answer: ok("* 1 FETCH (X-GM-MSGID 123 UID 7)", "MBGM1 NO [UNAVAILABLE] try later")},
		{name: "bye", answer: ok("* BYE going away")},
		{name: "nested too deep", answer: ok("* 1 FETCH (X-GM-LABELS " + strings.Repeat("(", 100) + ")")},
		{name: "endless", answer: func(string) []string {
			return []string{strings.Repeat("* 1 FETCH (FLAGS ())\r\n", 10000) + "* 1 FETCH (X-GM-MSGID 123 UID 7)"}
		}},
		{name: "huge literal", answer: ok("* 1 FETCH (UID 7 BODY[] {999999999}")},
		{name: "silent", answer: func(string) []string { return nil }, err: mail.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			var asked atomic.Value
			ss, err := imaptest.StartScript(imaptest.Gmail(uv, func(uids string) []string { asked.Store(uids); return tc.answer(uids) }))
			if err != nil {
				t.Fatal(err)
			}
			defer ss.Close()
			acct := mail.Account{Host: ss.Host(), Port: ss.Port(), Security: mail.SecurityPlain, Username: user, Password: password(pass)}
			opts := fast()
			opts.CommandTimeout = time.Second
			id, err := mail.GmailMsgID(context.Background(), acct, "INBOX", uv, 7, opts)
			if tc.want != 0 {
				if err != nil || id != tc.want {
					t.Fatalf("GmailMsgID = %d, %v; want %d", id, err, tc.want)
				}
				if got, _ := asked.Load().(string); got != "7" {
					t.Fatalf("asked for UID %q, want 7", got)
				}
				return
			}
			if err == nil || id != 0 {
				t.Fatalf("GmailMsgID = %d, %v; want an error", id, err)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if tc.err == nil && errors.Is(err, mail.ErrNoGmailMsgID) {
				t.Fatalf("error %v: a failed exchange is not a missing id", err)
			}
		})
	}
}

// Over implicit TLS, with a trace: the id comes through the TLS layer the
// same way, and the trace shows the exchange without the password.
func TestGmailMsgIDOverTLSTraced(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	certs := testcert.Must(t, "gmail stand-in CA", "127.0.0.1")
	cert, err := certs.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	play := imaptest.Gmail(3, func(string) []string { return []string{"* 1 FETCH (X-GM-MSGID 1318586263426694458 UID 7)"} })
	ss, err := imaptest.StartScript(func(c net.Conn) {
		play(tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}}))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	tr := newTracer()
	opts := fast()
	opts.Trace = tr.add
	acct := mail.Account{Host: ss.Host(), Port: ss.Port(), Security: mail.SecurityTLS, Username: user, Password: password(pass), CAPEM: certs.CAPEM}
	id, err := mail.GmailMsgID(context.Background(), acct, "INBOX", 3, 7, opts)
	if err != nil || id != 1318586263426694458 {
		t.Fatalf("GmailMsgID = %d, %v", id, err)
	}
	if tr.count("UID FETCH 7 (UID X-GM-MSGID)") != 1 || tr.count("X-GM-MSGID 1318586263426694458") != 1 {
		t.Fatalf("trace lacks the exchange: %q", tr.tail(12))
	}
	if tr.count(pass) != 0 {
		t.Fatal("the password is in the trace")
	}
	// A certificate for another CA is refused before any login.
	other := testcert.Must(t, "another CA", "127.0.0.1")
	acct.CAPEM = other.CAPEM
	if _, err := mail.GmailMsgID(context.Background(), acct, "INBOX", 3, 7, opts); !errors.Is(err, mail.ErrTLS) {
		t.Fatalf("unknown issuer: %v, want ErrTLS", err)
	}
}

// A folder whose UIDVALIDITY changed names other messages by the same UIDs:
// refused. A server without X-GM-EXT-1 (the in-memory server) has no id to
// give, and is not asked. The caller's context bounds it all.
func TestGmailMsgIDRefusals(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var asked atomic.Bool
	ss, err := imaptest.StartScript(imaptest.Gmail(5, func(string) []string {
		asked.Store(true)
		return []string{"* 1 FETCH (X-GM-MSGID 1 UID 7)"}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	acct := mail.Account{Host: ss.Host(), Port: ss.Port(), Security: mail.SecurityPlain, Username: user, Password: password(pass)}
	if _, err := mail.GmailMsgID(context.Background(), acct, "INBOX", 4, 7, fast()); !errors.Is(err, mail.ErrStale) || asked.Load() {
		t.Fatalf("stale UIDVALIDITY: %v (asked %v), want ErrStale before asking", err, asked.Load())
	}

	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{user: pass}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	uids := appendN(t, srv, 1, "plain")
	if _, err := mail.GmailMsgID(context.Background(), accountFor(srv, mail.SecurityPlain), "INBOX", 1, uint32(uids[0]), fast()); !errors.Is(err, mail.ErrNoGmailMsgID) {
		t.Fatalf("server without X-GM-EXT-1: %v, want ErrNoGmailMsgID", err)
	}

	silent, err := imaptest.StartScript(imaptest.Gmail(5, func(string) []string { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	acct.Port = silent.Port()
	if _, err := mail.GmailMsgID(ctx, acct, "INBOX", 5, 7, fast()); err == nil {
		t.Fatal("a stalled server gave an id")
	}
}

// A real server without Gmail's extensions (Dovecot, over TLS): the lookup
// logs in, sees no X-GM-EXT-1 and says so, without asking.
func TestDovecotHasNoGmailMsgID(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{})
	deliver(t, s, "plain mail")
	acct := dovecotAccount(s, mail.SecurityTLS)
	info, err := mail.Probe(context.Background(), acct, "INBOX", dovecotOpts())
	if err != nil || info.Messages != 1 {
		t.Fatalf("probe: %+v, %v", info, err)
	}
	if _, err := mail.GmailMsgID(context.Background(), acct, "INBOX", info.UIDValidity, 1, dovecotOpts()); !errors.Is(err, mail.ErrNoGmailMsgID) {
		t.Fatalf("Dovecot: %v, want ErrNoGmailMsgID", err)
	}
}
