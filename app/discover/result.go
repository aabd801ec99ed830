package discover

import (
	"errors"
	"fmt"
	"strings"

	"mailbell/mail"
)

// Source says where a setting came from, and names each step of the search.
type Source int

// The sources, in the order Lookup consults them.
const (
	SourcePreset     Source = iota + 1 // the presets bundled in this package
	SourceAutoconfig                   // https://autoconfig.DOMAIN/mail/config-v1.1.xml
	SourceWellKnown                    // https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml
	SourceISPDB                        // Thunderbird's ISPDB
	SourceMX                           // the domain's MX record (a step; a Result found through it has MXHost set)
	SourceSRV                          // DNS SRV, RFC 6186
	SourceGuess                        // imap./mail.DOMAIN, verified by connecting
)

func (s Source) String() string {
	switch s {
	case SourcePreset:
		return "preset"
	case SourceAutoconfig:
		return "autoconfig"
	case SourceWellKnown:
		return "well-known autoconfig"
	case SourceISPDB:
		return "ISPDB"
	case SourceMX:
		return "MX"
	case SourceSRV:
		return "SRV"
	case SourceGuess:
		return "guess"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// Auth is how the found server wants the user to sign in.
type Auth string

// Auth values, spelled so that they can go into a config file as they are.
const (
	AuthPassword         Auth = "password"           // a password (for some providers an app password)
	AuthOAuth2           Auth = "oauth2"             // OAuth2 sign-in only; a password is refused
	AuthOAuth2OrPassword Auth = "oauth2-or-password" // OAuth2 sign-in, or an (app) password
)

// OAuth2Provider names who to sign in with, when Auth involves OAuth2.
type OAuth2Provider string

// The OAuth2 providers the presets know.
const (
	OAuth2Google    OAuth2Provider = "google"
	OAuth2Microsoft OAuth2Provider = "microsoft"
)

// Result is what Lookup found: enough to fill in the account form.
type Result struct {
	Host     string
	Port     int
	Security mail.Security
	Username string // the template applied: what to log in with

	Auth           Auth
	OAuth2Provider OAuth2Provider // "" when unknown or not needed
	Webmail        string         // the provider's webmail page, "" when unknown

	Source        Source
	AddressDomain string // the domain of the address looked up
	Domain        string // whose data answered: AddressDomain, or the MX host's registrable domain
	Provider      string // the preset's name ("Gmail", "Google Workspace"), for SourcePreset
	MXHost        string // the MX host, when found through the MX record
}

// ErrNotFound is matched (errors.Is) by the error Lookup returns when no
// source gave a usable answer.
var ErrNotFound = errors.New("no IMAP settings found")

// Attempt is one source that was asked and why it did not answer.
type Attempt struct {
	Source Source
	Domain string // the domain it was asked about
	Err    error
}

// NotFoundError lists what was tried, for a log or an "Edit manually" hint.
// It matches ErrNotFound.
type NotFoundError struct {
	Domain   string
	Attempts []Attempt
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s for %s", ErrNotFound, e.Domain)
	for i, a := range e.Attempts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s (%s): %v", a.Source, a.Domain, a.Err)
	}
	return b.String()
}

// Unwrap gives the attempts' errors, so errors.Is and errors.As see them.
func (e *NotFoundError) Unwrap() []error {
	errs := make([]error, 0, len(e.Attempts))
	for _, a := range e.Attempts {
		errs = append(errs, a.Err)
	}
	return errs
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
