package discover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/net/publicsuffix"

	"mailbell/mail"
)

// Resolver is the part of *net.Resolver that discovery uses. Tests give a
// net.Resolver whose Dial goes to a DNS server they run on 127.0.0.1.
type Resolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupSRV(ctx context.Context, service, proto, name string) (cname string, addrs []*net.SRV, err error)
}

// errNoRecord is an answer without a usable record.
var errNoRecord = errors.New("no usable record")

// mxHost is the domain's preferred MX host (lowest preference, as the
// resolver sorts them) and that host's registrable domain.
func (s *search) mxHost(ctx context.Context, domain string) (host, regDomain string, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.StepTimeout)
	defer cancel()
	mxs, err := s.opts.Resolver.LookupMX(ctx, domain+".")
	if err != nil {
		return "", "", fmt.Errorf("MX %s: %w", domain, err)
	}
	for _, mx := range mxs {
		h := strings.TrimSuffix(strings.ToLower(mx.Host), ".")
		if h == "" || !validHostname(h) || net.ParseIP(h) != nil {
			continue // "." is a null MX (RFC 7505): the domain takes no mail
		}
		reg, err := publicsuffix.EffectiveTLDPlusOne(h)
		if err != nil {
			return "", "", fmt.Errorf("MX %s: host %s: %w", domain, h, err)
		}
		return h, reg, nil
	}
	return "", "", fmt.Errorf("MX %s: %w", domain, errNoRecord)
}

// srv looks up _imaps._tcp (TLS) then _imap._tcp (STARTTLS), RFC 6186. A
// target of "." says the service is not offered.
func (s *search) srv(ctx context.Context, a address) (Result, error) {
	var errs []error
	for _, q := range []struct {
		service string
		sec     mail.Security
	}{{"imaps", mail.SecurityTLS}, {"imap", mail.SecuritySTARTTLS}} {
		r, err := s.srvOne(ctx, a, q.service, q.sec)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return Result{}, err
		}
		errs = append(errs, err)
	}
	return Result{}, errors.Join(errs...)
}

func (s *search) srvOne(ctx context.Context, a address, service string, sec mail.Security) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.StepTimeout)
	defer cancel()
	_, addrs, err := s.opts.Resolver.LookupSRV(ctx, service, "tcp", a.domain+".")
	if err != nil {
		return Result{}, fmt.Errorf("SRV _%s._tcp.%s: %w", service, a.domain, err)
	}
	for _, rec := range addrs {
		h := strings.TrimSuffix(strings.ToLower(rec.Target), ".")
		if h == "" || rec.Port == 0 || !validHostname(h) {
			continue
		}
		return Result{
			Host: h, Port: int(rec.Port), Security: sec, Username: a.full, Auth: AuthPassword,
			Source: SourceSRV, AddressDomain: a.domain, Domain: a.domain,
		}, nil
	}
	return Result{}, fmt.Errorf("SRV _%s._tcp.%s: %w", service, a.domain, errNoRecord)
}
