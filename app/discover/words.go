package discover

import (
	"strconv"
	"strings"

	"mailbell/app/l10n"
	"mailbell/mail"
)

// Every sentence this package shows to a person is in this file, in the
// catalogue's words (app/l10n, window.*.json: "discover.*"). Host names,
// domains, provider names and protocol words (TLS, STARTTLS, MX, SRV)
// are placeholders or stay as they are in every language.

// Progress is one step of a search, reported before the step is consulted.
type Progress struct {
	Source Source
	Domain string // the domain being asked about
	MXHost string // set for the steps done on behalf of an MX host
}

// Text is the progress line for a "Looking up…" label.
func (p Progress) Text() string {
	args := l10n.Args{"Domain": p.Domain}
	var s string
	switch p.Source {
	case SourcePreset:
		s = l10n.T("discover.progress.preset", args)
	case SourceAutoconfig:
		s = l10n.T("discover.progress.autoconfig", args)
	case SourceWellKnown:
		s = l10n.T("discover.progress.well_known", args)
	case SourceISPDB:
		s = l10n.T("discover.progress.ispdb", args)
	case SourceMX:
		s = l10n.T("discover.progress.mx", args)
	case SourceSRV:
		s = l10n.T("discover.progress.srv", args)
	case SourceGuess:
		s = l10n.T("discover.progress.guess", args)
	default:
		s = l10n.T("discover.progress.other", args)
	}
	if p.MXHost != "" {
		s = l10n.T("discover.progress.for_mx_host", l10n.Args{"Step": strings.TrimSuffix(s, "…"), "MXHost": p.MXHost})
	}
	return s
}

// Describe says in words what was found and where from, e.g.
// "Found: imap.example.com, port 993, TLS — from example.com's autoconfig".
// When the provider needs OAuth2 sign-in a second sentence says so.
func (r Result) Describe() string {
	found := l10n.T("discover.found", l10n.Args{
		"Host": r.Host, "Port": strconv.Itoa(r.Port), "Security": securityWords(r.Security), "Origin": r.origin(),
	})
	if s := r.authWords(); s != "" {
		return l10n.T("discover.found_and_auth", l10n.Args{"Found": found, "Auth": s})
	}
	return found
}

func (r Result) origin() string {
	args := l10n.Args{"Domain": r.Domain, "AddressDomain": r.AddressDomain, "Provider": r.Provider, "MXHost": r.MXHost}
	if r.MXHost != "" {
		switch r.Source {
		case SourcePreset:
			return l10n.T("discover.origin.preset_mx", args)
		case SourceISPDB:
			return l10n.T("discover.origin.ispdb_mx", args)
		default:
			return l10n.T("discover.origin.autoconfig_mx", args)
		}
	}
	switch r.Source {
	case SourcePreset:
		return l10n.T("discover.origin.preset", args)
	case SourceAutoconfig, SourceWellKnown:
		return l10n.T("discover.origin.autoconfig", args)
	case SourceISPDB:
		return l10n.T("discover.origin.ispdb", args)
	case SourceSRV:
		return l10n.T("discover.origin.srv", args)
	case SourceGuess:
		return l10n.T("discover.origin.guess")
	}
	return l10n.T("discover.origin.other", args)
}

func (r Result) authWords() string {
	who := oauth2Words(r.OAuth2Provider)
	switch r.Auth {
	case AuthOAuth2:
		if who == "" {
			return l10n.T("discover.auth.oauth2")
		}
		return l10n.T("discover.auth.oauth2_with", l10n.Args{"Provider": who})
	case AuthOAuth2OrPassword:
		if who == "" {
			return l10n.T("discover.auth.oauth2_or_password")
		}
		return l10n.T("discover.auth.oauth2_with_or_app_password", l10n.Args{"Provider": who})
	}
	return ""
}

// oauth2Words is a provider's product name (the same in every language).
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
		return l10n.T("discover.security.none")
	}
	return strconv.Quote(string(s))
}
