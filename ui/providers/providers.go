// Package providers knows the IMAP settings of common mail providers, so the
// settings window can fill in server, port and security from an address.
package providers

import "strings"

// Security values, spelled as config.json and mail.Security spell them.
const (
	TLS      = "tls"
	STARTTLS = "starttls"
)

type server struct {
	host     string
	port     int
	security string
}

// byDomain maps an address's domain to its provider's IMAP server. Every
// entry here uses implicit TLS on 993: that is what each provider documents.
var byDomain = map[string]server{
	"gmail.com":      {"imap.gmail.com", 993, TLS},
	"googlemail.com": {"imap.gmail.com", 993, TLS},
	"outlook.com":    {"outlook.office365.com", 993, TLS},
	"hotmail.com":    {"outlook.office365.com", 993, TLS},
	"live.com":       {"outlook.office365.com", 993, TLS},
	"yahoo.com":      {"imap.mail.yahoo.com", 993, TLS},
	"icloud.com":     {"imap.mail.me.com", 993, TLS},
	"me.com":         {"imap.mail.me.com", 993, TLS},
	"fastmail.com":   {"imap.fastmail.com", 993, TLS},
	"web.de":         {"imap.web.de", 993, TLS},
	"mailbox.org":    {"imap.mailbox.org", 993, TLS},
	"posteo.de":      {"posteo.de", 993, TLS},
}

// gmx is one provider under many country domains (gmx.de, gmx.net, gmx.at…).
var gmx = server{"imap.gmx.net", 993, TLS}

// Lookup returns the IMAP server for the email address's domain, if it is a
// provider this table knows. It never asks the network.
func Lookup(email string) (host string, port int, security string, ok bool) {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", 0, "", false
	}
	domain := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(email[at+1:])), ".")
	if s, found := byDomain[domain]; found {
		return s.host, s.port, s.security, true
	}
	// gmx.<tld>, one label after "gmx." (gmx.de, gmx.com, gmx.net, gmx.ch …).
	if rest, found := strings.CutPrefix(domain, "gmx."); found && rest != "" && !strings.Contains(rest, ".") {
		return gmx.host, gmx.port, gmx.security, true
	}
	return "", 0, "", false
}
