package goa

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	dbus "github.com/godbus/dbus/v5"
)

// Security is how the IMAP connection is protected. The values are the
// ones mail.Security and the config's "security" field use.
type Security string

const (
	// SecurityTLS: implicit TLS (Mail.ImapUseSsl), port 993 by default.
	SecurityTLS Security = "tls"
	// SecuritySTARTTLS: STARTTLS on a plain connection (Mail.ImapUseTls),
	// port 143 by default.
	SecuritySTARTTLS Security = "starttls"
	// SecurityPlain: neither (Online Accounts allows it); port 143.
	SecurityPlain Security = "plain"
)

// DefaultPort is the IMAP port for s when ImapHost names none.
func (s Security) DefaultPort() int {
	if s == SecurityTLS {
		return 993
	}
	return 143
}

// Account is one mail-enabled account of GNOME Online Accounts: what a
// settings window needs to add it with one click. It holds no secret.
type Account struct {
	// ID is the account's Id in Online Accounts ("account_1700000000_0"):
	// stable for the account's life, what the config's "goa_account"
	// stores and what Credential takes.
	ID string
	// ProviderType is the provider's machine name: "google",
	// "windows_live", "ms_graph", "imap_smtp", …
	ProviderType string
	// ProviderName is the provider's display name ("Google", "IMAP and
	// SMTP").
	ProviderName string
	// Identity is the account's PresentationIdentity, as the desktop shows
	// it (usually the address).
	Identity string
	// Address is Mail.EmailAddress.
	Address string

	// Host and Port come from Mail.ImapHost ("host" or "host:port"; Port is
	// Security's default when it names none).
	Host     string
	Port     int
	Security Security
	// Username is Mail.ImapUserName.
	Username string
	// AcceptSSLErrors is Mail.ImapAcceptSslErrors: the user told Online
	// Accounts to accept this server's invalid certificate. Mailbell's own
	// certificate rules decide what to do with it.
	AcceptSSLErrors bool

	// Auth says whether Credential gives a token or a password.
	Auth AuthKind
	// AttentionNeeded: Online Accounts wants the user to sign in again;
	// Credential fails with ErrAttentionNeeded until they have.
	AttentionNeeded bool
}

// props is one object's interfaces and their properties, as
// GetManagedObjects returns them.
type props map[string]map[string]dbus.Variant

func (p props) str(iface, name string) string {
	s, _ := p[iface][name].Value().(string)
	return s
}

func (p props) boolean(iface, name string) bool {
	b, _ := p[iface][name].Value().(bool)
	return b
}

// has reports whether the property is there at all, whatever its value.
func (p props) has(iface, name string) bool {
	_, ok := p[iface][name]
	return ok
}

// authKind is the sign-in the object offers: OAuth2 when it has
// OAuth2Based (a provider may also export PasswordBased for other
// services), else a password, else "".
func (p props) authKind() AuthKind {
	if _, ok := p[IfaceOAuth2Based]; ok {
		return AuthOAuth2
	}
	if _, ok := p[IfacePasswordBased]; ok {
		return AuthPassword
	}
	return ""
}

// mailUsable is nil when the object is an account whose mail Mailbell can
// read, else the reason why not.
func (p props) mailUsable() error {
	if _, ok := p[IfaceMail]; !ok || p.boolean(IfaceAccount, "MailDisabled") {
		return ErrMailDisabled
	}
	// ImapSupported is newer than the Mail interface: absent means yes.
	if p.has(IfaceMail, "ImapSupported") && !p.boolean(IfaceMail, "ImapSupported") {
		return ErrMailDisabled
	}
	if p.str(IfaceMail, "ImapHost") == "" {
		return ErrMailDisabled
	}
	if p.authKind() == "" {
		return ErrUnsupported
	}
	return nil
}

// account converts a mail-usable object; an ImapHost it cannot read is an
// error.
func (p props) account() (Account, error) {
	a := Account{
		ID:              p.str(IfaceAccount, "Id"),
		ProviderType:    p.str(IfaceAccount, "ProviderType"),
		ProviderName:    p.str(IfaceAccount, "ProviderName"),
		Identity:        p.str(IfaceAccount, "PresentationIdentity"),
		Address:         p.str(IfaceMail, "EmailAddress"),
		Username:        p.str(IfaceMail, "ImapUserName"),
		AcceptSSLErrors: p.boolean(IfaceMail, "ImapAcceptSslErrors"),
		Auth:            p.authKind(),
		AttentionNeeded: p.boolean(IfaceAccount, "AttentionNeeded"),
	}
	switch {
	case p.boolean(IfaceMail, "ImapUseSsl"):
		a.Security = SecurityTLS
	case p.boolean(IfaceMail, "ImapUseTls"):
		a.Security = SecuritySTARTTLS
	default:
		a.Security = SecurityPlain
	}
	host, port, err := splitHostPort(p.str(IfaceMail, "ImapHost"), a.Security.DefaultPort())
	if err != nil {
		return Account{}, fmt.Errorf("online account %s: %w", a.ID, err)
	}
	a.Host, a.Port = host, port
	return a, nil
}

// splitHostPort reads ImapHost the way goa-daemon's own mail check does:
// "host", "host:port", "[v6]:port" or a bare IPv6 address.
func splitHostPort(hp string, def int) (string, int, error) {
	hp = strings.TrimSpace(hp)
	host, portStr, err := net.SplitHostPort(hp)
	if err != nil {
		// No port: a name, an IPv4 address, "[v6]" or a bare v6 address.
		h := strings.TrimSuffix(strings.TrimPrefix(hp, "["), "]")
		if h == "" || (strings.Contains(hp, ":") && net.ParseIP(h) == nil) {
			return "", 0, fmt.Errorf("unreadable IMAP server %q", hp)
		}
		return h, def, nil
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return "", 0, fmt.Errorf("unreadable IMAP server %q", hp)
	}
	return host, port, nil
}
