package discover

import (
	"fmt"
	"strconv"
	"strings"

	"mailbell/mail"
)

// Every sentence this package shows to a person is in this file, so that a
// translation can hook in at one place later.

// Progress is one step of a search, reported before the step is consulted.
type Progress struct {
	Source Source
	Domain string // the domain being asked about
	MXHost string // set for the steps done on behalf of an MX host
}

// Text is the progress line for a "Looking up…" label.
func (p Progress) Text() string {
	var s string
	switch p.Source {
	case SourcePreset:
		s = "Checking Mailbell's list of mail providers for " + p.Domain + "…"
	case SourceAutoconfig:
		s = "Looking up " + p.Domain + "'s autoconfig…"
	case SourceWellKnown:
		s = "Looking up " + p.Domain + "'s autoconfig (well-known address)…"
	case SourceISPDB:
		s = "Looking up " + p.Domain + " in Thunderbird's database…"
	case SourceMX:
		s = "Looking up " + p.Domain + "'s mail host (MX)…"
	case SourceSRV:
		s = "Looking up " + p.Domain + "'s DNS SRV records…"
	case SourceGuess:
		s = "Trying imap." + p.Domain + " and mail." + p.Domain + "…"
	default:
		s = "Looking up " + p.Domain + "…"
	}
	if p.MXHost != "" {
		s = strings.TrimSuffix(s, "…") + " (mail host " + p.MXHost + ")…"
	}
	return s
}

// Describe says in words what was found and where from, e.g.
// "Found: imap.example.com, port 993, TLS — from example.com's autoconfig".
// When the provider needs OAuth2 sign-in a second sentence says so.
func (r Result) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Found: %s, port %d, %s — %s", r.Host, r.Port, securityWords(r.Security), r.origin())
	if s := r.authWords(); s != "" {
		b.WriteString(". ")
		b.WriteString(s)
	}
	return b.String()
}

func (r Result) origin() string {
	if r.MXHost != "" {
		switch r.Source {
		case SourcePreset:
			return r.AddressDomain + "'s mail is hosted by " + r.Provider + " (mail host " + r.MXHost + ")"
		case SourceISPDB:
			return "from Thunderbird's database for " + r.Domain + ", the mail host of " + r.AddressDomain
		default:
			return "from " + r.Domain + "'s autoconfig, the mail host of " + r.AddressDomain
		}
	}
	switch r.Source {
	case SourcePreset:
		return "from Mailbell's settings for " + r.Provider
	case SourceAutoconfig, SourceWellKnown:
		return "from " + r.Domain + "'s autoconfig"
	case SourceISPDB:
		return "from Thunderbird's database for " + r.Domain
	case SourceSRV:
		return "from " + r.Domain + "'s DNS SRV record"
	case SourceGuess:
		return "guessed, and the server answered"
	}
	return "from " + r.Domain
}

func (r Result) authWords() string {
	who := oauth2Words(r.OAuth2Provider)
	switch r.Auth {
	case AuthOAuth2:
		if who == "" {
			return "Needs OAuth2 sign-in"
		}
		return "Needs sign-in with " + who
	case AuthOAuth2OrPassword:
		if who == "" {
			return "Sign in with OAuth2, or use a password"
		}
		return "Sign in with " + who + ", or use an app password"
	}
	return ""
}

func oauth2Words(p OAuth2Provider) string {
	switch p {
	case OAuth2Google:
		return "Google"
	case OAuth2Microsoft:
		return "Microsoft"
	}
	return ""
}

func securityWords(s mail.Security) string {
	switch s {
	case mail.SecurityTLS:
		return "TLS"
	case mail.SecuritySTARTTLS:
		return "STARTTLS"
	case mail.SecurityPlain:
		return "no encryption"
	}
	return strconv.Quote(string(s))
}
