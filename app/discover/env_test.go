package discover

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/testcert"
)

// env is a loopback world for one test: an HTTPS server answering for any
// host name the test routes to it, a DNS server, IMAP-ish listeners, and a
// dialer that maps host names to those listeners. A name the test did not
// route fails like a host that does not exist.
type env struct {
	t    *testing.T
	cert *testcert.Set
	web  *httptest.Server
	dns  *dnsServer

	mu     sync.Mutex
	pages  map[string]http.HandlerFunc // "host/path" → handler
	routes map[string]string           // "host:port" → loopback address
	hits   []string                    // "host/path" requested, in order
}

// testHosts are every name any test routes; one certificate covers them.
var testHosts = []string{
	"autoconfig.example.test", "example.test",
	"autoconfig.hosted.test", "hosted.test",
	"autoconfig.mailhost.test", "mailhost.test",
	"imap.guess.test", "mail.guess.test", "imap.plain.test",
	"ispdb.test", "127.0.0.1",
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cert, err := testcert.New("discover test CA", testHosts...)
	if err != nil {
		t.Fatalf("test CA: %v", err)
	}
	e := &env{t: t, cert: cert, dns: startDNS(t), pages: map[string]http.HandlerFunc{}, routes: map[string]string{}}
	tc, err := cert.TLSCertificate()
	if err != nil {
		t.Fatalf("server certificate: %v", err)
	}
	e.web = httptest.NewUnstartedServer(http.HandlerFunc(e.serveHTTP))
	e.web.TLS = &tls.Config{Certificates: []tls.Certificate{tc}}
	e.web.StartTLS()
	t.Cleanup(e.web.Close)
	return e
}

func (e *env) serveHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	key := host + r.URL.Path
	e.mu.Lock()
	e.hits = append(e.hits, key)
	h := e.pages[key]
	e.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

// page serves body at https://host/path (and routes host:443 to the server).
func (e *env) page(host, path, body string) {
	e.handle(host, path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, body)
	})
}

func (e *env) handle(host, path string, h http.HandlerFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pages[host+path] = h
	e.routes[host+":443"] = e.web.Listener.Addr().String()
}

// route sends connections for host:port to a loopback address.
func (e *env) route(hostport, addr string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.routes[hostport] = addr
}

func (e *env) requested() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.hits...)
}

func (e *env) dial(ctx context.Context, network, hostport string) (net.Conn, error) {
	e.mu.Lock()
	addr, ok := e.routes[hostport]
	e.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("test: no route to %s", hostport)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// options are Options wired to this world, with short step timeouts and a
// progress recorder.
func (e *env) options() (Options, *progressLog) {
	pl := &progressLog{}
	tr := &http.Transport{
		DialContext:     e.dial,
		TLSClientConfig: &tls.Config{RootCAs: e.cert.Pool()},
		Proxy:           nil,
	}
	e.t.Cleanup(tr.CloseIdleConnections)
	return Options{
		HTTPClient:  &http.Client{Transport: tr},
		Resolver:    e.dns.resolver(),
		Prober:      NetProber{Dial: e.dial, RootCAs: e.cert.Pool()},
		ISPDBURL:    "https://ispdb.test/v1.1/",
		Timeout:     5 * time.Second,
		StepTimeout: 2 * time.Second,
		Progress:    pl.add,
	}, pl
}

type progressLog struct {
	mu    sync.Mutex
	lines []string
	steps []Progress
}

func (p *progressLog) add(pr Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.steps = append(p.steps, pr)
	p.lines = append(p.lines, pr.Text())
}

func (p *progressLog) texts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// config is a config-v1.1.xml offering one IMAP server.
func config(host string, port int, socketType string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="x">
    <incomingServer type="imap">
      <hostname>%s</hostname>
      <port>%d</port>
      <socketType>%s</socketType>
      <username>%%EMAILADDRESS%%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
  </emailProvider>
</clientConfig>`, host, port, socketType)
}

// imapListener is a tiny IMAP greeter on 127.0.0.1: with implicit TLS, or
// plain with STARTTLS (offered in the greeting or only in CAPABILITY), or
// plain without it. It answers only what the probe asks.
type imapMode int

const (
	imapTLS imapMode = iota
	imapSTARTTLSInGreeting
	imapSTARTTLSInCapability
	imapNoSTARTTLS
)

func (e *env) imapListener(mode imapMode) string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatalf("listen: %v", err)
	}
	tc, err := e.cert.TLSCertificate()
	if err != nil {
		e.t.Fatalf("certificate: %v", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{tc}}
	if mode == imapTLS {
		ln = tls.NewListener(ln, cfg)
	}
	var wg sync.WaitGroup
	e.t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serveIMAP(c, mode, cfg) })
		}
	})
	return ln.Addr().String()
}

func serveIMAP(c net.Conn, mode imapMode, cfg *tls.Config) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	greeting := "* OK IMAP4rev1 ready\r\n"
	if mode == imapSTARTTLSInGreeting {
		greeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"
	}
	if _, err := c.Write([]byte(greeting)); err != nil {
		return
	}
	if mode == imapTLS {
		_, _ = bufio.NewReader(c).ReadString('\n') // until the prober hangs up
		return
	}
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(cmd) {
		case "CAPABILITY":
			caps := "IMAP4rev1"
			if mode != imapNoSTARTTLS {
				caps += " STARTTLS"
			}
			fmt.Fprintf(c, "* CAPABILITY %s\r\n%s OK done\r\n", caps, tag)
		case "STARTTLS":
			if mode == imapNoSTARTTLS {
				fmt.Fprintf(c, "%s BAD no\r\n", tag)
				continue
			}
			fmt.Fprintf(c, "%s OK begin TLS\r\n", tag)
			tc := tls.Server(c, cfg)
			if tc.Handshake() != nil {
				return
			}
			_, _ = bufio.NewReader(tc).ReadString('\n')
			return
		default:
			fmt.Fprintf(c, "%s BAD unknown\r\n", tag)
		}
	}
}
