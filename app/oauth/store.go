package oauth

import "context"

// RefreshStore keeps one account's refresh token. The core backs it with
// the keyring (its own entry per account, beside the password's); tests
// with memory. Its methods are called from watcher and sign-in goroutines,
// never from the core's loop or the UI goroutine.
type RefreshStore interface {
	// Get returns the stored refresh token, or "" and a nil error when
	// there is none (never signed in, or signed out). Any other error is
	// passed on to the watcher: transient unless it wraps a permanent mail
	// sentinel (mail.IsPermanent).
	Get(ctx context.Context) (string, error)
	// Set stores (or replaces) the refresh token.
	Set(ctx context.Context, refreshToken string) error
}
