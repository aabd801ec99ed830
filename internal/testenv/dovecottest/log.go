package dovecottest

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Log returns Dovecot's whole log so far. It never holds a password
// (auth_verbose_passwords is off).
func (s *Server) Log() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	return string(data)
}

// LogTail returns the last n lines of the log.
func (s *Server) LogTail(n int) string { return tailLines(s.Log(), n) }

// LoginAttempts counts user's successful and failed logins in the log.
//
// Dovecot's processes write through its log process, so a line can trail
// the IMAP response by a moment: LoginAttempts first waits (up to 500 ms)
// until the log has stopped growing for 20 ms.
//
// A success is imap-login's "Login: user=<user>" line; a failure is the
// auth process's verbose line for that user ("Password mismatch", "unknown
// user"), one per attempt.
func (s *Server) LoginAttempts(user string) (ok, failed int, err error) {
	s.settleLog(20*time.Millisecond, 500*time.Millisecond)
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return 0, 0, fmt.Errorf("dovecottest: read log: %w", err)
	}
	okMark := "imap-login: Info: Login: user=<" + user + ">"
	failMark := "auth: Info: passwd-file(" + user + ","
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.Contains(line, okMark):
			ok++
		case strings.Contains(line, failMark):
			failed++
		}
	}
	return ok, failed, nil
}

// settleLog waits until the log's size has not changed for quiet, or max.
func (s *Server) settleLog(quiet, max time.Duration) {
	size := func() int64 {
		st, err := os.Stat(s.logPath)
		if err != nil {
			return -1
		}
		return st.Size()
	}
	deadline := time.Now().Add(max)
	last, since := size(), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		if cur := size(); cur != last {
			last, since = cur, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
	}
}
