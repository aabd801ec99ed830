package imaptest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// ScriptServer is a raw TCP server on 127.0.0.1 whose every connection is
// handed to a function written by the test: a way to play a broken or
// hostile IMAP server (garbage, BYE in the middle of IDLE, truncated lines,
// huge literals, silence). Script helps write such functions; Garbage,
// GreetThenSilence and the others below are ready-made.
type ScriptServer struct {
	ln      net.Listener
	handler func(net.Conn)
	wg      sync.WaitGroup

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	accepted int
}

// StartScript listens on 127.0.0.1:0 and runs handler for each connection in
// a goroutine of its own. The connection is closed when handler returns.
// Handlers must return once the connection is closed (blocking reads do):
// Close closes every connection and waits for them.
func StartScript(handler func(conn net.Conn)) (*ScriptServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("imaptest: listen: %w", err)
	}
	s := &ScriptServer{ln: ln, handler: handler, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

func (s *ScriptServer) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed; a test server does not retry other errors
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.accepted++
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				c.Close()
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
			s.handler(c)
		}()
	}
}

// Addr is host:port to dial.
func (s *ScriptServer) Addr() string { return s.ln.Addr().String() }

// Host is the IP the server listens on: 127.0.0.1.
func (s *ScriptServer) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the TCP port the server listens on.
func (s *ScriptServer) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Accepted is how many connections were accepted so far.
func (s *ScriptServer) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Close stops listening, closes every connection and waits for the handlers.
func (s *ScriptServer) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Greeting is the greeting a scripted server sends when it plays along.
const Greeting = "* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] imaptest script ready"

// maxScriptLine and maxScriptLiteral bound what a Script reads from a client.
const (
	maxScriptLine    = 64 * 1024
	maxScriptLiteral = 1 << 20
)

// Script is a connection seen from a scripted IMAP server: it reads commands
// and writes lines, and Serve gives minimal answers to whatever a test does
// not want to script itself.
type Script struct {
	Conn net.Conn
	r    *bufio.Reader

	// What SELECT and EXAMINE report by default.
	Exists, UIDNext, UIDValidity uint32
}

// NewScript wraps a connection. By default the mailbox is empty, with
// UIDVALIDITY 1 and UIDNEXT 1.
func NewScript(c net.Conn) *Script {
	return &Script{Conn: c, r: bufio.NewReaderSize(c, maxScriptLine), UIDNext: 1, UIDValidity: 1}
}

// Send writes each line followed by CRLF.
func (s *Script) Send(lines ...string) error {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	_, err := s.Conn.Write(b.Bytes())
	return err
}

