package mail

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
)

// takeoverConn sits between go-imap's client and the connection. Until
// takeOver it only passes bytes through (one atomic load per read). After
// it, every byte the server sends goes to the returned reader instead, and
// the client never sees another one: that is how a session speaks a command
// go-imap cannot parse (Gmail's X-GM-MSGID, gmail.go) without a second login
// or a parser of our own for the login.
//
// Why it is race-free: the client's reader goroutine is the only caller of
// Read. Bytes it read before the switch belong to answers the client already
// waited for; every byte of the answer to a command written after the switch
// is read after it, so it reaches the new reader. Unilateral data that
// straddles the switch may go either way, which only matters to a client
// that is about to be closed.
type takeoverConn struct {
	net.Conn
	sink atomic.Pointer[io.PipeWriter]
}

// errTakenOver is what the client's reads end with once the session was
// taken over and the connection closed.
var errTakenOver = errors.New("connection taken over from the IMAP client")

func (t *takeoverConn) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	sink := t.sink.Load()
	if sink == nil {
		return n, err
	}
	// Taken over: the client's reader goroutine now pumps for the new
	// reader until the connection or the reader is closed.
	for {
		if n > 0 {
			if _, werr := sink.Write(p[:n]); werr != nil {
				return 0, errTakenOver
			}
		}
		if err != nil {
			sink.CloseWithError(err)
			return 0, err
		}
		n, err = t.Conn.Read(p)
	}
}

// takeOver diverts what the server sends from now on to the returned reader.
// The caller must close it when done (that releases the pumping goroutine),
// and must not use the IMAP client again except to Close it. It is called
// only when no command of the client is in flight.
func (t *takeoverConn) takeOver() *io.PipeReader {
	pr, pw := io.Pipe()
	t.sink.Store(pw)
	return pr
}
