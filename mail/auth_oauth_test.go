package mail_test

// OAuth2 sign-in against a scripted IMAP server: which mechanism is used,
// that a refused token is answered (no hang) and classified, the one retry
// with a fresh token, BYE AccessTokenExpired, and that no token reaches a
// trace or an error. The same against a real Dovecot is in
// dovecot_oauth_test.go.

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/mail"
)

// saslServer is a tiny IMAP server that knows AUTHENTICATE XOAUTH2 and
// OAUTHBEARER, EXAMINE, SEARCH, NOOP and LOGOUT, and is told per token
// whether to accept it.
type saslServer struct {
	t    *testing.T
	ln   net.Listener
	caps string // without AUTH= entries' order mattering

	mu        sync.Mutex
	valid     map[string]bool
	refusal   string   // JSON status sent for a refused token
	noJSON    bool     // refuse with a plain NO, no challenge (as Microsoft does)
	answers   []string // what the client sent after the error challenge
	mechs     []string // mechanism of each AUTHENTICATE
	tokens    []string // token of each AUTHENTICATE
	examineNo string   // answer EXAMINE with this NO text instead
	searchBye string   // answer SEARCH with this BYE and close
	idleBye   string   // 300 ms into an IDLE, send this BYE and close (renew_test.go)
}

func newSASLServer(t *testing.T, caps string) *saslServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &saslServer{t: t, ln: ln, caps: caps, valid: map[string]bool{}, refusal: "invalid_token"}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return s
}

func (s *saslServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *saslServer) account(creds mail.Credentials) mail.Account {
	return mail.Account{Host: "127.0.0.1", Port: s.port(), Security: mail.SecurityPlain, Username: user, Credentials: creds}
}

func (s *saslServer) setValid(tok string, ok bool) {
	s.mu.Lock()
	s.valid[tok] = ok
	s.mu.Unlock()
}

func (s *saslServer) record() (mechs, tokens, answers []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mechs...), append([]string(nil), s.tokens...), append([]string(nil), s.answers...)
}

func (s *saslServer) serve(c net.Conn) {
	r := bufio.NewReader(c)
	send := func(lines ...string) {
		for _, l := range lines {
			fmt.Fprintf(c, "%s\r\n", l)
		}
	}
	readLine := func() (string, bool) {
		l, err := r.ReadString('\n')
		return strings.TrimRight(l, "\r\n"), err == nil
	}
	send("* OK [CAPABILITY " + s.caps + "] ready")
	for {
		line, ok := readLine()
		if !ok {
			return
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			send("* BAD what")
			continue
		}
		tag, cmd := f[0], strings.ToUpper(f[1])
		switch cmd {
		case "CAPABILITY":
			send("* CAPABILITY "+s.caps, tag+" OK done")
		case "AUTHENTICATE":
			mech := strings.ToUpper(f[2])
			var ir string
			if len(f) > 3 {
				ir = f[3]
			} else {
				send("+ ")
				if ir, ok = readLine(); !ok {
					return
				}
			}
			raw, _ := base64.StdEncoding.DecodeString(ir)
			tok := bearer(string(raw))
			s.mu.Lock()
			s.mechs = append(s.mechs, mech)
			s.tokens = append(s.tokens, tok)
			good, refusal, noJSON := s.valid[tok], s.refusal, s.noJSON
			s.mu.Unlock()
			if good {
				send(tag + " OK [CAPABILITY IMAP4rev1 IDLE] signed in")
				continue
			}
			if noJSON {
				send(tag + " NO AUTHENTICATE failed.")
				continue
			}
			js := fmt.Sprintf(`{"status":"%s","schemes":"bearer","scope":"mail"}`, refusal)
			send("+ " + base64.StdEncoding.EncodeToString([]byte(js)))
			ans, ok := readLine()
			if !ok {
				return
			}
			s.mu.Lock()
			s.answers = append(s.answers, ans)
			s.mu.Unlock()
			if ans == "=" { // as Dovecot does
				send(tag + " BAD Invalid base64 data in continued response")
			} else {
				send(tag + " NO [AUTHENTICATIONFAILED] Authentication failed")
			}
		case "SELECT", "EXAMINE":
			s.mu.Lock()
			no := s.examineNo
			s.mu.Unlock()
			if no != "" {
				send(tag + " " + no)
				continue
			}
			send("* 0 EXISTS", "* OK [UIDVALIDITY 7] ok", "* OK [UIDNEXT 1] ok", tag+" OK [READ-ONLY] done")
		case "SEARCH", "UID":
			s.mu.Lock()
			bye := s.searchBye
			s.mu.Unlock()
			if bye != "" {
				send("* BYE " + bye)
				return
			}
			send("* SEARCH", tag+" OK done")
		case "IDLE":
			s.mu.Lock()
			bye := s.idleBye
			s.mu.Unlock()
			send("+ idling")
			if bye != "" {
				time.Sleep(300 * time.Millisecond)
				send("* BYE " + bye)
				return
			}
			if _, ok := readLine(); !ok { // DONE
				return
			}
			send(tag + " OK idle done")
		case "LOGOUT":
			send("* BYE bye", tag+" OK done")
			return
		default:
			send(tag + " OK done")
		}
	}
}

