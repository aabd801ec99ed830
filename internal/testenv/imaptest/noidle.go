package imaptest

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Why a filter: imapserver (v2.0.0-beta.8) decides the capability list
// itself. Options.Caps only chooses IMAP4rev1 and/or IMAP4rev2 and a few
// extensions; once a client is authenticated, a server that has IMAP4rev1
// always appends IDLE (conn.availableCaps), and IMAP4rev2 implies IDLE
// (imap.CapSet.Has treats every RFC 9051 capability as present). Its IDLE
// handler also answers "+ idling" before the session is asked, so a session
// cannot refuse IDLE either. So for NoIdle the server advertises IMAP4rev1
// only and this filter, sitting on the plaintext stream in front of
// imapserver, removes IDLE from every capability list and turns an IDLE
// command into an unknown one (the server answers "BAD Unknown command", as a
// server without IDLE would).
//
// The filter works line by line and skips literals in both directions, so
// message bodies are never rewritten.

// maxFilterLine bounds the bytes held while waiting for the end of a line.
// Longer lines are passed on unfiltered (imapserver rejects commands over
// 50 KiB anyway).
const maxFilterLine = 64 * 1024

type noIdleConn struct {
	net.Conn

	rmu     sync.Mutex
	in      lineStream // client -> server
	pending []byte     // filtered bytes not yet returned by Read
	rbuf    []byte

	wmu sync.Mutex
	out lineStream // server -> client
}

func newNoIdleConn(c net.Conn) *noIdleConn {
	return &noIdleConn{
		Conn: c,
		in:   lineStream{rewrite: rejectIdleCommand},
		out:  lineStream{rewrite: dropIdleCap},
		rbuf: make([]byte, 4096),
	}
}

func (c *noIdleConn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.pending) == 0 {
		n, err := c.Conn.Read(c.rbuf)
		if n > 0 {
			c.pending = c.in.feed(c.pending, c.rbuf[:n])
		}
		if err != nil {
			if len(c.pending) > 0 {
				break
			}
			return 0, err
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *noIdleConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	out := c.out.feed(nil, p)
	if len(out) == 0 {
		return len(p), nil // part of a line: sent with its end
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lineStream splits an IMAP byte stream into lines, lets rewrite change each
// line, and passes literals through untouched.
type lineStream struct {
	rewrite func(line []byte) []byte
	line    []byte // an incomplete line
	long    bool   // the current line outgrew maxFilterLine and is passed raw
	literal int64  // bytes of literal still to pass through
}

// feed appends to dst what p turns into and returns it.
func (s *lineStream) feed(dst, p []byte) []byte {
	for len(p) > 0 {
		if s.literal > 0 {
			n := int64(len(p))
			if n > s.literal {
				n = s.literal
			}
			dst = append(dst, p[:n]...)
			s.literal -= n
			p = p[n:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.line = append(s.line, p...)
			if len(s.line) > maxFilterLine {
				dst = append(dst, s.line...)
				s.line = s.line[:0]
				s.long = true
			}
			return dst
		}
		s.line = append(s.line, p[:i+1]...)
		p = p[i+1:]
		if s.long {
			dst = append(dst, s.line...)
		} else {
			dst = append(dst, s.rewrite(s.line)...)
		}
		s.literal = literalSize(s.line)
		s.line = s.line[:0]
		s.long = false
	}
	return dst
}

// literalSize returns N if line ends with a literal announcement "{N}",
// "{N+}" or "{N-}" (RFC 9051, RFC 7888), else 0.
func literalSize(line []byte) int64 {
	l := bytes.TrimRight(line, "\r\n")
	if len(l) == 0 || l[len(l)-1] != '}' {
		return 0
	}
	open := bytes.LastIndexByte(l, '{')
	if open < 0 {
		return 0
	}
	num := strings.TrimRight(string(l[open+1:len(l)-1]), "+-")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// rejectIdleCommand renames "tag IDLE" so that imapserver does not know it.
func rejectIdleCommand(line []byte) []byte {
	fields := strings.Fields(string(line))
	if len(fields) == 2 && strings.EqualFold(fields[1], "IDLE") {
		return []byte(fields[0] + " X-IDLE-DISABLED\r\n")
	}
	return line
}

// dropIdleCap removes IDLE from "* CAPABILITY ..." and from a
// "[CAPABILITY ...]" response code in a status response.
func dropIdleCap(line []byte) []byte {
	s := string(line)
	var start, end int
	switch {
	case hasPrefixFold(s, "* CAPABILITY "):
		start = len("* CAPABILITY")
		end = len(strings.TrimRight(s, "\r\n"))
	default:
		// "<tag|*> <OK|NO|BAD|PREAUTH|BYE> [CAPABILITY ...] text"
		parts := strings.SplitN(s, " ", 3)
		if len(parts) < 3 || !hasPrefixFold(parts[2], "[CAPABILITY ") {
			return line
		}
		start = len(parts[0]) + 1 + len(parts[1]) + 1 + len("[CAPABILITY")
		rb := strings.IndexByte(s[start:], ']')
		if rb < 0 {
			return line
		}
		end = start + rb
	}
	var keep []string
	for _, c := range strings.Fields(s[start:end]) {
		if !strings.EqualFold(c, "IDLE") {
			keep = append(keep, c)
		}
	}
	return []byte(s[:start] + " " + strings.Join(keep, " ") + s[end:])
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// noIdleListener wraps every accepted connection in the filter.
type noIdleListener struct{ net.Listener }

func (l noIdleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newNoIdleConn(c), nil
}
