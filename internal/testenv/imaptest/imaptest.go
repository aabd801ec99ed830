// Package imaptest is the tests' IMAP server: the demo's in-memory server
// (internal/demo/memserver) with what only tests need — login counting and
// a variant without IDLE (noidle.go) — plus a raw scripted TCP server
// (ScriptServer, script.go) for playing a hostile one.
//
// The names are memserver's (Config, Server, Start, Message, the modes), so a
// test reads the same whichever part it uses.
package imaptest

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"mailbell/internal/demo/memserver"
)

// Mode is how clients reach the server.
type Mode = memserver.Mode

// The modes of memserver.
const (
	Plain    = memserver.Plain
	STARTTLS = memserver.STARTTLS
	TLS      = memserver.TLS
)

// Config describes a server to Start: memserver's, plus NoIdle.
type Config struct {
	Mode Mode
	// NoIdle hides IDLE from the capability list and rejects the command.
	// Not available with STARTTLS.
	NoIdle bool
	// Users maps user names to passwords. Each user gets an empty INBOX.
	Users map[string]string
	// CertHost is the one name (or IP) in the server certificate; see
	// memserver.Config.
	CertHost string
	// Logger receives imapserver's messages at debug level. Nil discards them.
	Logger *slog.Logger
	// Debug receives the raw protocol of every connection, passwords
	// included: for debugging tests only.
	Debug io.Writer
}

// Server is a running in-memory server that counts login attempts.
type Server struct {
	*memserver.Server

	mu     sync.Mutex
	logins map[string]int // LOGIN/AUTHENTICATE attempts per user name
}

// Start creates a server listening on 127.0.0.1 on a free port.
func Start(cfg Config) (*Server, error) {
	s := &Server{logins: make(map[string]int)}
	mcfg := memserver.Config{
		Mode:     cfg.Mode,
		Users:    cfg.Users,
		CertHost: cfg.CertHost,
		Logger:   cfg.Logger,
		Debug:    cfg.Debug,
		OnLogin:  s.countLogin,
	}
	if cfg.NoIdle {
		mcfg.WrapListener = func(ln net.Listener) net.Listener { return noIdleListener{ln} }
	}
	srv, err := memserver.Start(mcfg)
	if err != nil {
		return nil, err
	}
	s.Server = srv
	return s, nil
}

func (s *Server) countLogin(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logins[user]++
}

// LoginCount is how many times a client tried to log in as user (LOGIN or
// AUTHENTICATE PLAIN, accepted or not), since start.
func (s *Server) LoginCount(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins[user]
}

// TotalLogins is the number of login attempts for all user names.
func (s *Server) TotalLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.logins {
		n += c
	}
	return n
}

// Message builds a short well-formed RFC 5322 text message; see
// memserver.Message.
func Message(from, to, subject string, date time.Time) []byte {
	return memserver.Message(from, to, subject, date)
}
