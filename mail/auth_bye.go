package mail

import (
	"bytes"
	"net"
	"strings"
	"sync"
)

// byeWatcher reads what the server sends and keeps the text of its last
// "* BYE" line. go-imap ends the client on BYE without saying why; the
// reason matters for OAuth2: Microsoft ends a long session with
// "* BYE Session invalidated - AccessTokenExpired", which means refresh and
// reconnect, not a fault. Only the first bytes of each line are looked at.
type byeWatcher struct {
	net.Conn
	mu      sync.Mutex
	line    []byte // the start of the current line, at most byeKeep bytes
	midLine bool   // the current line's start was already judged
	bye     string
}

const byeKeep = 160

func watchBye(c net.Conn) *byeWatcher { return &byeWatcher{Conn: c} }

func (b *byeWatcher) Read(p []byte) (int, error) {
	n, err := b.Conn.Read(p)
	b.scan(p[:n])
	return n, err
}

func (b *byeWatcher) scan(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !b.midLine {
			b.line = append(b.line, chunk[:min(len(chunk), byeKeep-len(b.line))]...)
			if len(b.line) >= byeKeep {
				b.judge()
			}
		}
		if i < 0 {
			return
		}
		b.judge()
		b.line, b.midLine = b.line[:0], false
		p = p[i+1:]
	}
}

// judge looks at the start of a line once.
func (b *byeWatcher) judge() {
	if b.midLine {
		return
	}
	b.midLine = true
	if len(b.line) >= 6 && strings.EqualFold(string(b.line[:6]), "* BYE ") {
		b.bye = sanitizeServerText(strings.TrimRight(string(b.line[6:]), "\r"))
	}
}

// lastBye is the text of the last BYE the server sent ("" if none).
func (b *byeWatcher) lastBye() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bye
}

// tokenExpiredBye reports whether a BYE text says the access token expired.
func tokenExpiredBye(text string) bool {
	return strings.Contains(strings.ToLower(text), "accesstokenexpired")
}
