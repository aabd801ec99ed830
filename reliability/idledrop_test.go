package reliability

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// idleDropProxy forwards to a target and closes any connection whose client
// has sent nothing for idle: a server (or middlebox) that drops idle
// connections, as Gmail does after about ten minutes of IDLE.
type idleDropProxy struct {
	ln       net.Listener
	target   string
	idle     time.Duration
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[*dropConn]struct{}
	closed   bool
	accepted atomic.Int64
	dropped  atomic.Int64
}

type dropConn struct {
	client, server net.Conn
	last           atomic.Int64 // unix nanos of the client's last byte
	once           sync.Once
}

func (c *dropConn) close() {
	c.once.Do(func() {
		c.client.Close()
		c.server.Close()
	})
}

func newIdleDropProxy(target string, idle time.Duration) (*idleDropProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &idleDropProxy{ln: ln, target: target, idle: idle, conns: map[*dropConn]struct{}{}}
	p.wg.Add(2)
	go p.accept()
	go p.reaper()
	return p, nil
}

func (p *idleDropProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *idleDropProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		dc := &dropConn{client: c, server: s}
		dc.last.Store(time.Now().UnixNano())
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			dc.close()
			return
		}
		p.conns[dc] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { // client → server, noting activity
			defer p.wg.Done()
			defer p.remove(dc)
			buf := make([]byte, 32*1024)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					dc.last.Store(time.Now().UnixNano())
					if _, werr := s.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
		go func() {
			defer p.wg.Done()
			defer p.remove(dc)
			_, _ = io.Copy(c, s)
		}()
	}
}

func (p *idleDropProxy) remove(dc *dropConn) {
	dc.close()
	p.mu.Lock()
	delete(p.conns, dc)
	p.mu.Unlock()
}

func (p *idleDropProxy) reaper() {
	defer p.wg.Done()
	tick := time.NewTicker(p.idle / 20)
	defer tick.Stop()
	for range tick.C {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		var stale []*dropConn
		for dc := range p.conns {
			if time.Since(time.Unix(0, dc.last.Load())) >= p.idle {
				stale = append(stale, dc)
			}
		}
		p.mu.Unlock()
		for _, dc := range stale {
			p.dropped.Add(1)
			dc.close()
		}
	}
}

func (p *idleDropProxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for dc := range p.conns {
		dc.close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
