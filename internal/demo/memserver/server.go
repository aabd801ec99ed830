// Package memserver is the demo's IMAP server: go-imap's imapserver with
// imapmemserver's users and mailboxes, in memory, on 127.0.0.1 only, in
// plain, STARTTLS or implicit-TLS mode with a CA made at start
// (internal/localca). It ships: `mailbell --demo` runs it.
//
// Mail is changed from the outside (Append, AddFlags, Expunge,
// DeleteMailbox, ...) and idling clients are told, as by a real server. It
// can drop every client connection, and stop and restart on the same port
// while keeping its mail.
//
// Capabilities: IMAP4rev1 with NAMESPACE, UIDPLUS and MOVE, like a typical
// IMAP4rev1 server; after login imapserver adds UNSELECT, ENABLE, IDLE and
// UTF8=ACCEPT.
//
// The tests' server (internal/testenv/imaptest) is this one with test-only
// parts added through Config's hooks: login counting, a server without
// IDLE, and a scripted hostile server beside it. Nothing here imports
// testing.
package memserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"mailbell/internal/localca"
)

// Mode is how clients reach the server.
type Mode int

const (
	// Plain is cleartext with LOGIN allowed and no STARTTLS offered.
	Plain Mode = iota
	// STARTTLS is a cleartext listener that offers STARTTLS; login needs TLS.
	STARTTLS
	// TLS is implicit TLS from the first byte.
	TLS
)

func (m Mode) String() string {
	switch m {
	case Plain:
		return "plain"
	case STARTTLS:
		return "starttls"
	case TLS:
		return "tls"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Config describes a server to Start.
type Config struct {
	Mode Mode
	// Users maps user names to passwords. Each user gets an empty INBOX.
	Users map[string]string
	// CertHost is the one name (or IP) in the server certificate. Empty means
	// "localhost", 127.0.0.1 and ::1, which a client dialling Addr accepts;
	// something else ("other.example") makes hostname verification fail.
	CertHost string
	// Logger receives imapserver's messages at debug level. Nil discards them.
	Logger *slog.Logger
	// Debug receives the raw protocol of every connection, passwords
	// included: for debugging tests only.
	Debug io.Writer

	// WrapListener, when set, wraps the listener imapserver serves, above
	// TLS in TLS mode: it sees the plaintext stream (a test filters the
	// capability list that way). Not available with STARTTLS, where
	// imapserver does TLS itself below any wrapper. A wrapped TLS
	// connection no longer looks like one to imapserver, so login over it
	// is allowed as over plain: the transport is still TLS.
	WrapListener func(net.Listener) net.Listener
	// OnLogin, when set, is called with the user name of every LOGIN or
	// AUTHENTICATE attempt, accepted or not, before it is checked. It must
	// not block.
	OnLogin func(user string)
}

// Server is a running in-memory IMAP server.
type Server struct {
	cfg   Config
	imap  *imapserver.Server
	certs *localca.Set // nil in Plain mode
	leaf  tls.Certificate
	addr  string // fixed by the first listen, reused by Restart

	mu        sync.Mutex
	users     map[string]*imapmemserver.User
	conns     map[*trackedConn]struct{}
	ln        net.Listener  // nil while stopped
	serveDone chan struct{} // closed when the current Serve returns
	accepted  int
	sessions  int // accepted connections whose session is not closed yet
	closed    bool
	changed   chan struct{} // closed and replaced whenever mail changes
}

// Start creates a server listening on 127.0.0.1 on a free port.
func Start(cfg Config) (*Server, error) {
	if cfg.Mode < Plain || cfg.Mode > TLS {
		return nil, fmt.Errorf("memserver: unknown mode %v", cfg.Mode)
	}
	if cfg.WrapListener != nil && cfg.Mode == STARTTLS {
		// A wrapper must see plaintext, and after STARTTLS imapserver does
		// TLS itself, below any wrapper we could put in.
		return nil, errors.New("memserver: WrapListener is not supported with STARTTLS; use Plain or TLS")
	}
	s := &Server{
		cfg:     cfg,
		users:   make(map[string]*imapmemserver.User),
		conns:   make(map[*trackedConn]struct{}),
		changed: make(chan struct{}),
	}
	for name, pw := range cfg.Users {
		if err := s.AddUser(name, pw); err != nil {
			return nil, err
		}
	}
	if cfg.Mode != Plain {
		var hosts []string
		if cfg.CertHost != "" {
			hosts = []string{cfg.CertHost}
		}
		c, err := localca.New("memserver CA", hosts...)
		if err != nil {
			return nil, fmt.Errorf("memserver: %w", err)
		}
		if s.leaf, err = c.TLSCertificate(); err != nil {
			return nil, fmt.Errorf("memserver: %w", err)
		}
		s.certs = c
	}

	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &session{srv: s}, nil, nil
		},
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {},
			imap.CapNamespace: {},
			imap.CapUIDPlus:   {},
			imap.CapMove:      {},
		},
		Logger: discardLogger{},
		// Plain must allow LOGIN without TLS. A wrapper over TLS hides the
		// *tls.Conn that imapserver looks for, while the transport is still
		// TLS.
		InsecureAuth: cfg.Mode == Plain || cfg.WrapListener != nil,
	}
	if cfg.Logger != nil {
		opts.Logger = slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug)
	}
	if cfg.Debug != nil {
		opts.DebugWriter = &lockedWriter{w: cfg.Debug}
	}
	if cfg.Mode == STARTTLS {
		// For TLS mode the listener does TLS: imapserver must not offer STARTTLS.
		opts.TLSConfig = s.tlsConfig()
	}
	s.imap = imapserver.New(opts)
	if err := s.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{s.leaf},
		MinVersion:   tls.VersionTLS12,
	}
}