// bearer takes the token out of an XOAUTH2 or OAUTHBEARER message.
func bearer(msg string) string {
	for _, kv := range strings.Split(msg, "\x01") {
		if t, ok := strings.CutPrefix(kv, "auth=Bearer "); ok {
			return t
		}
	}
	return ""
}

// tokenSource hands out tokens in order and records rejections.
type tokenSource struct {
	mu       sync.Mutex
	tokens   []string
	next     int
	rejected []string
}

func (ts *tokenSource) Credential(context.Context) (mail.Credential, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.next >= len(ts.tokens) {
		return mail.Credential{}, fmt.Errorf("%w: no more tokens", mail.ErrTokenRejected)
	}
	tok := ts.tokens[ts.next]
	return mail.Credential{Kind: mail.CredentialOAuth2, Secret: tok}, nil
}

func (ts *tokenSource) TokenRejected(_ context.Context, tok string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.rejected = append(ts.rejected, tok)
	if ts.next < len(ts.tokens) && ts.tokens[ts.next] == tok {
		ts.next++
	}
}

func (ts *tokenSource) rejections() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.rejected...)
}

// traceLines collects a protocol trace.
type traceLines struct {
	mu    sync.Mutex
	lines []string
}

func (tl *traceLines) add(l string) {
	tl.mu.Lock()
	tl.lines = append(tl.lines, l)
	tl.mu.Unlock()
}

func (tl *traceLines) text() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return strings.Join(tl.lines, "\n")
}

// assertNoToken fails when any form of tok shows in text.
func assertNoToken(t *testing.T, where, text string, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		b64 := base64.StdEncoding.EncodeToString
		forms := map[string]string{
			"raw":               tok,
			"base64":            b64([]byte(tok)),
			"base64 XOAUTH2":    b64([]byte("user=" + user + "\x01auth=Bearer " + tok + "\x01\x01")),
			"half of the token": tok[len(tok)/2:],
		}
		for name, f := range forms {
			if strings.Contains(text, f) {
				t.Fatalf("%s holds the token (%s)", where, name)
			}
		}
	}
}

func probeOpts(tr *traceLines) mail.Options {
	o := mail.Options{DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second}
	if tr != nil {
		o.Trace = tr.add
	}
	return o
}

func TestOAuthMechanismChoice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		caps, want string
	}{
		{"IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER", "OAUTHBEARER"},
		{"IMAP4rev1 SASL-IR AUTH=XOAUTH2", "XOAUTH2"},
		{"IMAP4rev1 AUTH=XOAUTH2", "XOAUTH2"}, // no SASL-IR: the message follows a "+"
		{"IMAP4rev1 AUTH=OAUTHBEARER", "OAUTHBEARER"},
	} {
		t.Run(tc.caps, func(t *testing.T) {
			t.Parallel()
			srv := newSASLServer(t, tc.caps)
			const tok = "tok-GOOD-0123456789abcdef"
			srv.setValid(tok, true)
			var tr traceLines
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := mail.Probe(ctx, srv.account(mail.TokenFunc(func(context.Context) (string, error) { return tok, nil })), "INBOX", probeOpts(&tr)); err != nil {
				t.Fatalf("probe: %v", err)
			}
			mechs, tokens, _ := srv.record()
			if len(mechs) != 1 || mechs[0] != tc.want || tokens[0] != tok {
				t.Fatalf("mechanisms %v tokens %d, want one %s with the token", mechs, len(tokens), tc.want)
			}
			assertNoToken(t, "trace", tr.text(), tok)
			if !strings.Contains(tr.text(), "EXAMINE") {
				t.Fatalf("the trace misses the session: %s", tr.text())
			}
		})
	}
}

