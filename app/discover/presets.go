package discover

import (
	"strings"

	"mailbell/mail"
)

// Preset is a mail provider whose IMAP settings Mailbell knows without asking
// the network. The table is data: adding a provider is adding an entry.
type Preset struct {
	Name string // shown in words: "from Mailbell's settings for Gmail"
	// Domains are the address domains of the provider. An entry "gmx.*"
	// matches "gmx." followed by one label (gmx.de, gmx.net, gmx.at…).
	Domains []string
	// MXDomains are the registrable domains of the provider's MX hosts: a
	// domain whose MX points there is hosted by this provider.
	MXDomains []string

	Host     string
	Port     int
	Security mail.Security
	Username string // template; "%EMAILADDRESS%" for every provider here

	Auth           Auth
	OAuth2Provider OAuth2Provider
	Webmail        string

	// For a domain recognised by its MX (a company hosted by the provider):
	// the product's name, how it signs in and its webmail, when they differ
	// from the consumer service's.
	HostedName    string
	HostedAuth    Auth
	HostedWebmail string
}

// Presets is the bundled table. Every entry uses implicit TLS on 993: that is
// what each provider documents. Gmail takes OAuth2 or an app password;
// Outlook/Microsoft accept only OAuth2 since September 2024; Google
// Workspace has password IMAP off by default, so a hosted domain is told to
// sign in with Google.
var Presets = []Preset{
	{
		Name: "Gmail", Domains: []string{"gmail.com", "googlemail.com"}, MXDomains: []string{"google.com", "googlemail.com"},
		Host: "imap.gmail.com", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthOAuth2OrPassword, OAuth2Provider: OAuth2Google, Webmail: "https://mail.google.com/",
		HostedName: "Google Workspace", HostedAuth: AuthOAuth2,
	},
	{
		Name: "Outlook", Domains: []string{"outlook.com", "hotmail.com", "live.com"}, MXDomains: []string{"outlook.com"},
		Host: "outlook.office365.com", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthOAuth2, OAuth2Provider: OAuth2Microsoft, Webmail: "https://outlook.live.com/mail/",
		HostedName: "Microsoft 365", HostedAuth: AuthOAuth2, HostedWebmail: "https://outlook.office.com/mail/",
	},
	{
		Name: "Yahoo", Domains: []string{"yahoo.com"}, MXDomains: []string{"yahoodns.net"},
		Host: "imap.mail.yahoo.com", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthPassword, Webmail: "https://mail.yahoo.com/",
	},
	{
		Name: "iCloud", Domains: []string{"icloud.com", "me.com"}, MXDomains: []string{"icloud.com"},
		Host: "imap.mail.me.com", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthPassword, Webmail: "https://www.icloud.com/mail/",
	},
	{
		Name: "Fastmail", Domains: []string{"fastmail.com"}, MXDomains: []string{"messagingengine.com"},
		Host: "imap.fastmail.com", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthPassword, Webmail: "https://app.fastmail.com/",
	},
	{
		Name: "GMX", Domains: []string{"gmx.*"}, MXDomains: []string{"gmx.net"},
		Host: "imap.gmx.net", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthPassword, Webmail: "https://www.gmx.net/",
	},
	{
		Name: "WEB.DE", Domains: []string{"web.de"}, MXDomains: []string{"web.de"},
		Host: "imap.web.de", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthPassword, Webmail: "https://web.de/",
	},
	{
		Name: "mailbox.org", Domains: []string{"mailbox.org"}, MXDomains: []string{"mailbox.org"},
		Host: "imap.mailbox.org", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthPassword, Webmail: "https://login.mailbox.org/",
	},
	{
		Name: "Posteo", Domains: []string{"posteo.de"}, MXDomains: []string{"posteo.de"},
		Host: "posteo.de", Port: 993, Security: mail.SecurityTLS, Username: "%EMAILADDRESS%",
		Auth: AuthPassword, Webmail: "https://posteo.de/webmail/",
	},
}

// presetForDomain finds the preset whose address domains include domain.
func presetForDomain(domain string) (Preset, bool) {
	for _, p := range Presets {
		for _, d := range p.Domains {
			if domainMatches(d, domain) {
				return p, true
			}
		}
	}
	return Preset{}, false
}

// presetForMX finds the preset whose MX (or address) domains include the
// registrable domain of an MX host.
func presetForMX(mxDomain string) (Preset, bool) {
	for _, p := range Presets {
		for _, d := range p.MXDomains {
			if domainMatches(d, mxDomain) {
				return p, true
			}
		}
	}
	return presetForDomain(mxDomain)
}

func domainMatches(pattern, domain string) bool {
	if prefix, ok := strings.CutSuffix(pattern, ".*"); ok {
		rest, found := strings.CutPrefix(domain, prefix+".")
		return found && rest != "" && !strings.Contains(rest, ".")
	}
	return pattern == domain
}

// result fills a Result from the preset for an address at its own domains.
func (p Preset) result(a address) Result {
	return Result{
		Host: p.Host, Port: p.Port, Security: p.Security, Username: a.expand(p.Username),
		Auth: p.Auth, OAuth2Provider: p.OAuth2Provider, Webmail: p.Webmail,
		Source: SourcePreset, AddressDomain: a.domain, Domain: a.domain, Provider: p.Name,
	}
}

// hostedResult fills a Result for a domain whose MX host belongs to the
// provider.
func (p Preset) hostedResult(a address, mxHost, mxDomain string) Result {
	r := p.result(a)
	r.Domain, r.MXHost = mxDomain, mxHost
	if p.HostedName != "" {
		r.Provider = p.HostedName
	}
	if p.HostedAuth != "" {
		r.Auth = p.HostedAuth
	}
	if p.HostedWebmail != "" {
		r.Webmail = p.HostedWebmail
	}
	return r
}
