package rules

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"

	"mailbell/app/l10n"
)

// idnaProfile maps a domain the way a resolver would look it up: Unicode
// case folding and NFC, then Punycode. "Bücher.Example" and
// "xn--bcher-kva.example" are the same domain.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// normDomain returns the ASCII lower-case form of a domain, and false when it
// is not one.
func normDomain(d string) (string, bool) {
	d = strings.TrimSuffix(strings.TrimSpace(d), ".")
	if d == "" || strings.IndexFunc(d, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '@' }) >= 0 {
		return "", false
	}
	a, err := idnaProfile.ToASCII(d)
	if err != nil || a == "" {
		return "", false
	}
	return strings.ToLower(a), true
}

// normAddress returns "local@domain" with the local part lower-cased
// (Unicode-aware: addresses are compared case-insensitively, as every mail
// provider people use does, though RFC 5321 allows otherwise) and the domain
// in its normDomain form.
func normAddress(addr string) (string, bool) {
	addr = strings.TrimSpace(addr)
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "<"), ">")
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", false
	}
	local := addr[:at]
	if strings.IndexFunc(local, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", false
	}
	dom, ok := normDomain(addr[at+1:])
	if !ok {
		return "", false
	}
	return strings.ToLower(local) + "@" + dom, true
}

// patternKind is what a sender entry names.
type patternKind uint8

const (
	patAddress     patternKind = iota // bob@example.com: that address
	patDomainTree                     // example.com: the domain and its subdomains
	patDomainExact                    // @example.com: that domain only
)

// sender is one parsed entry of mute_senders or vip_senders.
type sender struct {
	kind patternKind
	norm string // normalised address or domain
	text string // as the person wrote it, for Describe
}

// parseSender reads "bob@example.com", "example.com" or "@example.com".
//
// Why "example.com" covers subdomains and "@example.com" does not: mail
// from a company or a mailing service often comes from
// "news.example.com", "mail.example.com" and so on, and muting the name the
// person sees should catch them all; "@example.com" reads as "addresses
// @example.com", so it is exactly that domain — the way to mute a parent
// without muting a subdomain.
func parseSender(s string) (sender, bool) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "@"):
		d, ok := normDomain(t[1:])
		return sender{kind: patDomainExact, norm: d, text: t}, ok
	case strings.Contains(t, "@"):
		a, ok := normAddress(t)
		return sender{kind: patAddress, norm: a, text: t}, ok
	default:
		d, ok := normDomain(t)
		if ok && !strings.Contains(d, ".") && d != "localhost" {
			ok = false // "spam" is more likely a word meant for the subjects
		}
		return sender{kind: patDomainTree, norm: d, text: t}, ok
	}
}

// matches reports whether the normalised address addr is covered.
func (p sender) matches(addr string) bool {
	switch p.kind {
	case patAddress:
		return addr == p.norm
	case patDomainExact:
		return domainOf(addr) == p.norm
	default:
		d := domainOf(addr)
		return d == p.norm || strings.HasSuffix(d, "."+p.norm)
	}
}

func domainOf(addr string) string {
	return addr[strings.LastIndexByte(addr, '@')+1:]
}

// describe is the entry in words.
func (p sender) describe() string {
	switch p.kind {
	case patDomainTree:
		return l10n.T("rules.sender.domain_tree", l10n.Args{"Domain": p.text})
	case patDomainExact:
		return l10n.T("rules.sender.domain_exact", l10n.Args{"Domain": p.text})
	}
	return p.text
}

func isInbox(name string) bool { return strings.EqualFold(name, "INBOX") }
