package goa

import "errors"

// Error is a reason an Online Accounts account cannot sign in right now
// that the user has to resolve. Its text is the sentence to show them, so
// it is capitalised and carries no secret. The values are constants, so
// errors.Is matches them through any wrapping.
type Error string

func (e Error) Error() string { return string(e) }

const (
	// ErrNoGOA: nothing answers as org.gnome.OnlineAccounts on the session
	// bus (no session bus at all, goa-daemon not installed or not
	// activatable, or it failed to start). The cause is wrapped beside it.
	ErrNoGOA Error = "GNOME Online Accounts is not available on this desktop"
	// ErrAccountGone: goa-daemon runs but holds no account with this Id:
	// the user removed it in Settings → Online Accounts.
	ErrAccountGone Error = "This account was removed from Online Accounts — add it again or remove it here"
	// ErrAttentionNeeded: goa-daemon flags the account AttentionNeeded, or
	// refused it with NotAuthorized (expired or revoked sign-in, changed
	// password). The remedy is in Settings → Online Accounts.
	ErrAttentionNeeded Error = "Online Accounts needs you to sign in again"
	// ErrMailDisabled: the account is still there but its Mail switch is
	// off in Online Accounts (or it lost its IMAP settings).
	ErrMailDisabled Error = "Mail is switched off for this account in Online Accounts"
	// ErrUnsupported: the account signs in neither with OAuth2 nor with a
	// password (OAuth 1, Kerberos), so there is nothing to give IMAP.
	ErrUnsupported Error = "This Online Accounts account signs in in a way Mailbell cannot use"
)

// NeedsAttention reports whether err is one the user must resolve (any of
// this package's Error values, wrapped or not) rather than a transient
// failure to retry with backoff (goa-daemon could not reach the provider's
// token endpoint, a call timed out). Every error List and Credential return
// is one or the other; none of them is a reason to crash.
func NeedsAttention(err error) bool {
	var e Error
	return errors.As(err, &e)
}
