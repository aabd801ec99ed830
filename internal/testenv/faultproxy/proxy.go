// Package faultproxy is a small TCP proxy for tests that can break the path
// between a client and a server on purpose: cut every connection, stall all
// traffic without closing anything (a blackhole), add latency, or refuse new
// connections.
//
// It listens on 127.0.0.1 only. Everything it starts stops in Close.
package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// dialTimeout bounds the dial to the target for each accepted connection.
const dialTimeout = 5 * time.Second

// Proxy forwards connections from Addr to a target address.
type Proxy struct {
	target string
	ln     net.Listener
	ctx    context.Context // cancelled by Close: ends dials and waits
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	pairs     map[*pair]struct{}
	blackhole bool
	unblocked chan struct{} // closed when the current blackhole ends
	refuse    bool
	latency   time.Duration

	accepted      atomic.Int64
	refused       atomic.Int64
	bytesToTarget atomic.Int64
	bytesToClient atomic.Int64
	held          atomic.Int64 // chunks waiting in waitToForward
}

// New starts a proxy on 127.0.0.1:0 that forwards to target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		target: target,
		ln:     ln,
		ctx:    ctx,
		cancel: cancel,
		pairs:  make(map[*pair]struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the proxy's listening address (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Host is the proxy's IP address.
func (p *Proxy) Host() string { return p.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Accepted is how many client connections were accepted, refused ones included.
func (p *Proxy) Accepted() int { return int(p.accepted.Load()) }

// Refused is how many connections were closed at once because of Refuse.
func (p *Proxy) Refused() int { return int(p.refused.Load()) }

// BytesToTarget is how many bytes were forwarded from clients to the target.
func (p *Proxy) BytesToTarget() int64 { return p.bytesToTarget.Load() }

// BytesToClient is how many bytes were forwarded from the target to clients.
func (p *Proxy) BytesToClient() int64 { return p.bytesToClient.Load() }

// Conns is the number of client connections currently being forwarded.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pairs)
}

// Cut closes every current connection, both ways, and keeps accepting.
func (p *Proxy) Cut() {
	p.mu.Lock()
	pairs := make([]*pair, 0, len(p.pairs))
	for pr := range p.pairs {
		pairs = append(pairs, pr)
	}
	p.mu.Unlock()
	for _, pr := range pairs {
		pr.close()
	}
}

// Blackhole stops (on) or resumes (off) forwarding in both directions. Nothing
// is closed and nothing is lost: bytes read meanwhile are held and delivered
// when the blackhole ends, like TCP over a path that stalls and recovers. New
// connections are accepted and dialled but get no bytes. When an endpoint
// closes its side the pair is still closed, so stalled connections do not
// pile up.
func (p *Proxy) Blackhole(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on && !p.blackhole {
		p.blackhole = true
		p.unblocked = make(chan struct{})
	} else if !on && p.blackhole {
		p.blackhole = false
		close(p.unblocked)
	}
}

// SetLatency delays every chunk of data, each way, by d (0 turns it off).
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// Refuse makes the proxy close new connections as soon as they are accepted
// (on) or forward them again (off). Current connections are not touched.
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	p.refuse = on
	p.mu.Unlock()
}

// Close stops listening, closes every connection and waits for all of the
// proxy's goroutines to end.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.cancel()
	p.Cut()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil // closed twice
	}
	return err
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary errors (EMFILE and the like): back off a little.
			select {
			case <-time.After(10 * time.Millisecond):
				continue
			case <-p.ctx.Done():
				return
			}
		}
		p.accepted.Add(1)
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			p.refused.Add(1)
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.connect(c)
	}
}

// connect dials the target for the client c and starts the two pumps.
func (p *Proxy) connect(c net.Conn) {
	defer p.wg.Done()
	d := net.Dialer{Timeout: dialTimeout}
	t, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		c.Close() // target down: the client sees a closed connection
		return
	}
	pr := &pair{client: c, target: t, done: make(chan struct{})}
	p.mu.Lock()
	if p.ctx.Err() != nil { // Close ran while we dialled
		p.mu.Unlock()
		pr.closeConns()
		return
	}
	p.pairs[pr] = struct{}{}
	pr.remove = func() {
		p.mu.Lock()
		delete(p.pairs, pr)
		p.mu.Unlock()
	}
	p.wg.Add(2)
	p.mu.Unlock()
	go p.pump(pr, c, t, &p.bytesToTarget)
	go p.pump(pr, t, c, &p.bytesToClient)
}

// pump copies src to dst chunk by chunk, honouring blackhole and latency,
// and closes the pair when either side fails.
func (p *Proxy) pump(pr *pair, src, dst net.Conn, counter *atomic.Int64) {
	defer p.wg.Done()
	defer pr.close()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitToForward(pr.done) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			counter.Add(int64(n))
		}
		if err != nil {
			return
		}
	}
}

// Held is how many chunks of data are held right now by a blackhole or a
// latency, waiting to be forwarded: what a test waits for to know that the
// proxy has the bytes and is holding them.
func (p *Proxy) Held() int { return int(p.held.Load()) }

// waitToForward blocks while the path is blackholed and for the configured
// latency. It returns false if the pair was closed meanwhile.
func (p *Proxy) waitToForward(done <-chan struct{}) bool {
	counted := false
	defer func() {
		if counted {
			p.held.Add(-1)
		}
	}()
	for {
		p.mu.Lock()
		bh, unblocked, latency := p.blackhole, p.unblocked, p.latency
		p.mu.Unlock()
		if (bh || latency > 0) && !counted {
			counted = true
			p.held.Add(1)
		}
		if bh {
			select {
			case <-unblocked:
				continue // re-read latency and a possible new blackhole
			case <-done:
				return false
			}
		}
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-done:
				t.Stop()
				return false
			}
		}
		return true
	}
}

// pair is one proxied connection: the client side and the target side.
type pair struct {
	client, target net.Conn
	done           chan struct{}
	remove         func()
	once           sync.Once
}

func (pr *pair) close() {
	pr.once.Do(func() {
		close(pr.done)
		pr.closeConns()
		if pr.remove != nil {
			pr.remove()
		}
	})
}

func (pr *pair) closeConns() {
	pr.client.Close()
	pr.target.Close()
}
