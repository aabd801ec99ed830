package reliability

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mailbell/app/control"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

// Where a hostile server puts its bad answer.
const (
	atGreeting = iota
	atLogin
	atExamine
	atFetch
	atSearch
	atIdle
	numStages
)

var stageNames = []string{"greeting", "login", "examine", "fetch", "search", "idle"}

// hostileServer plays a normal server except at stage, where it writes
// reply (with "TAG" replaced by the command's tag) instead of an answer.
// The mailbox holds one message (UID 1), so the watcher fetches.
func hostileServer(stage int, reply []byte) func(net.Conn) {
	return func(conn net.Conn) {
		s := imaptest.NewScript(conn)
		s.Exists, s.UIDNext = 1, 2
		if stage == atGreeting {
			conn.Write(reply)
			s.Drain()
			return
		}
		if s.Send(imaptest.Greeting) != nil {
			return
		}
		s.Serve(func(s *imaptest.Script, tag, name, args string) (bool, error) {
			hit := false
			switch stage {
			case atLogin:
				hit = name == "LOGIN" || name == "AUTHENTICATE"
			case atExamine:
				hit = name == "EXAMINE" || name == "SELECT"
			case atFetch:
				hit = name == "FETCH" || name == "UID FETCH"
			case atSearch:
				hit = name == "SEARCH" || name == "UID SEARCH" || name == "STATUS"
			case atIdle:
				if name == "IDLE" {
					if err := s.Send("+ idling"); err != nil {
						return true, err
					}
					if _, err := conn.Write([]byte(strings.ReplaceAll(string(reply), "TAG", tag))); err != nil {
						return true, err
					}
					for { // then wait for DONE like a server would
						line, err := s.ReadLine()
						if err != nil {
							return true, err
						}
						if strings.EqualFold(line, "DONE") {
							return true, s.Send(tag + " OK IDLE terminated")
						}
					}
				}
			}
			if !hit {
				return false, nil
			}
			if name == "AUTHENTICATE" && len(strings.Fields(args)) < 2 {
				if err := s.Send("+ "); err != nil {
					return true, err
				}
				if _, err := s.ReadLine(); err != nil {
					return true, err
				}
			}
			_, err := conn.Write([]byte(strings.ReplaceAll(string(reply), "TAG", tag)))
			return true, err
		})
	}
}

type hostileCase struct {
	name  string
	stage int
	reply string
	// broken: the watcher must report an error and reconnect. Otherwise the
	// answer is odd but usable, and only "no panic, no leak, clean text" holds.
	broken bool
	// permanent: the watcher must stop with an error and not reconnect.
	permanent bool
}

func hostileCases() []hostileCase {
	deep := strings.Repeat("(", 2000) + strings.Repeat(")", 2000)
	return []hostileCase{
		{"binary garbage greeting", atGreeting, "\x00\xff\xfe\x1b[2J garbage, not IMAP\r\nHTTP/1.1 400 Bad Request\r\n\r\n", true, false},
		{"truncated greeting", atGreeting, "* OK [CAPABILITY IMAP4rev1 AUTH=PL", true, false},
		{"BYE greeting with escapes", atGreeting, "* BYE \x1b]0;pwned\x07\u202e go away\r\n", true, false},
		{"10 MB greeting line", atGreeting, "* OK " + strings.Repeat("A", 10<<20) + "\r\n", true, false},
		{"login NO with bidi and escapes", atLogin, "TAG NO [AUTHENTICATIONFAILED] \u202egnp.exe\x1b[31m \x07denied\r\n", false, true},
		{"login answer untagged junk then close", atLogin, "* \x00\x01\x02\r\n", true, false},
		{"examine overflowing EXISTS", atExamine, "* 99999999999999999999 EXISTS\r\nTAG OK [READ-ONLY] done\r\n", true, false},
		{"examine UIDVALIDITY 0 and huge EXISTS", atExamine, "* 4294967295 EXISTS\r\n* OK [UIDVALIDITY 0] x\r\n* OK [UIDNEXT 0] x\r\nTAG OK [READ-ONLY] done\r\n", false, false},
		{"examine missing tagged reply", atExamine, "* 1 EXISTS\r\n", true, false},
		{"fetch negative UID", atFetch, "* 1 FETCH (UID -5 FLAGS (\\Seen))\r\nTAG OK done\r\n", true, false},
		{"fetch unbalanced parens", atFetch, "* 1 FETCH (UID 1 ENVELOPE (\"d\" \"s\" ((\r\nTAG OK done\r\n", true, false},
		{"fetch giant literal then close", atFetch, "* 1 FETCH (UID 1 ENVELOPE (\"d\" {999999999}\r\nabc", true, false},
		{"fetch nested 2000 deep", atFetch, "* 1 FETCH (UID 1 BODYSTRUCTURE " + deep + ")\r\nTAG OK done\r\n", true, false},
		{"fetch envelope of controls", atFetch, "* 1 FETCH (UID 7 FLAGS () ENVELOPE (\"\x01\" \"\u202e\x1b[2Jsub\x00j\" ((\"\x07Eve\u2066\" NIL \"e\" \"x.com\")) NIL NIL NIL NIL NIL NIL \"<\x00>\"))\r\nTAG OK done\r\n", false, false},
		{"fetch UIDs never asked for", atFetch, "* 1 FETCH (UID 4294967295 FLAGS ())\r\n* 999 FETCH (UID 3 FLAGS ())\r\nTAG OK done\r\n", false, false},
		{"search garbage", atSearch, "* SEARCH 1 x 2\r\nTAG OK done\r\n", true, false},
		{"search ten thousand hits of one message", atSearch, "* SEARCH" + strings.Repeat(" 1", 10000) + "\r\nTAG OK done\r\n", false, false},
		{"idle expunge below zero", atIdle, "* 3 EXPUNGE\r\n* 0 EXISTS\r\n* 5 EXPUNGE\r\n", false, false},
		{"idle continuation spam", atIdle, strings.Repeat("+ more\r\n", 1000), false, false},
		{"idle alert with escapes", atIdle, "* OK [ALERT] \x1b]0;pwned\x07\u202e\r\n* BYE \x1b[2Jbye\r\n", false, false},
		{"idle tagged reply to nothing", atIdle, "TAG OK done early\r\nXYZ BAD who\r\n", false, false},
		{"idle NUL flood", atIdle, strings.Repeat("\x00", 1<<16) + "\r\n", true, false},
	}
}

// TestHostileServersThroughCore: invariant 7 — a server that answers
// garbage at any stage gives the core an error state (with clean text) and
// a reconnect; nothing panics, and no goroutine outlives the core.
func TestHostileServersThroughCore(t *testing.T) {
	for _, hc := range hostileCases() {
		t.Run(hc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			ss, err := imaptest.StartScript(hostileServer(hc.stage, []byte(hc.reply)))
			if err != nil {
				t.Fatal(err)
			}
			defer ss.Close()
			dir := t.TempDir()
			if err := WriteConfig(dir, Account{ID: "h", Host: "127.0.0.1", Port: ss.Port(), Security: "plain", Username: "u"}); err != nil {
				t.Fatal(err)
			}
			mo := testMail()
			mo.DialTimeout, mo.CommandTimeout, mo.ProbeTimeout = time.Second, time.Second, time.Second
			mo.BackoffMin, mo.BackoffMax = 50*time.Millisecond, 200*time.Millisecond
			mo.IdleRefresh = 300 * time.Millisecond // cycle IDLE so the idle-stage reply is seen more than once
			c, err := newCore(dir, memStore(map[string]string{"h": "pw"}), mo)
			if err != nil {
				t.Fatal(err)
			}
			c.t = t
			if hc.permanent {
				if !c.rec.Wait(10*time.Second, func() bool { return c.count(control.EvState, "h", "INBOX", "stopped") > 0 }) {
					t.Errorf("no stopped state; events:\n%s", c.describe())
				}
				time.Sleep(300 * time.Millisecond)
				if n := ss.Accepted(); n != 1 {
					t.Errorf("%d connections after a permanent error; want 1", n)
				}
			} else if hc.broken {
				if !c.rec.Wait(10*time.Second, func() bool {
					return c.count(control.EvState, "h", "INBOX", "backoff") > 0 && ss.Accepted() >= 2
				}) {
					t.Errorf("no error state and reconnect; events:\n%s", c.describe())
				}
			} else {
				time.Sleep(time.Second) // a few IDLE cycles with the odd answer
			}
			c.stop()
			for _, e := range c.rec.Events() {
				checkClean(t, "state error", e.Error, 301)
				checkClean(t, "subject", e.Subject, 201)
				checkClean(t, "sender", e.From, 101)
			}
			for _, a := range c.core.Snapshot().Accounts {
				for _, f := range a.Folders {
					checkClean(t, "snapshot error", f.Error, 301)
				}
			}
			if t.Failed() {
				t.Logf("core log:\n%s", tail(c.log.String(), 30))
			}
		})
	}
}

