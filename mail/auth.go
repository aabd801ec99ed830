package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Sentinel errors of OAuth2 sign-in. Errors returned by this package wrap them.
var (
	// ErrTokenRejected: the server refused the OAuth2 access token as no
	// longer valid (expired, revoked, for another user). Permanent: by the
	// time a caller sees it the login was already retried once with a fresh
	// token (see TokenRejecter), so the remedy is to sign in again.
	ErrTokenRejected = errors.New("sign-in token rejected")
	// ErrAccessRefused: the server took the sign-in but refuses this account
	// IMAP access (IMAP switched off, no mailbox, a scope missing).
	// Permanent: no new token changes it.
	ErrAccessRefused = errors.New("server refused IMAP access for this account")
	// ErrTokenExpired: the server ended a working session because its access
	// token expired (Microsoft's "* BYE … AccessTokenExpired"). Transient and
	// not the user's business: reconnect with a fresh token, quietly.
	ErrTokenExpired = errors.New("sign-in token expired during the session")
)

// CredentialKind says what a Credential holds.
type CredentialKind int

const (
	// CredentialPassword is a password: LOGIN or AUTHENTICATE PLAIN.
	CredentialPassword CredentialKind = iota + 1
	// CredentialOAuth2 is an OAuth2 access token (Bearer): AUTHENTICATE
	// OAUTHBEARER when the server offers it, else XOAUTH2.
	CredentialOAuth2
)

func (k CredentialKind) String() string {
	switch k {
	case CredentialPassword:
		return "password"
	case CredentialOAuth2:
		return "oauth2"
	}
	return fmt.Sprintf("CredentialKind(%d)", int(k))
}

// Credential is the secret for one login. Its String, GoString and LogValue
// never show the secret, so a stray %v or slog attribute cannot leak it.
type Credential struct {
	Kind   CredentialKind
	Secret string // the password or the access token
}

func (c Credential) String() string { return c.Kind.String() + " [redacted]" }
func (c Credential) GoString() string {
	return "mail.Credential{Kind: " + c.Kind.String() + ", Secret: [redacted]}"
}
func (c Credential) LogValue() slog.Value       { return slog.StringValue(c.String()) }
func (c Credential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Credentials supplies the secret for each login: mail asks at every login
// attempt (connect and every reconnect), uses the answer for that login
// only, and never stores, logs or traces it. mail never learns where it
// comes from (keyring, command, token manager, GNOME Online Accounts).
//
// An error is returned wrapped. It stops the watcher when it wraps one of
// the permanent sentinels (ErrNoPassword, ErrTokenRejected, ErrConfig, …;
// see IsPermanent), e.g. a refresh token refused with invalid_grant should
// be reported as fmt.Errorf("%w: sign in again", ErrTokenRejected). Any
// other error (a token endpoint that is down) is retried with backoff like
// an unreachable server.
type Credentials interface {
	Credential(ctx context.Context) (Credential, error)
}

// TokenRejecter is implemented by Credentials whose access tokens can be
// renewed. When the server refuses a token as no longer valid, mail calls
// TokenRejected with that token, then asks Credential once more and logs in
// again on a new connection; a second refusal is final (ErrTokenRejected).
// TokenRejected (its context bounded by the dial timeout) must drop token
// from any cache so that the next Credential call refreshes; several
// watchers of one account may report the same token, so refresh only when
// token is still the current one. A refresh that fails for good (the
// refresh token refused with invalid_grant) is reported by the next
// Credential call as an error wrapping ErrTokenRejected.
type TokenRejecter interface {
	TokenRejected(ctx context.Context, token string)
}

// PasswordFunc adapts a function that returns a password (the keyring, a
// password_command). Its errors wrap ErrNoPassword: permanent.
type PasswordFunc func(ctx context.Context) (string, error)

// Credential implements Credentials.
func (f PasswordFunc) Credential(ctx context.Context) (Credential, error) {
	pw, err := f(ctx)
	if err != nil {
		if IsPermanent(err) {
			return Credential{}, err
		}
		return Credential{}, fmt.Errorf("%w: %v", ErrNoPassword, err)
	}
	return Credential{Kind: CredentialPassword, Secret: pw}, nil
}

// TokenFunc adapts a function that returns a fresh access token at every
// call (a token_command, GOA's GetAccessToken). It has no cache, so after a
// rejection it is simply called once more. Its errors are passed on as they
// are (transient unless they wrap a permanent sentinel).
type TokenFunc func(ctx context.Context) (string, error)

// Credential implements Credentials.
func (f TokenFunc) Credential(ctx context.Context) (Credential, error) {
	tok, err := f(ctx)
	if err != nil {
		return Credential{}, err
	}
	return Credential{Kind: CredentialOAuth2, Secret: tok}, nil
}

// TokenRejected implements TokenRejecter: nothing to drop.
func (f TokenFunc) TokenRejected(context.Context, string) {}

// credentials is where this account's secret comes from: Credentials, else
// the Password function.
func (a Account) credentials() Credentials {
	if a.Credentials != nil {
		return a.Credentials
	}
	if a.Password != nil {
		return PasswordFunc(a.Password)
	}
	return nil
}
