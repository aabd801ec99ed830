package goa

import (
	"fmt"
	"log/slog"
	"time"
)

// AuthKind says how an account signs in to IMAP. Its values are the ones
// the config's "auth" field and mail.CredentialKind.String use.
type AuthKind string

const (
	// AuthOAuth2: an OAuth2 access token from OAuth2Based.GetAccessToken
	// (Google, Microsoft); IMAP AUTHENTICATE XOAUTH2 or OAUTHBEARER.
	AuthOAuth2 AuthKind = "oauth2"
	// AuthPassword: the IMAP password from PasswordBased.GetPassword
	// ("IMAP and SMTP" accounts); IMAP LOGIN or PLAIN.
	AuthPassword AuthKind = "password"
)

// Secret is what Credential returns for one login. It is fetched fresh for
// every login and must not be kept: goa-daemon refreshes tokens itself. Its
// String, GoString, Format and LogValue never show Value.
type Secret struct {
	Kind  AuthKind
	Value string // the access token or the password
	// ExpiresIn is the access token's remaining lifetime as goa-daemon
	// reported it (0 for a password, or when goa-daemon does not know).
	ExpiresIn time.Duration
}

func (c Secret) String() string { return string(c.Kind) + " [redacted]" }
func (c Secret) GoString() string {
	return "goa.Secret{Kind: " + string(c.Kind) + ", Value: [redacted]}"
}
func (c Secret) LogValue() slog.Value       { return slog.StringValue(c.String()) }
func (c Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }
