package mail_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

// doneFailure is a way for a server to fail the end of IDLE.
type doneFailure int

const (
	doneBAD  doneFailure = iota // DONE answered with BAD
	doneNO                      // DONE answered with NO
	doneDrop                    // the line drops right after DONE, no answer
)

func (f doneFailure) String() string {
	return [...]string{"BAD", "NO", "drop"}[f]
}

// doneServer is a scripted server that plays along until DONE, then fails
// it as told, on every connection. It notes the commands it saw.
type doneServer struct {
	*imaptest.ScriptServer
	mu       sync.Mutex
	commands []string
	dones    int
}

func startDoneServer(t *testing.T, fail doneFailure) *doneServer {
	t.Helper()
	ds := &doneServer{}
	ss, err := imaptest.StartScript(func(conn net.Conn) {
		s := imaptest.NewScript(conn)
		if s.Send(imaptest.Greeting) != nil {
			return
		}
		s.Serve(func(s *imaptest.Script, tag, name, args string) (bool, error) {
			ds.mu.Lock()
			ds.commands = append(ds.commands, name)
			ds.mu.Unlock()
			if name != "IDLE" {
				return false, nil
			}
			if err := s.Send("+ idling"); err != nil {
				return true, err
			}
			line, err := s.ReadLine()
			if err != nil {
				return true, err
			}
			if !strings.EqualFold(line, "DONE") {
				return true, s.Send(tag + " BAD expected DONE")
			}
			ds.mu.Lock()
			ds.dones++
			ds.mu.Unlock()
			switch fail {
			case doneBAD:
				return true, s.Send(tag + " BAD [CLIENTBUG] DONE not expected now")
			case doneNO:
				return true, s.Send(tag + " NO IDLE failed")
			}
			return true, imaptest.ErrStop // the connection closes
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ds.ScriptServer = ss
	t.Cleanup(func() { ss.Close() })
	return ds
}

func (ds *doneServer) saw(name string) int {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	n := 0
	for _, c := range ds.commands {
		if c == name {
			n++
		}
	}
	return n
}

func (ds *doneServer) doneCount() int {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.dones
}

func doneAccount(ds *doneServer) mail.Account {
	return mail.Account{Host: ds.Host(), Port: ds.Port(), Security: mail.SecurityPlain, Username: user, Password: password(pass)}
}

// A DONE that fails ends the session with an error that says so: the watcher
// backs off and reconnects instead of carrying on over a connection in an
// unknown state.
func TestIdleDoneFailureIsReported(t *testing.T) {
	for _, fail := range []doneFailure{doneBAD, doneNO, doneDrop} {
		t.Run(fail.String(), func(t *testing.T) {
			ds := startDoneServer(t, fail)
			r := start(t, doneAccount(ds), "INBOX", mail.Position{}, fast())
			r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
			from := len(r.rec.all())
			r.w.CheckNow() // ends IDLE: DONE
			i := r.rec.waitFor(t, from, 5*time.Second, "a backoff after the failed DONE", isState(mail.StateBackoff))
			se, ok := r.rec.all()[i].(mail.StateEvent)
			if !ok || se.Err == nil {
				t.Fatalf("backoff event %+v", r.rec.all()[i])
			}
			if msg := se.Err.Error(); !strings.Contains(msg, "end of IDLE") {
				t.Fatalf("failed DONE reported as %q, want it named", msg)
			}
			if fail != doneDrop && !strings.Contains(se.Err.Error(), fail.String()) {
				t.Fatalf("error %q does not carry the server's %s", se.Err, fail)
			}
			r.rec.waitFor(t, from, 5*time.Second, "a reconnect", func(mail.Event) bool { return ds.Accepted() >= 2 })
		})
	}
}

// On cancel a failed DONE means the server is not in a state to answer a
// LOGOUT: Run returns at once, without one.
func TestIdleDoneFailureOnCancelSkipsLogout(t *testing.T) {
	for _, fail := range []doneFailure{doneBAD, doneNO, doneDrop} {
		t.Run(fail.String(), func(t *testing.T) {
			ds := startDoneServer(t, fail)
			r := start(t, doneAccount(ds), "INBOX", mail.Position{}, fast())
			r.rec.waitFor(t, 0, 5*time.Second, "idle", isState(mail.StateIdle))
			begin := time.Now()
			if err := r.stop(t); err != nil {
				t.Fatalf("Run after cancel: %v", err)
			}
			if d := time.Since(begin); d > 2*time.Second {
				t.Fatalf("Run took %s to return", d)
			}
			ds.Close() // waits for the handler: every command the client sent is counted
			if ds.doneCount() != 1 {
				t.Fatalf("server saw %d DONEs, want 1", ds.doneCount())
			}
			if n := ds.saw("LOGOUT"); n != 0 {
				t.Fatalf("LOGOUT sent %d times after a failed DONE", n)
			}
		})
	}
}