// FuzzServerReply puts arbitrary bytes in a server's answer at any stage
// of a watcher's life (mail.Watcher directly: the go-imap client's parser
// and the watcher's handling). Nothing may panic or hang, and Run must
// return promptly when cancelled without leaving goroutines behind.
func FuzzServerReply(f *testing.F) {
	for _, hc := range hostileCases() {
		if len(hc.reply) < 64<<10 {
			f.Add(uint8(hc.stage), []byte(hc.reply))
		}
	}
	f.Fuzz(func(t *testing.T, stage uint8, reply []byte) {
		before := runtime.NumGoroutine()
		ss, err := imaptest.StartScript(hostileServer(int(stage)%numStages, reply))
		if err != nil {
			t.Fatal(err)
		}
		acct := mail.Account{Host: "127.0.0.1", Port: ss.Port(), Security: mail.SecurityPlain, Username: "u",
			Password: func(context.Context) (string, error) { return "pw", nil }}
		opts := mail.Options{DialTimeout: 500 * time.Millisecond, CommandTimeout: 500 * time.Millisecond,
			ProbeTimeout: 500 * time.Millisecond, BackoffMin: 20 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
			IdleRefresh: 100 * time.Millisecond, Logger: discardLogger()}
		settled := make(chan struct{}, 1)
		emit := func(e mail.Event) {
			if se, ok := e.(mail.StateEvent); ok && se.State != mail.StateConnecting &&
				se.State != mail.StateAuthenticating && se.State != mail.StateSyncing {
				select {
				case settled <- struct{}{}:
				default:
				}
			}
			for _, m := range newMessages(e) {
				_ = fmt.Sprint(m) // touch every field: no lazy panics
			}
		}
		w := mail.NewWatcher(acct, "INBOX", mail.Position{}, opts, emit)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = w.Run(ctx)
		}()
		select {
		case <-settled:
		case <-time.After(3 * time.Second):
		}
		time.Sleep(150 * time.Millisecond) // let an IDLE cycle see the reply
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Run did not return 5 s after cancel (stage %s)", stageNames[int(stage)%numStages])
		}
		ss.Close()
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
	})
}

func newMessages(e mail.Event) []mail.Message {
	switch e := e.(type) {
	case mail.NewMailEvent:
		return e.Messages
	case mail.RecentEvent:
		return e.Messages
	}
	return nil
}

// TestDeeplyNestedResponse: a FETCH answer with 7,000 nested parentheses
// (14 KB) is refused like any malformed answer, at once, and cancelling
// the watcher is not held up by it. (go-imap's BODYSTRUCTURE parser
// recurses once per level and wraps its error at each level, so the time
// grows with the square of the depth; the reader goroutine cannot be
// interrupted meanwhile.)
func TestDeeplyNestedResponse(t *testing.T) {
	const depth = 7000
	deep := strings.Repeat("(", depth) + strings.Repeat(")", depth)
	ss, err := imaptest.StartScript(hostileServer(atFetch, []byte("* 1 FETCH (UID 1 BODYSTRUCTURE "+deep+")\r\nTAG OK done\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	acct := mail.Account{Host: "127.0.0.1", Port: ss.Port(), Security: mail.SecurityPlain, Username: "u",
		Password: func(context.Context) (string, error) { return "pw", nil }}
	states := make(chan mail.StateEvent, 64)
	opts := mail.Options{CommandTimeout: time.Second, DialTimeout: time.Second, BackoffMin: time.Minute, Logger: discardLogger()}
	w := mail.NewWatcher(acct, "INBOX", mail.Position{}, opts, func(e mail.Event) {
		if se, ok := e.(mail.StateEvent); ok {
			select {
			case states <- se:
			default:
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	var reported time.Duration
wait:
	for {
		select {
		case se := <-states:
			if se.State == mail.StateBackoff || se.State == mail.StateIdle {
				reported = time.Since(start)
				break wait
			}
		case <-time.After(500 * time.Millisecond):
			break wait
		}
	}
	cancel()
	cancelled := time.Now()
	var returned time.Duration
	select {
	case <-done:
		returned = time.Since(cancelled)
	case <-time.After(500 * time.Millisecond):
		// Wait it out, so the parse does not eat the CPU of the tests that follow.
		<-done
		returned = time.Since(cancelled)
		t.Errorf("Run returned %s after cancel (want < 500 ms): a 14 KB answer holds the watcher", returned.Round(time.Millisecond))
	}
	if reported == 0 {
		t.Errorf("no error state within 500 ms of a %d-deep answer", depth)
	}
	t.Logf("%d-deep BODYSTRUCTURE: error state after %s (0: none within 500 ms), Run returned %s after cancel",
		depth, reported.Round(time.Millisecond), returned.Round(time.Millisecond))
}
