package faultproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// echoServer is a line echo server on 127.0.0.1:0 that stops in t.Cleanup.
type echoServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &echoServer{ln: ln, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *echoServer) addr() string { return s.ln.Addr().String() }

func newProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

// roundTrip sends a line and returns the echoed line or an error
// (a timeout after wait).
func (cl *client) roundTrip(line string, wait time.Duration) (string, error) {
	cl.t.Helper()
	if _, err := cl.c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	return cl.readLine(wait)
}

func (cl *client) readLine(wait time.Duration) (string, error) {
	cl.c.SetReadDeadline(time.Now().Add(wait))
	s, err := cl.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return s[:len(s)-1], nil
}

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestForwardsAndCounts(t *testing.T) {
	echo := startEcho(t)
	p := newProxy(t, echo.addr())
	cl := dial(t, p.Addr())
	got, err := cl.roundTrip("hello", 2*time.Second)
	if err != nil || got != "hello" {
		t.Fatalf("roundTrip = %q, %v; want hello", got, err)
	}
	if p.Accepted() != 1 || p.Conns() != 1 {
		t.Errorf("Accepted=%d Conns=%d, want 1 and 1", p.Accepted(), p.Conns())
	}
	waitFor(t, "byte counters", func() bool { return p.BytesToTarget() == 6 && p.BytesToClient() == 6 })
	if p.BytesToTarget() != 6 || p.BytesToClient() != 6 {
		t.Errorf("bytes to target %d, to client %d; want 6 and 6", p.BytesToTarget(), p.BytesToClient())
	}
	if p.Host() != "127.0.0.1" || p.Port() == 0 {
		t.Errorf("Host/Port = %s/%d", p.Host(), p.Port())
	}
	cl.c.Close()
	waitFor(t, "the pair to go away after the client closed", func() bool { return p.Conns() == 0 })
}