// listen opens the listener stack on addr and serves it. Caller must not hold s.mu.
func (s *Server) listen(addr string) error {
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("memserver: listen: %w", err)
	}
	var ln net.Listener = &trackingListener{Listener: raw, srv: s}
	if s.cfg.Mode == TLS {
		ln = tls.NewListener(ln, s.tlsConfig())
	}
	if s.cfg.WrapListener != nil {
		ln = s.cfg.WrapListener(ln)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.addr = raw.Addr().String()
	s.ln = raw
	s.serveDone = done
	s.mu.Unlock()
	go func() {
		defer close(done)
		if err := s.imap.Serve(ln); err != nil && s.cfg.Logger != nil {
			s.cfg.Logger.Debug("memserver: serve ended", "err", err)
		}
	}()
	return nil
}

// Addr is host:port to dial.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Host is the IP the server listens on: 127.0.0.1.
func (s *Server) Host() string {
	h, _, _ := net.SplitHostPort(s.Addr())
	return h
}

// Port is the TCP port the server listens on.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Mode is the mode the server was started in.
func (s *Server) Mode() Mode { return s.cfg.Mode }

// CAPEM is the PEM of the CA that signed the server certificate, for a
// client's trust store; nil in Plain mode.
func (s *Server) CAPEM() []byte {
	if s.certs == nil {
		return nil
	}
	return append([]byte(nil), s.certs.CAPEM...)
}

// ClientTLSConfig is a client configuration that trusts CAPEM and checks the
// name serverName; nil in Plain mode.
func (s *Server) ClientTLSConfig(serverName string) *tls.Config {
	if s.certs == nil {
		return nil
	}
	pool := s.certs.Pool()
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
}