// ReadLine reads one line without its CRLF.
func (s *Script) ReadLine() (string, error) {
	line, err := s.r.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// ReadCommand reads one command. name is upper case, and "UID FETCH" etc.
// for UID commands; args is the rest with any literals inlined (synchronising
// literals are answered with a continuation request).
func (s *Script) ReadCommand() (tag, name, args string, err error) {
	var full strings.Builder
	for {
		line, err := s.ReadLine()
		if err != nil {
			return "", "", "", err
		}
		n := literalSize([]byte(line))
		if n == 0 {
			full.WriteString(line)
			break
		}
		if n > maxScriptLiteral {
			return "", "", "", fmt.Errorf("imaptest: literal of %d bytes from client", n)
		}
		open := strings.LastIndexByte(line, '{')
		full.WriteString(line[:open])
		if !strings.HasSuffix(line, "+}") {
			if err := s.Send("+ Ready for literal data"); err != nil {
				return "", "", "", err
			}
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(s.r, lit); err != nil {
			return "", "", "", err
		}
		full.Write(lit)
	}
	parts := strings.SplitN(full.String(), " ", 3)
	if len(parts) < 2 {
		return parts[0], "", "", nil
	}
	tag, name = parts[0], strings.ToUpper(parts[1])
	if len(parts) == 3 {
		args = parts[2]
	}
	if name == "UID" {
		sub := strings.SplitN(args, " ", 2)
		name += " " + strings.ToUpper(sub[0])
		args = ""
		if len(sub) == 2 {
			args = sub[1]
		}
	}
	return tag, name, args, nil
}

// Drain reads and discards until the connection ends: a server that listens
// but never answers.
func (s *Script) Drain() {
	io.Copy(io.Discard, s.r)
}

// Serve reads commands until the connection ends or LOGOUT, and answers
// each one. hook, if not nil, sees each command first: it returns handled
// to skip the default answer, and a non-nil error (ErrStop, say) to end
// Serve, which returns that error.
func (s *Script) Serve(hook func(s *Script, tag, name, args string) (handled bool, err error)) error {
	for {
		tag, name, args, err := s.ReadCommand()
		if err != nil {
			return err
		}
		if hook != nil {
			handled, err := hook(s, tag, name, args)
			if err != nil {
				return err
			}
			if handled {
				continue
			}
		}
		if err := s.Answer(tag, name, args); err != nil {
			return err
		}
		if name == "LOGOUT" {
			return nil
		}
	}
}

// Answer gives the default answer to a command: success with no data, a
// mailbox as set in the Script's fields, IDLE that waits for DONE.
func (s *Script) Answer(tag, name, args string) error {
	switch name {
	case "CAPABILITY":
		return s.Send("* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN", tag+" OK CAPABILITY completed")
	case "AUTHENTICATE":
		if len(strings.Fields(args)) < 2 { // no initial response: ask for it
			if err := s.Send("+ "); err != nil {
				return err
			}
			if _, err := s.ReadLine(); err != nil {
				return err
			}
		}
		return s.Send(tag + " OK [CAPABILITY IMAP4rev1 IDLE] AUTHENTICATE completed")
	case "SELECT", "EXAMINE":
		access := "[READ-WRITE]"
		if name == "EXAMINE" {
			access = "[READ-ONLY]"
		}
		return s.Send(
			fmt.Sprintf("* %d EXISTS", s.Exists),
			`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
			"* OK [UIDVALIDITY "+strconv.FormatUint(uint64(s.UIDValidity), 10)+"] UIDs valid",
			"* OK [UIDNEXT "+strconv.FormatUint(uint64(s.UIDNext), 10)+"] Predicted next UID",
			tag+" OK "+access+" "+name+" completed",
		)
	case "IDLE":
		if err := s.Send("+ idling"); err != nil {
			return err
		}
		for {
			line, err := s.ReadLine()
			if err != nil {
				return err
			}
			if strings.EqualFold(line, "DONE") {
				return s.Send(tag + " OK IDLE terminated")
			}
		}
	case "SEARCH", "UID SEARCH":
		return s.Send("* SEARCH", tag+" OK SEARCH completed")
	case "LOGOUT":
		return s.Send("* BYE logging out", tag+" OK LOGOUT completed")
	case "LOGIN":
		return s.Send(tag + " OK [CAPABILITY IMAP4rev1 IDLE] LOGIN completed")
	case "NOOP", "CHECK", "FETCH", "UID FETCH", "STATUS", "ENABLE",
		"ID", "NAMESPACE", "LIST", "LSUB", "CLOSE", "UNSELECT":
		return s.Send(tag + " OK " + name + " completed")
	}
	return s.Send(tag + " BAD Unknown command")
}

// Garbage sends bytes that are not IMAP instead of a greeting, then listens
// without answering.
func Garbage(conn net.Conn) {
	conn.Write([]byte("\x00\xff\xfe\x1b[2J garbage, not IMAP\r\nHTTP/1.1 400 Bad Request\r\n\r\n"))
	NewScript(conn).Drain()
}

// TruncatedGreeting sends half a greeting line and closes the connection.
func TruncatedGreeting(conn net.Conn) {
	conn.Write([]byte("* OK [CAPABILITY IMAP4rev1 ID"))
}

// GreetThenSilence greets and then never answers anything.
func GreetThenSilence(conn net.Conn) {
	s := NewScript(conn)
	if s.Send(Greeting) != nil {
		return
	}
	s.Drain()
}

// ByeAfterLogin accepts the login, then says BYE and closes.
func ByeAfterLogin(conn net.Conn) {
	s := NewScript(conn)
	if s.Send(Greeting) != nil {
		return
	}
	s.Serve(func(s *Script, tag, name, args string) (bool, error) {
		if name != "LOGIN" && name != "AUTHENTICATE" {
			return false, nil
		}
		if err := s.Answer(tag, name, args); err != nil {
			return true, err
		}
		s.Send("* BYE going away")
		return true, ErrStop
	})
}

// ByeDuringIdle plays along until IDLE, accepts it, then says BYE and closes.
func ByeDuringIdle(conn net.Conn) {
	serveIdle(conn, func(s *Script) {
		s.Send("* BYE shutting down")
	})
}

// SilentDuringIdle plays along until IDLE, accepts it, then goes silent for
// good, DONE included: a stalled path as seen by the client.
func SilentDuringIdle(conn net.Conn) {
	serveIdle(conn, func(s *Script) { s.Drain() })
}

// serveIdle plays a normal server and runs then once IDLE is accepted; the
// connection closes when then returns.
func serveIdle(conn net.Conn, then func(s *Script)) {
	s := NewScript(conn)
	if s.Send(Greeting) != nil {
		return
	}
	s.Serve(func(s *Script, tag, name, args string) (bool, error) {
		if name != "IDLE" {
			return false, nil
		}
		if err := s.Send("+ idling"); err != nil {
			return true, err
		}
		then(s)
		return true, ErrStop
	})
}

// HugeLiteral returns a server that holds one message (UID 1) and answers
// every FETCH with an ENVELOPE whose subject is a literal of size bytes,
// streamed until done or the client goes away: for checking that a client's
// memory stays bounded.
func HugeLiteral(size int64) func(net.Conn) {
	return func(conn net.Conn) {
		s := NewScript(conn)
		s.Exists, s.UIDNext = 1, 2
		if s.Send(Greeting) != nil {
			return
		}
		s.Serve(func(s *Script, tag, name, args string) (bool, error) {
			if name != "FETCH" && name != "UID FETCH" {
				return false, nil
			}
			head := fmt.Sprintf(`* 1 FETCH (UID 1 FLAGS () INTERNALDATE "01-Jan-2024 00:00:00 +0000" `+
				`ENVELOPE ("Mon, 01 Jan 2024 00:00:00 +0000" {%d}`+"\r\n", size)
			if _, err := io.WriteString(s.Conn, head); err != nil {
				return true, err
			}
			chunk := bytes.Repeat([]byte("A"), 32*1024)
			for left := size; left > 0; {
				n := min(left, int64(len(chunk)))
				if _, err := s.Conn.Write(chunk[:n]); err != nil {
					return true, err
				}
				left -= n
			}
			return true, s.Send(" NIL NIL NIL NIL NIL NIL NIL NIL))", tag+" OK FETCH completed")
		})
	}
}

// ErrStop is a hook's way to end Script.Serve.
var ErrStop = errors.New("imaptest: script stopped")
