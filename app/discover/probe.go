package discover

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"mailbell/mail"
)

// Prober checks that an IMAP server answers at host:port with the given
// security. The guess step keeps a host only if Probe returns nil.
type Prober interface {
	Probe(ctx context.Context, host string, port int, sec mail.Security) error
}

// NetProber is the Prober Lookup uses unless told otherwise: for TLS a
// verified handshake; for STARTTLS the greeting, STARTTLS among the
// capabilities, and a verified handshake after it. It never logs in.
type NetProber struct {
	// Dial connects; nil means a net.Dialer. Tests map host names to
	// loopback listeners here.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// RootCAs verifies the server; nil means the system's roots.
	RootCAs *x509.CertPool
}

// ErrNoSTARTTLS is a server on 143 that does not offer STARTTLS.
var ErrNoSTARTTLS = errors.New("server does not offer STARTTLS")

// maxProbeLine bounds one line of a probed server's answer.
const maxProbeLine = 4096

// Probe implements Prober.
func (p NetProber) Probe(ctx context.Context, host string, port int, sec mail.Security) (err error) {
	dial := p.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("connect %s:%d: %w", host, port, err)
	}
	defer conn.Close()
	// The deadline makes every read and write below end with ctx.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	cfg := &tls.Config{ServerName: host, RootCAs: p.RootCAs, MinVersion: tls.VersionTLS12}
	switch sec {
	case mail.SecurityTLS:
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS %s:%d: %w", host, port, err)
		}
		if _, err := readGreeting(bufio.NewReaderSize(tc, 512)); err != nil {
			return fmt.Errorf("%s:%d: %w", host, port, err)
		}
		return nil
	case mail.SecuritySTARTTLS:
		if err := startTLS(ctx, conn, cfg); err != nil {
			return fmt.Errorf("%s:%d: %w", host, port, err)
		}
		return nil
	}
	return fmt.Errorf("probe %s:%d: security %q is not probed", host, port, sec)
}

func startTLS(ctx context.Context, conn net.Conn, cfg *tls.Config) error {
	br := bufio.NewReaderSize(conn, 512)
	greeting, err := readGreeting(br)
	if err != nil {
		return err
	}
	if !hasCapability(greeting, "STARTTLS") {
		// The greeting need not list capabilities: ask.
		if _, err := conn.Write([]byte("p1 CAPABILITY\r\n")); err != nil {
			return fmt.Errorf("send CAPABILITY: %w", err)
		}
		caps, err := readUntilTagged(br, "p1")
		if err != nil {
			return fmt.Errorf("CAPABILITY: %w", err)
		}
		if !hasCapability(caps, "STARTTLS") {
			return ErrNoSTARTTLS
		}
	}
	if _, err := conn.Write([]byte("p2 STARTTLS\r\n")); err != nil {
		return fmt.Errorf("send STARTTLS: %w", err)
	}
	if _, err := readUntilTagged(br, "p2"); err != nil {
		return fmt.Errorf("STARTTLS: %w", err)
	}
	if br.Buffered() > 0 {
		return errors.New("STARTTLS: server sent data before the handshake")
	}
	if err := tls.Client(conn, cfg).HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS after STARTTLS: %w", err)
	}
	return nil
}

// readGreeting reads the server's first line: "* OK" or "* PREAUTH".
func readGreeting(br *bufio.Reader) (string, error) {
	line, err := readLine(br)
	if err != nil {
		return "", fmt.Errorf("read greeting: %w", err)
	}
	up := strings.ToUpper(line)
	if !strings.HasPrefix(up, "* OK") && !strings.HasPrefix(up, "* PREAUTH") {
		return "", fmt.Errorf("not an IMAP greeting: %.60q", line)
	}
	return line, nil
}

// readUntilTagged reads lines up to the tagged answer, which must be OK; it
// returns all lines read.
func readUntilTagged(br *bufio.Reader, tag string) (string, error) {
	var all strings.Builder
	for range 50 {
		line, err := readLine(br)
		if err != nil {
			return "", err
		}
		all.WriteString(line)
		all.WriteByte('\n')
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
				return "", fmt.Errorf("refused: %.60q", line)
			}
			return all.String(), nil
		}
	}
	return "", errors.New("no tagged answer")
}

func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxProbeLine {
			return "", errors.New("line too long")
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

func hasCapability(text, capability string) bool {
	for f := range strings.FieldsSeq(strings.ToUpper(text)) {
		if strings.Trim(f, "[]") == capability {
			return true
		}
	}
	return false
}