func TestOAuthNoMechanismOffered(t *testing.T) {
	t.Parallel()
	srv := newSASLServer(t, "IMAP4rev1 AUTH=PLAIN")
	_, err := mail.Probe(context.Background(), srv.account(mail.TokenFunc(func(context.Context) (string, error) { return "x", nil })), "INBOX", probeOpts(nil))
	if !errors.Is(err, mail.ErrConfig) || !mail.IsPermanent(err) {
		t.Fatalf("want a permanent ErrConfig, got %v", err)
	}
}

// A refused token is answered (no hang), reported to the source, and the
// login is tried once more with the next token on a new connection.
func TestOAuthRejectedThenRefreshed(t *testing.T) {
	t.Parallel()
	for _, caps := range []string{"IMAP4rev1 SASL-IR AUTH=XOAUTH2", "IMAP4rev1 SASL-IR AUTH=OAUTHBEARER"} {
		t.Run(caps, func(t *testing.T) {
			t.Parallel()
			srv := newSASLServer(t, caps)
			ts := &tokenSource{tokens: []string{"tok-STALE-aaaaaaaaaaaaaaaa", "tok-FRESH-bbbbbbbbbbbbbbbb"}}
			srv.setValid(ts.tokens[1], true)
			var tr traceLines
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := mail.Probe(ctx, srv.account(ts), "INBOX", probeOpts(&tr)); err != nil {
				t.Fatalf("probe after one refresh: %v", err)
			}
			_, tokens, answers := srv.record()
			if len(tokens) != 2 || tokens[0] != ts.tokens[0] || tokens[1] != ts.tokens[1] {
				t.Fatalf("server saw %d logins, want the stale then the fresh token", len(tokens))
			}
			if rej := ts.rejections(); len(rej) != 1 || rej[0] != ts.tokens[0] {
				t.Fatalf("rejections reported %d, want the stale token once", len(rej))
			}
			want := "=" // XOAUTH2: an empty response, which go-imap sends as "="
			if strings.Contains(caps, "OAUTHBEARER") {
				want = "AQ==" // 0x01
			}
			if len(answers) != 1 || answers[0] != want {
				t.Fatalf("answers to the error challenge %q, want [%q]", answers, want)
			}
			assertNoToken(t, "trace", tr.text(), ts.tokens...)
		})
	}
}

// Refused twice: ErrTokenRejected, permanent, with the server's reason and
// no token in the error; the watcher stops without a retry loop.
func TestOAuthRejectedTwiceStops(t *testing.T) {
	t.Parallel()
	srv := newSASLServer(t, "IMAP4rev1 SASL-IR AUTH=XOAUTH2")
	ts := &tokenSource{tokens: []string{"tok-OLD-cccccccccccccccc", "tok-ALSO-dddddddddddddddd", "tok-NEVER-eeeeeeeeeeeeeee"}}
	var tr traceLines
	opts := probeOpts(&tr)
	r := start(t, srv.account(ts), "INBOX", mail.Position{}, opts)
	err := r.wait(t, 10*time.Second, "a twice refused token must stop the watcher")
	if !errors.Is(err, mail.ErrTokenRejected) || !mail.IsPermanent(err) {
		t.Fatalf("want permanent ErrTokenRejected, got %v", err)
	}
	if !strings.Contains(err.Error(), "invalid_token") {
		t.Fatalf("the server's reason is lost: %v", err)
	}
	assertNoToken(t, "error", err.Error(), ts.tokens...)
	assertNoToken(t, "trace", tr.text(), ts.tokens...)
	_, tokens, _ := srv.record()
	if len(tokens) != 2 {
		t.Fatalf("%d logins, want 2 (one retry with a fresh token)", len(tokens))
	}
	if n := r.rec.count(isState(mail.StateBackoff)); n != 0 {
		t.Fatalf("%d backoffs for a permanent error", n)
	}
}

