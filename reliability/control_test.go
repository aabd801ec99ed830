package reliability

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/internal/testenv/imaptest"
)

// socketRig is a core on an in-memory server (mail arrives in microseconds)
// serving its control socket.
type socketRig struct {
	srv  *imaptest.Server
	c    *coreT
	sock string
	ctl  *control.Server
}

func newSocketRig(t *testing.T) *socketRig {
	t.Helper()
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"sock": "sock-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	if err := WriteConfig(dir, Account{ID: "sock", Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: "sock"}); err != nil {
		t.Fatal(err)
	}
	c := startCore(t, dir, memStore(map[string]string{"sock": "sock-pw"}), testMail())
	c.wait(15*time.Second, "idle", c.idle("sock/INBOX"))
	// A short path: Unix socket paths are limited to 108 bytes.
	sdir, err := os.MkdirTemp("", "mb-sock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sdir) })
	sock := filepath.Join(sdir, "run", "c.sock")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ctl, err := c.core.Listen(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	return &socketRig{srv: srv, c: c, sock: sock, ctl: ctl}
}

func (r *socketRig) deliver(t *testing.T, subject string) {
	t.Helper()
	if _, err := r.srv.Append("sock", "INBOX", imaptest.Message("Ann <ann@example.com>", "sock@example.com", subject, time.Now())); err != nil {
		t.Fatal(err)
	}
}

// rawClient is a socket client that reads lines itself.
type rawClient struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, sock string) *rawClient {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{conn: conn, r: bufio.NewReaderSize(conn, 1<<20)}
}

// next returns the next event that is not a snapshot or a state line.
func (c *rawClient) next(d time.Duration) (control.Event, error) {
	c.conn.SetReadDeadline(time.Now().Add(d))
	for {
		line, err := c.r.ReadBytes('\n')
		if err != nil {
			return control.Event{}, err
		}
		var ev control.Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return control.Event{}, fmt.Errorf("core sent a line that is not JSON: %q", clip(string(line)))
		}
		if ev.Event != control.EvSnapshot && ev.Event != control.EvState {
			return ev, nil
		}
	}
}

// TestControlSocketGarbage: malformed lines get an error each and the
// connection stays usable; no command reads a secret back.
func TestControlSocketGarbage(t *testing.T) {
	t.Parallel()
	r := newSocketRig(t)
	c := dialRaw(t, r.sock)
	for _, tc := range []struct{ line, want string }{
		{"garbage", "malformed"},
		{"\x00\xff\xfe\x1b[2J", "malformed"},
		{`{"cmd": 5}`, "malformed"},
		{`[]`, "malformed"},
		{`{"cmd": "hello", "id": "x"}`, "malformed"},
		{`{}`, "unknown command"},
		{`{"cmd": "no-such-thing"}`, "unknown command"},
		{`{"cmd": "secret_get", "account": "sock"}`, "unknown command"}, // gone: the core alone reads secrets
		{`{"cmd": "pause", "until": "1999-01-01T00:00:00Z"}`, "in the past"},
		{`{"cmd": "mark_read", "message": "\u202e../../etc/passwd"}`, "no recent message"},
	} {
		if _, err := c.conn.Write([]byte(tc.line + "\n")); err != nil {
			t.Fatal(err)
		}
		ev, err := c.next(5 * time.Second)
		if err != nil {
			t.Fatalf("after %q: %v", tc.line, err)
		}
		if ev.Event != control.EvError || !strings.Contains(ev.Error, tc.want) {
			t.Errorf("%q: got %+v, want an error with %q", tc.line, ev, tc.want)
		}
		if strings.Contains(ev.Error, "sock-pw") {
			t.Errorf("%q: the error holds the password", tc.line)
		}
	}
	if _, err := c.conn.Write([]byte(`{"cmd": "hello", "id": 7}` + "\n")); err != nil {
		t.Fatal(err)
	}
	ev, err := c.next(5 * time.Second)
	if err != nil || ev.Event != control.EvReply || ev.ID != 7 || ev.OK == nil || !*ev.OK {
		t.Fatalf("hello after garbage: %+v %v", ev, err)
	}
}