func TestCutClosesBothWaysAndKeepsAccepting(t *testing.T) {
	echo := startEcho(t)
	p := newProxy(t, echo.addr())
	a, b := dial(t, p.Addr()), dial(t, p.Addr())
	for _, cl := range []*client{a, b} {
		if _, err := cl.roundTrip("x", 2*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	p.Cut()
	for _, cl := range []*client{a, b} {
		if _, err := cl.readLine(2 * time.Second); !errors.Is(err, io.EOF) {
			t.Fatalf("after Cut, read err = %v, want EOF", err)
		}
	}
	if p.Conns() != 0 {
		t.Errorf("Conns after Cut = %d", p.Conns())
	}
	// The echo server's side was closed too.
	waitFor(t, "the echo server's connections to close", func() bool {
		echo.mu.Lock()
		defer echo.mu.Unlock()
		n := 0
		for c := range echo.conns {
			c.SetReadDeadline(time.Now().Add(time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				n++
			}
		}
		return n == 2
	})
	c := dial(t, p.Addr())
	if got, err := c.roundTrip("again", 2*time.Second); err != nil || got != "again" {
		t.Fatalf("after Cut, new conn roundTrip = %q, %v", got, err)
	}
}

func TestBlackholeStallsWithoutClosing(t *testing.T) {
	echo := startEcho(t)
	p := newProxy(t, echo.addr())
	cl := dial(t, p.Addr())
	if _, err := cl.roundTrip("before", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	// The counter moves just after the write, maybe after the echo is back.
	waitFor(t, "the byte counter", func() bool { return p.BytesToTarget() == 7 })
	sentBefore := p.BytesToTarget()

	p.Blackhole(true)
	if _, err := cl.roundTrip("stalled", 300*time.Millisecond); !isTimeout(err) {
		t.Fatalf("during blackhole, err = %v, want a read timeout", err)
	}
	if p.BytesToTarget() != sentBefore {
		t.Errorf("bytes reached the target during the blackhole")
	}
	// A new connection is accepted but gets nothing.
	cl2 := dial(t, p.Addr())
	waitFor(t, "the second connection to be accepted", func() bool { return p.Accepted() == 2 })
	if _, err := cl2.roundTrip("new", 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("new conn during blackhole: err = %v, want a read timeout", err)
	}
	if p.Conns() != 2 {
		t.Errorf("Conns during blackhole = %d, want 2 (nothing closed)", p.Conns())
	}

	p.Blackhole(false)
	// Held bytes are delivered once the path recovers.
	if got, err := cl.readLine(2 * time.Second); err != nil || got != "stalled" {
		t.Fatalf("after blackhole, got %q, %v; want the held line", got, err)
	}
	if got, err := cl2.readLine(2 * time.Second); err != nil || got != "new" {
		t.Fatalf("after blackhole, second conn got %q, %v", got, err)
	}
}

// TestLatency checks what latency does, not how long it takes (timing
// belongs to benchmarks): with a latency the proxy holds the bytes without
// losing them or closing anything, and forwards them when it has passed.
func TestLatency(t *testing.T) {
	echo := startEcho(t)
	p := newProxy(t, echo.addr())
	cl := dial(t, p.Addr())

	// A latency that does not end during the test: the chunk is held.
	p.SetLatency(time.Hour)
	if _, err := cl.c.Write([]byte("held\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	waitFor(t, "the proxy to hold the chunk", func() bool { return p.Held() == 1 })
	if n := p.BytesToTarget(); n != 0 {
		t.Fatalf("%d bytes reached the target during the latency", n)
	}
	if p.Conns() != 1 {
		t.Fatalf("Conns during latency = %d, want 1 (nothing closed)", p.Conns())
	}
	// Cutting ends the wait: the held chunk goes with its connection.
	p.Cut()
	if _, err := cl.readLine(2 * time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("after Cut during latency, read err = %v, want EOF", err)
	}
	waitFor(t, "the held chunk to be dropped with its pair", func() bool { return p.Held() == 0 })

	// A latency that ends: the bytes arrive, in order, both ways.
	p.SetLatency(10 * time.Millisecond)
	slow := dial(t, p.Addr())
	for _, line := range []string{"one", "two"} {
		if got, err := slow.roundTrip(line, 5*time.Second); err != nil || got != line {
			t.Fatalf("with latency, roundTrip(%q) = %q, %v", line, got, err)
		}
	}
	p.SetLatency(0)
	if got, err := slow.roundTrip("fast", 2*time.Second); err != nil || got != "fast" {
		t.Fatalf("latency off: roundTrip = %q, %v", got, err)
	}
	if p.Held() != 0 {
		t.Errorf("Held = %d with no latency, want 0", p.Held())
	}
}

func TestRefuse(t *testing.T) {
	echo := startEcho(t)
	p := newProxy(t, echo.addr())
	old := dial(t, p.Addr())
	if _, err := old.roundTrip("x", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Refuse(true)
	refused := dial(t, p.Addr())
	if _, err := refused.readLine(2 * time.Second); err == nil || isTimeout(err) {
		t.Fatalf("refused conn read err = %v, want closed", err)
	}
	if p.Refused() != 1 {
		t.Errorf("Refused = %d, want 1", p.Refused())
	}
	// Existing connections are not touched.
	if got, err := old.roundTrip("still", 2*time.Second); err != nil || got != "still" {
		t.Fatalf("old conn during Refuse: %q, %v", got, err)
	}
	p.Refuse(false)
	if got, err := dial(t, p.Addr()).roundTrip("ok", 2*time.Second); err != nil || got != "ok" {
		t.Fatalf("after Refuse(false): %q, %v", got, err)
	}
}

func TestTargetDownClosesClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	p := newProxy(t, addr)
	cl := dial(t, p.Addr())
	if _, err := cl.readLine(2 * time.Second); err == nil || isTimeout(err) {
		t.Fatalf("read err = %v, want closed", err)
	}
}

func TestCloseDuringBlackholeEndsEverything(t *testing.T) {
	echo := startEcho(t)
	p, err := New(echo.addr())
	if err != nil {
		t.Fatal(err)
	}
	cl := dial(t, p.Addr())
	if _, err := cl.roundTrip("x", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.SetLatency(time.Hour)
	p.Blackhole(true)
	if _, err := cl.c.Write([]byte("held\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	waitFor(t, "the proxy to hold the chunk", func() bool { return p.Held() == 1 })
	// Close must end the held pump: if it did not, it would not return.
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while a chunk was held")
	}
	if p.Held() != 0 {
		t.Errorf("Held after Close = %d, want 0", p.Held())
	}
	if _, err := cl.readLine(2 * time.Second); !errors.Is(err, io.EOF) {
		t.Errorf("client read after Close: %v, want EOF", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Errorf("proxy still accepts after Close")
	}
	// goleak in TestMain checks that no goroutine is left.
}