func TestOAuthRefusalClassified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		setup   func(*saslServer)
		want    error
		retries bool
	}{
		{"invalid_token", func(s *saslServer) { s.refusal = "invalid_token" }, mail.ErrTokenRejected, true},
		{"google 401", func(s *saslServer) { s.refusal = "401" }, mail.ErrTokenRejected, true},
		{"insufficient_scope", func(s *saslServer) { s.refusal = "insufficient_scope" }, mail.ErrAccessRefused, false},
		{"google 403", func(s *saslServer) { s.refusal = "403" }, mail.ErrAccessRefused, false},
		{"plain NO without JSON", func(s *saslServer) { s.noJSON = true }, mail.ErrTokenRejected, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSASLServer(t, "IMAP4rev1 SASL-IR AUTH=XOAUTH2")
			tc.setup(srv)
			ts := &tokenSource{tokens: []string{"tok-1-ffffffffffffffff", "tok-2-gggggggggggggggg"}}
			_, err := mail.Probe(context.Background(), srv.account(ts), "INBOX", probeOpts(nil))
			if !errors.Is(err, tc.want) || !mail.IsPermanent(err) {
				t.Fatalf("want permanent %v, got %v", tc.want, err)
			}
			if tc.want == mail.ErrTokenRejected && errors.Is(err, mail.ErrAccessRefused) || tc.want == mail.ErrAccessRefused && errors.Is(err, mail.ErrTokenRejected) {
				t.Fatalf("both classes at once: %v", err)
			}
			_, tokens, _ := srv.record()
			if want := map[bool]int{true: 2, false: 1}[tc.retries]; len(tokens) != want {
				t.Fatalf("%d logins, want %d", len(tokens), want)
			}
			assertNoToken(t, "error", err.Error(), ts.tokens...)
		})
	}
}

// The token is taken at AUTHENTICATE but EXAMINE says the user is not
// connected (Microsoft, a token for another user): not a login.
func TestOAuthLoginCountsOnlyAfterExamine(t *testing.T) {
	t.Parallel()
	srv := newSASLServer(t, "IMAP4rev1 SASL-IR AUTH=XOAUTH2")
	const tok = "tok-OTHERUSER-hhhhhhhhhhhhh"
	srv.setValid(tok, true)
	srv.examineNo = "BAD User is authenticated but not connected."
	_, err := mail.Probe(context.Background(), srv.account(mail.TokenFunc(func(context.Context) (string, error) { return tok, nil })), "INBOX", probeOpts(nil))
	if !errors.Is(err, mail.ErrAccessRefused) || !mail.IsPermanent(err) {
		t.Fatalf("want permanent ErrAccessRefused, got %v", err)
	}
}

// "* BYE … AccessTokenExpired" in the middle of a session is ErrTokenExpired:
// transient, the watcher backs off and logs in again with a new token.
func TestOAuthByeAccessTokenExpired(t *testing.T) {
	t.Parallel()
	srv := newSASLServer(t, "IMAP4rev1 SASL-IR AUTH=XOAUTH2")
	const tok = "tok-SHORTLIVED-iiiiiiiiii"
	srv.setValid(tok, true)
	srv.searchBye = "Session invalidated - AccessTokenExpired"
	calls := 0
	var mu sync.Mutex
	src := mail.TokenFunc(func(context.Context) (string, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		return tok, nil
	})
	r := start(t, srv.account(src), "INBOX", mail.Position{}, probeOpts(nil))
	i := r.rec.waitFor(t, 0, 10*time.Second, "a backoff after BYE", isState(mail.StateBackoff))
	err := r.rec.all()[i].(mail.StateEvent).Err
	if !errors.Is(err, mail.ErrTokenExpired) || mail.IsPermanent(err) {
		t.Fatalf("want transient ErrTokenExpired, got %v", err)
	}
	r.rec.waitFor(t, i+1, 10*time.Second, "a second login", isState(mail.StateAuthenticating))
	// The state comes before the credential is asked for: wait for the ask.
	asked := func() int { mu.Lock(); defer mu.Unlock(); return calls }
	for deadline := time.Now().Add(10 * time.Second); asked() < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("token asked %d times, want a fresh one per login", asked())
		}
		time.Sleep(5 * time.Millisecond)
	}

	// The same BYE after a password login is not about tokens.
	srv2 := newSASLServer(t, "IMAP4rev1 AUTH=PLAIN")
	srv2.searchBye = "Session invalidated - AccessTokenExpired"
	acct := srv2.account(nil)
	acct.Password = password(pass)
	_, perr := mail.Probe(context.Background(), acct, "INBOX", probeOpts(nil))
	if perr == nil || errors.Is(perr, mail.ErrTokenExpired) {
		t.Fatalf("password session: %v", perr)
	}
}

func TestOAuthCredentialNeverPrinted(t *testing.T) {
	c := mail.Credential{Kind: mail.CredentialOAuth2, Secret: "tok-PRINTED-jjjjjjjjjjjj"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), fmt.Sprintf("%v", &c)} {
		assertNoToken(t, "formatted credential", s, c.Secret)
	}
}
