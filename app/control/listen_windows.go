//go:build windows

package control

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// On Windows the control channel is a named pipe, not an AF_UNIX socket:
// Windows 10's AF_UNIX lacks what Wine and older builds support (Wine 8
// answers WSAEAFNOSUPPORT), and a pipe carries its own access list.
//
// The socket path SocketPath computes stays the key both ends share (and
// what MAILBELL_SOCKET passes to the window process); PipeName maps it to
// \\.\pipe\mailbell-<hash>. Pipe names are one namespace for the whole
// machine, so the hash covers the path, which holds the user's profile
// folder: two users, or two profiles of one user, never meet.

// PipeName is the named pipe that stands for the socket path on Windows.
func PipeName(path string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(path))))
	return `\\.\pipe\mailbell-` + hex.EncodeToString(sum[:10])
}

// pipeSecurity is the pipe's security descriptor in SDDL: owned by the
// current user, a protected DACL (no inherited entries) that lets only that
// user in. Remote clients are refused by go-winio
// (FILE_PIPE_REJECT_REMOTE_CLIENTS).
func pipeSecurity() (string, error) {
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("control pipe: current user: %w", err)
	}
	sid := u.User.Sid.String()
	return "O:" + sid + "D:P(A;;GA;;;" + sid + ")", nil
}

// listen creates the named pipe for path. The first instance is created
// with FILE_CREATE, so a pipe another core holds makes this fail; when that
// one answers a dial, ErrRunning. A pipe vanishes with the process that
// made it: nothing stale survives a crash.
func listen(path string) (net.Listener, error) {
	sd, err := pipeSecurity()
	if err != nil {
		return nil, err
	}
	name := PipeName(path)
	ln, err := winio.ListenPipe(name, &winio.PipeConfig{SecurityDescriptor: sd})
	if err != nil {
		timeout := time.Second
		if c, derr := winio.DialPipe(name, &timeout); derr == nil {
			c.Close()
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("control pipe %s: %w", name, err)
	}
	return ln, nil
}

// dial connects to the named pipe for path.
func dial(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, PipeName(path))
}
