package mail

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// maxNesting bounds how deep a server may nest parenthesised lists. Real
// answers stay under a dozen levels (a BODYSTRUCTURE of nested multiparts);
// go-imap's parser takes time quadratic in the depth, so a hostile server
// could otherwise pin a core for hours with one megabyte.
const maxNesting = 64

var errTooDeep = errors.New("server answer nested too deep")

// nestingGuard reads the server's plain text and fails the read once a list
// nests deeper than maxNesting. It follows IMAP's lexical rules just enough
// to ignore parentheses inside quoted strings and literals.
type nestingGuard struct {
	r        io.Reader
	depth    int
	quoted   bool
	escaped  bool
	inBrace  bool  // between '{' and '}' of a literal's size
	size     int64 // the literal size being read
	pending  bool  // a literal follows the next LF
	literal  int64 // literal bytes still to pass through
	sizeDigs int
}

func (g *nestingGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i := 0; i < n; i++ {
		if g.literal > 0 {
			skip := min(int64(n-i), g.literal)
			g.literal -= skip
			i += int(skip) - 1
			continue
		}
		c := p[i]
		switch {
		case g.quoted:
			switch {
			case g.escaped:
				g.escaped = false
			case c == '\\':
				g.escaped = true
			case c == '"':
				g.quoted = false
			case c == '\n':
				g.quoted = false // a broken string; the parser will complain
				g.depth = 0
			}
		case g.inBrace:
			switch {
			case c >= '0' && c <= '9' && g.sizeDigs < 18:
				g.size = g.size*10 + int64(c-'0')
				g.sizeDigs++
			case c == '}':
				g.inBrace, g.pending = false, true
			case c == '+' || c == '-':
			default:
				g.inBrace = false
			}
		case c == '"':
			g.quoted = true
		case c == '{':
			g.inBrace, g.size, g.sizeDigs = true, 0, 0
		case c == '\n':
			if g.pending {
				g.pending, g.literal = false, g.size
			} else {
				g.depth = 0 // the response ended
			}
		case c == '(':
			g.depth++
			if g.depth > maxNesting {
				return i, fmt.Errorf("%w (over %d levels)", errTooDeep, maxNesting)
			}
		case c == ')':
			if g.depth > 0 {
				g.depth--
			}
		}
	}
	return n, err
}

// guardedConn is the plain-text connection the IMAP client speaks over.
type guardedConn struct {
	net.Conn
	r io.Reader
}

func (c *guardedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func guard(c net.Conn) net.Conn {
	return &guardedConn{Conn: c, r: &nestingGuard{r: c}}
}

// startTLS upgrades a plain connection before the IMAP client sees it, so
// that everything the client reads afterwards is plain text we can guard.
// It refuses, before anything else is sent, when the server does not agree.
func startTLS(ctx context.Context, wc *watchedConn, a Account) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		wc.SetDeadline(dl)
		defer wc.SetDeadline(time.Time{})
	}
	br := bufio.NewReaderSize(wc, 4096)
	line, err := readLine(br)
	if err != nil {
		return nil, fmt.Errorf("greeting from %s: %w", a.Addr(), cleanNetErr(err))
	}
	switch {
	case strings.HasPrefix(line, "* OK"):
	case strings.HasPrefix(line, "* PREAUTH"):
		return nil, fmt.Errorf("%w (%s logs in before TLS)", ErrNoSTARTTLS, a.Host)
	default:
		return nil, fmt.Errorf("greeting from %s: %q", a.Addr(), sanitizeServerText(line))
	}
	if _, err := io.WriteString(wc, "S0 STARTTLS\r\n"); err != nil {
		return nil, fmt.Errorf("STARTTLS with %s: %w", a.Addr(), cleanNetErr(err))
	}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, fmt.Errorf("STARTTLS with %s: %w", a.Addr(), cleanNetErr(err))
		}
		if strings.HasPrefix(line, "* ") {
			continue
		}
		if strings.HasPrefix(line, "S0 OK") {
			break
		}
		return nil, fmt.Errorf("%w (%s)", ErrNoSTARTTLS, a.Host)
	}
	if br.Buffered() > 0 {
		// Bytes after the OK and before our handshake: an injection attempt.
		return nil, fmt.Errorf("STARTTLS with %s: data before the TLS handshake", a.Addr())
	}
	cfg, err := tlsConfig(a)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(wc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, classifyTLSError(a, err)
	}
	// The server greets only once, before STARTTLS: the client gets a
	// greeting without capabilities, so it asks for them over TLS.
	return &guardedConn{Conn: tc, r: io.MultiReader(strings.NewReader("* OK TLS established\r\n"), tc)}, nil
}

// readLine reads one line of at most 8 KiB, without its CRLF.
func readLine(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			return "", err
		}
		b.Write(chunk)
		if b.Len() > 8192 {
			return "", errors.New("line too long")
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}
