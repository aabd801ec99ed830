package discover

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer is an authoritative DNS server on 127.0.0.1 that answers MX and
// SRV from tables the test fills in; every other name is NXDOMAIN. It is
// what the resolver under test talks to: never the system's resolver.
type dnsServer struct {
	conn net.PacketConn

	mu      sync.Mutex
	mx      map[string][]net.MX  // "example.test." → records
	srv     map[string][]net.SRV // "_imaps._tcp.example.test." → records
	delay   map[string]time.Duration
	queries []string // "MX example.test." in arrival order
}

func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("DNS listen: %v", err)
	}
	d := &dnsServer{conn: pc, mx: map[string][]net.MX{}, srv: map[string][]net.SRV{}, delay: map[string]time.Duration{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.serve()
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return d
}

func (d *dnsServer) addMX(name string, recs ...net.MX) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mx[name] = append(d.mx[name], recs...)
}

func (d *dnsServer) addSRV(name string, recs ...net.SRV) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.srv[name] = append(d.srv[name], recs...)
}

func (d *dnsServer) seen() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.queries...)
}

// resolver is a Go resolver whose every query goes to this server.
func (d *dnsServer) resolver() *net.Resolver {
	addr := d.conn.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "udp", addr)
	}}
}

func (d *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		resp, wait, err := d.answer(buf[:n])
		if err != nil {
			continue
		}
		if wait > 0 {
			go func() {
				time.Sleep(wait) // a slow server: its job, not synchronisation
				_, _ = d.conn.WriteTo(resp, from)
			}()
			continue
		}
		_, _ = d.conn.WriteTo(resp, from)
	}
}

func (d *dnsServer) answer(query []byte) ([]byte, time.Duration, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, 0, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, 0, err
	}
	name := strings.ToLower(q.Name.String())
	d.mu.Lock()
	d.queries = append(d.queries, strings.TrimPrefix(q.Type.String(), "Type")+" "+name)
	mxs, srvs, wait := d.mx[name], d.srv[name], d.delay[name]
	_, knownMX := d.mx[name]
	_, knownSRV := d.srv[name]
	d.mu.Unlock()

	rcode := dnsmessage.RCodeSuccess
	if !knownMX && !knownSRV {
		rcode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{
		ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired,
		RecursionAvailable: true, RCode: rcode,
	})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, 0, err
	}
	if err := b.Question(q); err != nil {
		return nil, 0, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, 0, err
	}
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
	switch q.Type {
	case dnsmessage.TypeMX:
		for _, mx := range mxs {
			target, err := dnsmessage.NewName(mx.Host)
			if err != nil {
				return nil, 0, err
			}
			if err := b.MXResource(rh, dnsmessage.MXResource{Pref: mx.Pref, MX: target}); err != nil {
				return nil, 0, err
			}
		}
	case dnsmessage.TypeSRV:
		for _, s := range srvs {
			target, err := dnsmessage.NewName(s.Target)
			if err != nil {
				return nil, 0, err
			}
			if err := b.SRVResource(rh, dnsmessage.SRVResource{Priority: s.Priority, Weight: s.Weight, Port: s.Port, Target: target}); err != nil {
				return nil, 0, err
			}
		}
	}
	msg, err := b.Finish()
	if err != nil {
		return nil, 0, errors.Join(errors.New("build DNS answer"), err)
	}
	return msg, wait, nil
}
