package discover

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// The test-only environment that lets an end-to-end test run discovery
// against servers it starts on loopback, through the built binaries. Both
// are read by OptionsFromEnv only, so they reach discovery and nothing
// else (the core's IMAP connections never see them).
const (
	// EnvDNS names a DNS server, 127.0.0.1:PORT or [::1]:PORT, that
	// answers every query discovery makes (MX, SRV, and the addresses of
	// the hosts it connects to) instead of the system's resolver. Anything
	// but a loopback address is refused: it cannot send a normal run's
	// lookups elsewhere.
	EnvDNS = "MAILBELL_DISCOVER_DNS"
	// EnvHTTPSPort, honoured only together with EnvDNS, is the port that
	// discovery's HTTPS requests to port 443 go to instead (a test cannot
	// count on binding 443). The connection is still HTTPS with a verified
	// certificate for the URL's host name.
	EnvHTTPSPort = "MAILBELL_DISCOVER_HTTPS_PORT"
)

// OptionsFromEnv is the Options a real run uses: the zero value, unless
// EnvDNS is set. Then every name discovery resolves goes to that DNS
// server and HTTPS to port 443 goes to EnvHTTPSPort when set. Nothing is
// weakened: only https is fetched, certificates are verified against the
// system's roots (which Go reads from SSL_CERT_FILE when that is set), a
// plaintext IMAP offer is still refused unless loopback. A malformed or
// non-loopback EnvDNS is an error, never a silent fall back to the
// system's resolver.
func OptionsFromEnv() (Options, error) {
	dnsAddr := os.Getenv(EnvDNS)
	if dnsAddr == "" {
		return Options{}, nil
	}
	host, _, err := net.SplitHostPort(dnsAddr)
	if err != nil {
		return Options{}, fmt.Errorf("%s=%q: %w", EnvDNS, dnsAddr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return Options{}, fmt.Errorf("%s=%q: only a loopback DNS server is accepted", EnvDNS, dnsAddr)
	}
	httpsPort := ""
	if p := os.Getenv(EnvHTTPSPort); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Options{}, fmt.Errorf("%s=%q: not a port", EnvHTTPSPort, p)
		}
		httpsPort = p
	}
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, dnsAddr)
	}}
	// dial resolves with res, so no name discovery uses reaches the
	// system's resolver.
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		h, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips := []string{h}
		if net.ParseIP(h) == nil {
			if ips, err = res.LookupHost(ctx, h); err != nil {
				return nil, err
			}
		}
		d := net.Dialer{Timeout: 10 * time.Second}
		var last error
		for _, ip := range ips {
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip, port))
			if err == nil {
				return c, nil
			}
			last = err
		}
		return nil, last
	}
	httpsDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h, port, err := net.SplitHostPort(addr); err == nil && port == "443" && httpsPort != "" {
			addr = net.JoinHostPort(h, httpsPort)
		}
		return dial(ctx, network, addr)
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         httpsDial,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return Options{
		HTTPClient: &http.Client{Transport: tr},
		Resolver:   res,
		Prober:     NetProber{Dial: dial},
	}, nil
}
