// Package mail watches one IMAP folder and reports what changes in it.
//
// It knows the protocol and nothing else: no UI, no keyring, no files. The
// caller hands in an Account (with a function that returns the password) and
// the last known Position, and receives typed events.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// Security is how the connection to the server is protected.
type Security string

const (
	// SecurityTLS is implicit TLS (port 993).
	SecurityTLS Security = "tls"
	// SecuritySTARTTLS upgrades a plain connection (port 143); never falls back.
	SecuritySTARTTLS Security = "starttls"
	// SecurityPlain sends everything in the clear; allowed to loopback only.
	SecurityPlain Security = "plain"
)

// DefaultPort is the port used for a security mode when none is given.
func (s Security) DefaultPort() int {
	if s == SecurityTLS {
		return 993
	}
	return 143
}

// Sentinel errors callers branch on. Errors returned by this package wrap them.
var (
	// ErrAuth: the server rejected the credentials. Permanent.
	ErrAuth = errors.New("password rejected")
	// ErrTLS: the server's certificate did not verify. Permanent.
	ErrTLS = errors.New("certificate not trusted")
	// ErrNoSTARTTLS: STARTTLS was asked for but the server does not offer it. Permanent.
	ErrNoSTARTTLS = errors.New("server does not offer STARTTLS")
	// ErrInsecure: plain text to a host that is not loopback. Permanent.
	ErrInsecure = errors.New("plain connection allowed to loopback only")
	// ErrNoPassword: the credentials source failed. Permanent until settings change.
	ErrNoPassword = errors.New("no password")
	// ErrNoFolder: the folder does not exist or cannot be opened. Permanent.
	ErrNoFolder = errors.New("folder cannot be opened")
	// ErrTimeout: the server did not answer in time (connect, command or liveness probe).
	ErrTimeout = errors.New("timed out")
	// ErrConfig: the account is not usable as given. Permanent.
	ErrConfig = errors.New("invalid account")
)

// IsPermanent reports whether retrying err without a change of settings is pointless.
func IsPermanent(err error) bool {
	for _, p := range []error{ErrAuth, ErrTLS, ErrNoSTARTTLS, ErrInsecure, ErrNoPassword, ErrNoFolder, ErrConfig, ErrTokenRejected, ErrAccessRefused} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}

// Account is how to reach and log in to one IMAP server.
type Account struct {
	Host     string
	Port     int // 0: Security.DefaultPort
	Security Security
	Username string
	// Password returns the secret when a login needs it. It is never stored
	// by this package, and never appears in its errors or traces.
	// Credentials, when set, is used instead.
	Password func(ctx context.Context) (string, error)
	// Credentials supplies a password or an OAuth2 access token per login
	// (see Credentials); it takes precedence over Password.
	Credentials Credentials
	// CAPEM holds extra trusted CA certificates (PEM), on top of the system's.
	CAPEM []byte
}

// Addr is host:port with the default port filled in.
func (a Account) Addr() string {
	port := a.Port
	if port == 0 {
		port = a.Security.DefaultPort()
	}
	return net.JoinHostPort(a.Host, strconv.Itoa(port))
}

// Validate checks the account without touching the network.
func (a Account) Validate() error {
	if strings.TrimSpace(a.Host) == "" {
		return fmt.Errorf("%w: no server", ErrConfig)
	}
	if a.Port < 0 || a.Port > 65535 {
		return fmt.Errorf("%w: port %d out of range", ErrConfig, a.Port)
	}
	switch a.Security {
	case SecurityTLS, SecuritySTARTTLS:
	case SecurityPlain:
		if !IsLoopbackHost(a.Host) {
			return fmt.Errorf("%w: %s", ErrInsecure, a.Host)
		}
	default:
		return fmt.Errorf("%w: unknown security %q (want tls, starttls or plain)", ErrConfig, a.Security)
	}
	if a.Username == "" {
		return fmt.Errorf("%w: no username", ErrConfig)
	}
	if a.Password == nil && a.Credentials == nil {
		return fmt.Errorf("%w: no password source", ErrConfig)
	}
	return nil
}

// IsLoopbackHost reports whether host names this machine without asking DNS:
// "localhost" or a loopback IP literal.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Options are the watcher's timings and limits. Zero values take the defaults.
type Options struct {
	IdleRefresh    time.Duration // re-issue IDLE this often (default 9 min, 1–29 min)
	PollInterval   time.Duration // NOOP this often when the server has no IDLE (default 60 s)
	SilenceLimit   time.Duration // probe a line silent this long (default 130 s)
	ProbeTimeout   time.Duration // a probe must be answered within this (default 15 s)
	DialTimeout    time.Duration // connect + TLS + greeting + login (default 30 s)
	CommandTimeout time.Duration // any other command (default 60 s)
	BackoffMin     time.Duration // first reconnect delay (default 1 s)
	BackoffMax     time.Duration // cap of the reconnect delay (default 5 min)
	HealthyAfter   time.Duration // a connection up this long resets the backoff (default 1 min)
	RecentCount    int           // messages fetched on first run for the recent list (default 20)
	// TokenRenewAhead: a session logged in with an expiring access token
	// (see Expirer) logs in again this long before it expires (default 1 min).
	TokenRenewAhead time.Duration
	Logger          *slog.Logger // default: slog.Default()
	// Trace receives the protocol exchange with credentials redacted (nil: none).
	Trace func(line string)
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.IdleRefresh, 9*time.Minute)
	def(&o.PollInterval, 60*time.Second)
	def(&o.SilenceLimit, 130*time.Second)
	def(&o.ProbeTimeout, 15*time.Second)
	def(&o.DialTimeout, 30*time.Second)
	def(&o.CommandTimeout, 60*time.Second)
	def(&o.BackoffMin, time.Second)
	def(&o.BackoffMax, 5*time.Minute)
	def(&o.HealthyAfter, time.Minute)
	def(&o.TokenRenewAhead, DefaultTokenRenewAhead)
	if o.RecentCount == 0 {
		o.RecentCount = 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
