package oauth

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/oauth2"

	"mailbell/app/l10n"
	"mailbell/mail"
)

// wordedError is an error whose text is written for the person reading it,
// in the current language (l10n) when it is read, and that wraps a mail
// sentinel, so the watcher classifies it (permanent or not) while the user
// reads the words.
type wordedError struct {
	words func() string
	kind  error // a mail sentinel, or nil
}

func (e *wordedError) Error() string { return e.words() }
func (e *wordedError) Unwrap() error { return e.kind }

// Errors of the token manager and the sign-in flows. The first three wrap
// permanent mail sentinels (mail.IsPermanent is true): the account stops
// until the user acts.
var (
	// ErrSignInExpired: the provider refused the refresh token
	// (invalid_grant: revoked, expired, password changed).
	ErrSignInExpired error = &wordedError{func() string { return l10n.T("state.signin_expired") }, mail.ErrTokenRejected}
	// ErrNotSignedIn: no refresh token is stored for the account.
	ErrNotSignedIn error = &wordedError{func() string { return l10n.T("oauth.err.not_signed_in") }, mail.ErrTokenRejected}
	// ErrClientRefused: the provider refused the client (invalid_client,
	// unauthorized_client) or the scopes (invalid_scope).
	ErrClientRefused error = &wordedError{func() string {
		return l10n.T("oauth.err.client_refused", l10n.Args{"Section": ReadmeClientSection})
	}, mail.ErrConfig}
	// ErrTokenEndpoint: the token endpoint could not be reached or failed
	// (5xx, 429, a network error). Transient: the watcher backs off.
	ErrTokenEndpoint error = &wordedError{func() string { return l10n.T("oauth.err.token_endpoint") }, nil}
	// ErrNoRefreshToken: a sign-in returned no refresh token (Microsoft
	// without offline_access, a provider that issues none).
	ErrNoRefreshToken error = &wordedError{func() string { return l10n.T("oauth.err.no_refresh_token") }, nil}
	// ErrAccessDenied: the user (or an administrator's policy) refused the
	// consent in the browser.
	ErrAccessDenied error = &wordedError{func() string { return l10n.T("oauth.err.access_denied") }, nil}
	// ErrStateMismatch: the browser came back with a state that is not
	// this sign-in's (a stale tab, or a forged request).
	ErrStateMismatch error = &wordedError{func() string { return l10n.T("oauth.err.state_mismatch") }, nil}
	// ErrSignInTimeout: the browser (or the device code's user) did not
	// come back in time.
	ErrSignInTimeout error = &wordedError{func() string { return l10n.T("oauth.err.timeout") }, nil}
	// ErrCodeRefused: the provider refused the code of a sign-in that
	// just happened (invalid_grant at the exchange: a wrong PKCE verifier,
	// a code used twice or too old).
	ErrCodeRefused error = &wordedError{func() string { return l10n.T("oauth.err.code_refused") }, nil}
	// ErrDeviceNotAllowed: the provider does not allow the device-code
	// flow for mail.
	ErrDeviceNotAllowed error = &wordedError{func() string { return l10n.T("oauth.err.device_not_allowed") }, nil}
)

// endpointError is an answer of the token or device endpoint, rebuilt
// from the OAuth2 error code and the HTTP status only: x/oauth2's
// RetrieveError prints the response body, which is not ours to log.
type endpointError struct {
	kind   error // one of the sentinels above
	status int
	code   string
	desc   string
}

func (e *endpointError) Error() string {
	var b strings.Builder
	b.WriteString(e.kind.Error())
	b.WriteString(" (")
	if e.code != "" {
		b.WriteString(e.code)
		if e.status != 0 {
			b.WriteString(", ")
		}
	}
	if e.status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.status)
	}
	b.WriteString(")")
	if e.desc != "" {
		b.WriteString(": ")
		b.WriteString(e.desc)
	}
	return b.String()
}

func (e *endpointError) Unwrap() error { return e.kind }

// classify turns an error of x/oauth2's token exchange into one of ours;
// invalidGrant is the kind of an invalid_grant answer (ErrSignInExpired
// for a refresh, ErrCodeRefused for a sign-in). secrets are replaced in
// the provider's description, in case it echoes what it was sent.
func classify(err, invalidGrant error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		// A network error (*url.Error names the token URL, which holds
		// no secret; the request body is not in it).
		return fmt.Errorf("%w: %s", ErrTokenEndpoint, redact(err.Error(), secrets))
	}
	e := &endpointError{kind: ErrTokenEndpoint, code: re.ErrorCode, desc: cleanDesc(redact(re.ErrorDescription, secrets))}
	if re.Response != nil {
		e.status = re.Response.StatusCode
	}
	switch re.ErrorCode {
	case "invalid_grant":
		e.kind = invalidGrant
	case "expired_token":
		e.kind = ErrSignInTimeout
	case "invalid_client", "unauthorized_client", "invalid_scope":
		e.kind = ErrClientRefused
	case "access_denied":
		e.kind = ErrAccessDenied
	}
	return e
}

// redact replaces every non-empty secret in s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// cleanDesc keeps a provider's error description readable and short
// (Microsoft's AADSTS texts are long, with trace ids).
func cleanDesc(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