// TestControlSocketOversizedLine: a line longer than control.MaxLine gets an
// error and the connection is closed; the core and other clients go on.
func TestControlSocketOversizedLine(t *testing.T) {
	t.Parallel()
	r := newSocketRig(t)
	good := dialRaw(t, r.sock)
	bad := dialRaw(t, r.sock)
	go func() {
		// The server may close before it has read it all: ignore the error.
		bad.conn.Write([]byte(`{"cmd": "hello", "role": "` + strings.Repeat("A", control.MaxLine+100)))
	}()
	ev, err := bad.next(10 * time.Second)
	if err != nil || ev.Event != control.EvError || !strings.Contains(ev.Error, "longer than") {
		t.Fatalf("oversized line: got %+v %v", ev, err)
	}
	if _, err := bad.next(5 * time.Second); err == nil {
		t.Errorf("the connection stayed open after an oversized line")
	}
	r.deliver(t, "after the big line")
	for {
		ev, err := good.next(10 * time.Second)
		if err != nil {
			t.Fatalf("the other client got no new_mail: %v", err)
		}
		if ev.Event == control.EvNewMail && ev.Subject == "after the big line" {
			break
		}
	}
}

// TestControlSocketHundredClients: a hundred clients connect at once, each
// gets its snapshot, an answer, and the next new_mail; when they leave the
// server holds nothing for them.
func TestControlSocketHundredClients(t *testing.T) {
	t.Parallel()
	r := newSocketRig(t)
	const n = 100
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	clients := make([]*control.Client, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := control.Dial(ctx, r.sock)
			if err != nil {
				errs <- err
				return
			}
			clients[i] = cl
			if _, err := cl.Call(ctx, control.Command{Cmd: control.CmdHello}); err != nil {
				errs <- fmt.Errorf("client %d hello: %w", i, err)
			}
			select {
			case <-cl.Snapshots():
			case <-ctx.Done():
				errs <- fmt.Errorf("client %d: no snapshot", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if got := len(r.ctl.Clients("")); got != n {
		t.Errorf("server lists %d clients, want %d", got, n)
	}
	r.deliver(t, "for a hundred")
	var got atomic.Int32
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case ev := <-cl.Events():
					if ev.Event == control.EvNewMail && ev.Subject == "for a hundred" {
						got.Add(1)
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
	if got.Load() != n {
		t.Errorf("%d of %d clients got the new_mail", got.Load(), n)
	}
	for _, cl := range clients {
		cl.Close()
	}
	r.c.wait(10*time.Second, "the server to forget the clients", func() bool { return len(r.ctl.Clients("")) == 0 })
}

// TestControlSocketClientNeverReads: a client that never reads while events
// flow is dropped; the core, its output and a well-behaved client carry on
// and miss nothing.
func TestControlSocketClientNeverReads(t *testing.T) {
	t.Parallel()
	r := newSocketRig(t)
	stuck, err := net.Dial("unix", r.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	stuck.(*net.UnixConn).SetReadBuffer(4096) // fill up sooner
	good := dialRaw(t, r.sock)
	r.c.wait(5*time.Second, "two clients", func() bool { return len(r.ctl.Clients("")) == 2 })

	const total = 400
	seen := make(chan int, 1)
	go func() {
		n := 0
		for n < total {
			ev, err := good.next(30 * time.Second)
			if err != nil {
				break
			}
			if ev.Event == control.EvNewMail {
				n++
			}
		}
		seen <- n
	}()
	start := time.Now()
	var slowest time.Duration
	for i := range total {
		r.deliver(t, fmt.Sprintf("flood %d", i))
		if i%50 == 0 { // the core must stay responsive through the flood
			t0 := time.Now()
			if err := r.c.do(control.Command{Cmd: control.CmdHello}); err != nil {
				t.Fatal(err)
			}
			slowest = max(slowest, time.Since(t0))
		}
	}
	dropped := r.c.rec.Wait(20*time.Second, func() bool { return len(r.ctl.Clients("")) == 1 })
	droppedAfter := time.Since(start)
	n := <-seen
	r.c.wait(20*time.Second, "every flood message in the core's output", func() bool {
		return len(r.c.rec.Kind(control.EvNewMail)) == total
	})
	if !dropped {
		t.Errorf("the client that never reads was not dropped")
	}
	if n != total {
		t.Errorf("the well-behaved client got %d of %d new_mail lines", n, total)
	}
	if slowest > 2*time.Second {
		t.Errorf("a command took %s during the flood", slowest)
	}
	t.Logf("flood of %d: the non-reader dropped after %s; the good client got %d; slowest command %s",
		total, droppedAfter.Round(time.Millisecond), n, slowest.Round(time.Millisecond))
}
