package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// watchedConn is the TCP connection under every client: it notes when bytes
// last arrived (go-imap has no read deadline while idling, so silence is
// ours to notice) and counts the bytes both ways.
type watchedConn struct {
	net.Conn
	lastRead  atomic.Int64 // unix nanoseconds
	bytesIn   atomic.Int64
	bytesOut  atomic.Int64
	closeOnce sync.Once
	closeErr  error
}

func newWatchedConn(c net.Conn) *watchedConn {
	w := &watchedConn{Conn: c}
	w.lastRead.Store(time.Now().UnixNano())
	return w
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
		c.bytesIn.Add(int64(n))
	}
	return n, err
}

func (c *watchedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.bytesOut.Add(int64(n))
	return n, err
}

func (c *watchedConn) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.Conn.Close() })
	return c.closeErr
}

// silentFor is how long no byte has arrived.
func (c *watchedConn) silentFor() time.Duration {
	return time.Since(time.Unix(0, c.lastRead.Load()))
}

// dialTCP connects and, for implicit TLS, shakes hands. The returned
// watchedConn is the raw TCP connection (closing it unblocks everything); the
// net.Conn is what the IMAP client should speak over.
func dialTCP(ctx context.Context, a Account) (*watchedConn, net.Conn, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", a.Addr())
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, nil, fmt.Errorf("cannot reach %s: %w", a.Addr(), ErrTimeout)
		}
		return nil, nil, fmt.Errorf("cannot reach %s: %w", a.Addr(), cleanNetErr(err))
	}
	if a.Security == SecurityPlain {
		// Checked again on the actual peer: a name that resolved elsewhere must not get a password in clear.
		if tcp, ok := raw.RemoteAddr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
			raw.Close()
			return nil, nil, fmt.Errorf("%w: %s is not a loopback address", ErrInsecure, raw.RemoteAddr())
		}
	}
	wc := newWatchedConn(raw)
	if a.Security != SecurityTLS {
		return wc, wc, nil
	}
	cfg, err := tlsConfig(a)
	if err != nil {
		wc.Close()
		return nil, nil, err
	}
	tc := tls.Client(wc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		wc.Close()
		return nil, nil, classifyTLSError(a, err)
	}
	return wc, tc, nil
}

func tlsConfig(a Account) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: strings.Trim(a.Host, "[]"), MinVersion: tls.VersionTLS12, NextProtos: []string{"imap"}}
	if len(a.CAPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(a.CAPEM) {
			return nil, fmt.Errorf("%w: the CA file holds no PEM certificate", ErrConfig)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// classifyTLSError turns a verification failure into ErrTLS (permanent) and
// leaves anything else (a reset mid-handshake) retryable.
func classifyTLSError(a Account, err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		recordHd tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &hostErr):
		return fmt.Errorf("%w for %s: the certificate is for another host", ErrTLS, a.Host)
	case errors.As(err, &unknown):
		return fmt.Errorf("%w for %s: unknown issuer", ErrTLS, a.Host)
	case errors.As(err, &invalid):
		return fmt.Errorf("%w for %s: %v", ErrTLS, a.Host, invalid.Error())
	case errors.As(err, &verify):
		return fmt.Errorf("%w for %s", ErrTLS, a.Host)
	case errors.As(err, &recordHd):
		return fmt.Errorf("%w: %s does not speak TLS on port %s", ErrConfig, a.Host, portOf(a))
	}
	return fmt.Errorf("TLS handshake with %s: %w", a.Addr(), cleanNetErr(err))
}

func portOf(a Account) string {
	_, p, _ := net.SplitHostPort(a.Addr())
	return p
}

// cleanNetErr keeps errors short and free of internal detail.
func cleanNetErr(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
