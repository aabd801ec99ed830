package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// ErrRunning: another core already serves the socket.
var ErrRunning = errors.New("mailbell is already running")

// Handler starts one command from a client and returns a function that
// waits for its result: an Event whose payload (Value, Settings) goes into
// the reply, or an error (a *CommandError gives the reply its Fields).
// The server calls Handler in the order a client sends its commands and
// runs the waits concurrently, so a slow command (a connection test, a
// keyring that thinks) does not hold up the client's next one.
type Handler func(c *Conn, cmd Command) (wait func() (Event, error))

// Server accepts clients on the control channel and fans events out to them.
type Server struct {
	path    string
	ln      net.Listener
	handle  Handler
	snap    func() Event // the snapshot each new client gets first
	log     *slog.Logger
	mu      sync.Mutex
	clients map[*Conn]struct{}
	wg      sync.WaitGroup
}

// Conn is one connected client.
type Conn struct {
	conn net.Conn
	out  chan []byte // bounded: a client that stops reading is dropped
	once sync.Once
	done chan struct{}
	mu   sync.Mutex
	role string

	// The latest snapshot not yet written: snapshots replace each other, so
	// a slow client gets the newest one instead of a queue of stale ones.
	snapMu    sync.Mutex
	snapLine  []byte
	snapReady chan struct{}
}

// Role is what the client said it is in its hello ("window", or "").
func (c *Conn) Role() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.role
}

// close ends the client: its writer flushes what is queued (briefly), then
// closes the connection, which ends its reader.
func (c *Conn) close() {
	c.once.Do(func() { close(c.done) })
}

// clientQueue bounds the events waiting for one client. Snapshots do not
// count (they replace each other), so this only fills when a client falls
// thousands of events behind; a client that stops reading altogether is
// dropped sooner, by its 5 s write deadline.
const clientQueue = 4096

// Listen takes the control channel at path: a Unix socket (listen_unix.go),
// on Windows a named pipe named for path (listen_windows.go). One that
// answers means another core runs: ErrRunning.
func Listen(path string, handle Handler, snapshot func() Event, log *slog.Logger) (*Server, error) {
	ln, err := listen(path)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{path: path, ln: ln, handle: handle, snap: snapshot, log: log, clients: map[*Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("control socket accept", "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		c := &Conn{conn: nc, out: make(chan []byte, clientQueue), done: make(chan struct{}), snapReady: make(chan struct{}, 1)}
		s.mu.Lock()
		s.clients[c] = struct{}{}
		s.mu.Unlock()
		if s.snap != nil {
			s.sendTo(c, s.snap())
		}
		s.wg.Add(2)
		go s.writeLoop(c)
		go s.readLoop(c)
	}
}

func (s *Server) drop(c *Conn) {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
	c.close()
}

func (s *Server) writeLoop(c *Conn) {
	defer s.wg.Done()
	defer s.drop(c)
	defer c.conn.Close()
	for {
		select {
		case <-c.done:
			// A reply to "quit" must still reach its client.
			c.conn.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			for {
				select {
				case line := <-c.out:
					if _, err := c.conn.Write(line); err != nil {
						return
					}
				default:
					return
				}
			}
		case <-c.snapReady:
			c.snapMu.Lock()
			line := c.snapLine
			c.snapLine = nil
			c.snapMu.Unlock()
			if line == nil {
				continue
			}
			c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.conn.Write(line); err != nil {
				return
			}
		case line := <-c.out:
			// A client that does not read for this long is gone for our purposes.
			c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.conn.Write(line); err != nil {
				return
			}
		}
	}
}

func (s *Server) readLoop(c *Conn) {
	defer s.wg.Done()
	defer s.drop(c)
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 4096), MaxLine)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var cmd Command
		if err := json.Unmarshal(line, &cmd); err != nil {
			s.sendTo(c, Event{Event: EvError, Error: "malformed command: want one JSON object per line"})
			continue
		}
		if cmd.Cmd == CmdHello {
			c.mu.Lock()
			c.role = cmd.Role
			c.mu.Unlock()
		}
		wait := s.handle(c, cmd)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			res, err := wait()
			s.reply(c, cmd, res, err)
		}()
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		s.sendTo(c, Event{Event: EvError, Error: fmt.Sprintf("line longer than %d bytes", MaxLine)})
	}
}

func (s *Server) reply(c *Conn, cmd Command, res Event, err error) {
	ok := err == nil
	ev := Event{Event: EvReply, ID: cmd.ID, OK: &ok, Value: res.Value, Settings: res.Settings,
		SignIn: res.SignIn, OnlineAccounts: res.OnlineAccounts, Folders: res.Folders}
	if err != nil {
		ev.Error = err.Error()
		ev.Fields = FieldsOf(err)
		if cmd.ID == 0 {
			ev.Event = EvError
		}
	} else if cmd.ID == 0 {
		return // fire-and-forget commands get no reply
	}
	s.sendTo(c, ev)
}

// sendTo queues ev for one client; a client whose queue is full is dropped
// rather than allowed to hold up the core.
func (s *Server) sendTo(c *Conn, ev Event) {
	line, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("control: encode event", "err", err)
		return
	}
	line = append(line, '\n')
	if ev.Event == EvSnapshot {
		c.snapMu.Lock()
		c.snapLine = line
		c.snapMu.Unlock()
		select {
		case c.snapReady <- struct{}{}:
		default:
		}
		return
	}
	select {
	case c.out <- line:
	case <-c.done:
	default:
		s.log.Warn("control: client not reading; dropped")
		go s.drop(c)
	}
}

// Broadcast sends ev to every client.
func (s *Server) Broadcast(ev Event) {
	for _, c := range s.Clients("") {
		s.sendTo(c, ev)
	}
}

// Send sends ev to one client.
func (s *Server) Send(c *Conn, ev Event) { s.sendTo(c, ev) }

// Clients lists the clients with a role ("" for all).
func (s *Server) Clients(role string) []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Conn
	for c := range s.clients {
		if role == "" || c.Role() == role {
			out = append(out, c)
		}
	}
	return out
}

// Close stops accepting, drops every client and removes the socket.
func (s *Server) Close() error {
	err := s.ln.Close()
	for _, c := range s.Clients("") {
		s.drop(c)
	}
	s.wg.Wait()
	os.Remove(s.path)
	return err
}

// Notify asks a running core at path to do cmd, as a second launch does.
func Notify(ctx context.Context, path string, cmd Command) error {
	c, err := Dial(ctx, path)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Call(ctx, cmd)
	return err
}