// Accepted is how many connections the server has accepted since start.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Conns is the number of client connections open now.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// CloseClientConns drops every client connection without a BYE, as a server
// that crashed or a NAT that forgot the connection would. The server keeps
// listening.
func (s *Server) CloseClientConns() {
	s.mu.Lock()
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Stop stops listening and drops every client connection; connecting is
// refused until Restart. Mail is kept.
func (s *Server) Stop() {
	s.mu.Lock()
	ln, done := s.ln, s.serveDone
	s.ln = nil
	s.mu.Unlock()
	if ln == nil {
		return
	}
	ln.Close()
	<-done
	s.CloseClientConns()
}

// Restart listens again on the same port after Stop, with the same users,
// mailboxes and certificates.
func (s *Server) Restart() error {
	s.mu.Lock()
	running, closed, addr := s.ln != nil, s.closed, s.addr
	s.mu.Unlock()
	if closed {
		return errors.New("memserver: server closed")
	}
	if running {
		return nil
	}
	return s.listen(addr)
}

// Close stops the server for good and waits until every connection's
// session has ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.Stop()
	s.imap.Close() // closes anything it still tracks; errors only if closed twice
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		n := s.sessions
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("memserver: %d sessions still open after close", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// session is imapmemserver's user session with our own Login, which reports
// attempts to Config.OnLogin and looks users up in Server.
type session struct {
	*imapmemserver.UserSession // nil until logged in
	srv                        *Server
	once                       sync.Once
}

var _ imapserver.SessionIMAP4rev2 = (*session)(nil)

func (sess *session) Login(username, password string) error {
	s := sess.srv
	if s.cfg.OnLogin != nil {
		s.cfg.OnLogin(username)
	}
	s.mu.Lock()
	u := s.users[username]
	s.mu.Unlock()
	if u == nil {
		return imapserver.ErrAuthFailed
	}
	if err := u.Login(username, password); err != nil {
		return err
	}
	sess.UserSession = imapmemserver.NewUserSession(u)
	return nil
}

// Idle replaces imapmemserver's, which misses an update queued between the
// server's "+ idling" and the moment its SessionTracker.Idle starts waiting
// (it only wakes for updates queued after that, and does not poll first): in
// beta.8 such a message was announced only when the client ended IDLE.
// Here the session polls, then waits for the server-wide change signal it
// took before polling, so no wake-up is lost.
func (sess *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if sess.UserSession == nil {
		return nil // imapserver does not let an unauthenticated client IDLE
	}
	for {
		changed := sess.srv.changes()
		if err := sess.UserSession.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-changed:
		case <-stop:
			return nil
		}
	}
}

// The commands that change mail signal idling sessions afterwards.

func (sess *session) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	defer sess.srv.notifyChange()
	return sess.UserSession.Append(mailbox, r, options)
}

func (sess *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	defer sess.srv.notifyChange()
	return sess.UserSession.Store(w, numSet, flags, options)
}

func (sess *session) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	defer sess.srv.notifyChange()
	return sess.UserSession.Expunge(w, uids)
}

func (sess *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	defer sess.srv.notifyChange()
	return sess.UserSession.Copy(numSet, dest)
}

func (sess *session) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	defer sess.srv.notifyChange()
	return sess.UserSession.Move(w, numSet, dest)
}

// changes returns a channel that is closed at the next change of mail.
func (s *Server) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// notifyChange wakes every idling session, which then polls its queue.
func (s *Server) notifyChange() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (sess *session) Close() error {
	var err error
	sess.once.Do(func() {
		err = sess.UserSession.Close() // nil-safe
		sess.srv.mu.Lock()
		sess.srv.sessions--
		sess.srv.mu.Unlock()
	})
	return err
}

// trackingListener records every accepted connection so that they can be
// dropped without imapserver's help.
type trackingListener struct {
	net.Listener
	srv *Server
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, srv: l.srv}
	s := l.srv
	s.mu.Lock()
	s.conns[tc] = struct{}{}
	s.accepted++
	// imapserver starts exactly one session per accepted connection and
	// closes it when the connection ends; Close waits for that.
	s.sessions++
	s.mu.Unlock()
	return tc, nil
}

type trackedConn struct {
	net.Conn
	srv  *Server
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.srv.mu.Lock()
		delete(c.srv.conns, c)
		c.srv.mu.Unlock()
	})
	return c.Conn.Close()
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// lockedWriter serialises the debug output of concurrent connections.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
