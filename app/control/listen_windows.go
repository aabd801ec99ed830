//go:build windows

package control

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the control channel is a named pipe, not an AF_UNIX socket:
// Wine 8 answers AF_UNIX with WSAEAFNOSUPPORT, and a pipe carries its own
// access list.
//
// The socket path SocketPath computes stays the key both ends share (and
// what MAILBELL_SOCKET passes to the window process); PipeName maps it to
// \\.\pipe\mailbell-<hash>. Pipe names are one namespace for the whole
// machine, so the hash covers the path, which holds the user's profile
// folder: two users, or two profiles of one user, never meet.
//
// The pipe handles are overlapped and handed to os.NewFile, so reads,
// writes and deadlines go through the Go runtime's own I/O completion port,
// as sockets do. (github.com/Microsoft/go-winio's pipes were tried first:
// under Wine 8 a dialled connection never delivered a byte, so the Wine
// tests could not have exercised them.)

// PipeName is the named pipe that stands for the socket path on Windows.
func PipeName(path string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(path))))
	return `\\.\pipe\mailbell-` + hex.EncodeToString(sum[:10])
}

// pipeSecurity is the pipe's security: owned by the current user, with a
// protected DACL (nothing inherited) that lets only that user in.
func pipeSecurity() (*windows.SecurityAttributes, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("control pipe: current user: %w", err)
	}
	sid := u.User.Sid.String()
	sd, err := windows.SecurityDescriptorFromString("O:" + sid + "D:P(A;;GA;;;" + sid + ")")
	if err != nil {
		return nil, fmt.Errorf("control pipe: security descriptor: %w", err)
	}
	return &windows.SecurityAttributes{
		Length:             uint32(unsafe.Sizeof(windows.SecurityAttributes{})),
		SecurityDescriptor: sd,
	}, nil
}

// pipeBuffer is each direction's buffer; a snapshot line is a few KB.
const pipeBuffer = 64 << 10

// listen creates the named pipe for path. A pipe that answers a dial means
// another core runs: ErrRunning. The first instance is also created with
// FILE_FLAG_FIRST_PIPE_INSTANCE, so on Windows two cores racing for it
// cannot both win (Wine 8 ignores that flag; the dial catches it there). A
// pipe vanishes with its process: nothing stale survives a crash.
func listen(path string) (net.Listener, error) {
	name := PipeName(path)
	if c, err := dialPipe(name); err == nil {
		c.Close()
		return nil, ErrRunning
	}
	sa, err := pipeSecurity()
	if err != nil {
		return nil, err
	}
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, fmt.Errorf("control pipe %s: %w", name, err)
	}
	closeEv, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("control pipe: %w", err)
	}
	l := &pipeListener{name: name, name16: name16, sa: sa, closeEv: closeEv, closed: make(chan struct{})}
	if l.next, err = l.instance(true); err != nil {
		windows.CloseHandle(closeEv)
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("control pipe %s: %w", name, err)
	}
	return l, nil
}

// pipeListener hands out one connected pipe instance per client. One
// instance always waits for the next client, so a dial never finds none.
type pipeListener struct {
	name    string
	name16  *uint16
	sa      *windows.SecurityAttributes
	closeEv windows.Handle // set by Close; wakes a waiting Accept

	mu     sync.Mutex // held by Accept; Close waits for it to let go
	next   windows.Handle
	once   sync.Once
	closed chan struct{}
}

func (l *pipeListener) instance(first bool) (windows.Handle, error) {
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	mode := uint32(windows.PIPE_TYPE_BYTE | windows.PIPE_READMODE_BYTE | windows.PIPE_WAIT | windows.PIPE_REJECT_REMOTE_CLIENTS)
	return windows.CreateNamedPipe(l.name16, flags, mode, windows.PIPE_UNLIMITED_INSTANCES, pipeBuffer, pipeBuffer, 0, l.sa)
}

// Accept waits for a client on the waiting instance, then makes the next.
func (l *pipeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		select {
		case <-l.closed:
			return nil, net.ErrClosed
		default:
		}
		if l.next == windows.InvalidHandle || l.next == 0 {
			h, err := l.instance(false)
			if err != nil {
				return nil, fmt.Errorf("control pipe %s: %w", l.name, err)
			}
			l.next = h
		}
		h := l.next
		err := l.connect(h)
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		l.next = windows.InvalidHandle
		if err != nil {
			// A client that came and went already (ERROR_NO_DATA), or a
			// failed instance: drop it and wait on a fresh one.
			windows.CloseHandle(h)
			continue
		}
		return newPipeConn(h, l.name), nil
	}
}

// connect waits until a client opens instance h, or Close.
func (l *pipeListener) connect(h windows.Handle) error {
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(ev)
	ov := windows.Overlapped{HEvent: ev}
	switch err := windows.ConnectNamedPipe(h, &ov); {
	case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
		return nil
	case !errors.Is(err, windows.ERROR_IO_PENDING):
		return err
	}
	which, err := windows.WaitForMultipleObjects([]windows.Handle{ev, l.closeEv}, false, windows.INFINITE)
	if err != nil || which != windows.WAIT_OBJECT_0 {
		windows.CancelIoEx(h, &ov)
		var n uint32
		windows.GetOverlappedResult(h, &ov, &n, true)
		windows.CloseHandle(h)
		if err == nil {
			err = net.ErrClosed
		}
		return err
	}
	var n uint32
	return windows.GetOverlappedResult(h, &ov, &n, false)
}

// Close stops Accept and removes the waiting instance; connected clients
// keep their pipes until the server closes them.
func (l *pipeListener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		windows.SetEvent(l.closeEv)
		l.mu.Lock() // Accept has returned
		if l.next != windows.InvalidHandle && l.next != 0 {
			windows.CloseHandle(l.next)
			l.next = windows.InvalidHandle
		}
		l.mu.Unlock()
		windows.CloseHandle(l.closeEv)
	})
	return nil
}

// Addr is the pipe's name.
func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

// pipeAddr is a pipe's name as a net.Addr.
type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// pipeConn is one end of a connected pipe instance: an *os.File on an
// overlapped handle (reads, writes and deadlines through the runtime's
// poller) that is also a net.Conn.
type pipeConn struct {
	*os.File
	addr pipeAddr
}

func newPipeConn(h windows.Handle, name string) *pipeConn {
	return &pipeConn{File: os.NewFile(uintptr(h), name), addr: pipeAddr(name)}
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.addr }
func (c *pipeConn) RemoteAddr() net.Addr { return c.addr }

// dialPipe opens the pipe once; ERROR_PIPE_BUSY (every instance taken for
// a moment) and ERROR_FILE_NOT_FOUND come back as they are.
func dialPipe(name string) (*pipeConn, error) {
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, err
	}
	// SECURITY_IDENTIFICATION: the server may learn who we are, not act as us.
	h, err := windows.CreateFile(name16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return newPipeConn(h, name), nil
}

// dial connects to the named pipe for path, waiting while it is busy.
func dial(ctx context.Context, path string) (net.Conn, error) {
	name := PipeName(path)
	for {
		c, err := dialPipe(name)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
