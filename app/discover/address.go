package discover

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrBadAddress is returned (wrapped) for an input that is not an email
// address whose domain could be looked up.
var ErrBadAddress = errors.New("not an email address")

// address is an email address split at its last "@", the domain lowercased
// and without a trailing dot.
type address struct {
	full, local, domain string
}

func parseAddress(email string) (address, error) {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return address{}, fmt.Errorf("%w: %q has no local part or no domain", ErrBadAddress, email)
	}
	domain := strings.TrimSuffix(strings.ToLower(email[at+1:]), ".")
	if !validHostname(domain) || !strings.Contains(domain, ".") {
		return address{}, fmt.Errorf("%w: %q is not a domain name", ErrBadAddress, domain)
	}
	return address{full: email[:at] + "@" + domain, local: email[:at], domain: domain}, nil
}

// expand applies Thunderbird's placeholders to a username or host name
// template. Unknown placeholders are left as they are.
func (a address) expand(template string) string {
	return strings.NewReplacer(
		"%EMAILADDRESS%", a.full,
		"%EMAILLOCALPART%", a.local,
		"%EMAILDOMAIN%", a.domain,
	).Replace(template)
}

// validHostname accepts an ASCII DNS name (letters, digits, hyphens, dots;
// labels of 1–63, 253 in all) or an IP address literal. It keeps whatever a
// hostile document or DNS answer says out of URLs and dial strings.
func validHostname(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// isLoopback is true for localhost and loopback IP literals: the only hosts a
// plaintext offer is accepted for.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
