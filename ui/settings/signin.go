package settings

import (
	"context"

	"mailbell/app/config"
	"mailbell/app/discover"
)

// SignIn is the OAuth2 sign-in the first-run window offers as "Sign in with
// Google" (or Microsoft) when discovery says the provider wants it. The
// window only shows the button and calls it off the UI goroutine; the
// browser flow and storing the token (through the core, the secrets'
// only writer) are the implementation's.
type SignIn interface {
	// Available reports whether this build can sign in with provider
	// (a build without the provider's client ID cannot).
	Available(provider discover.OAuth2Provider) bool
	// SignIn signs a in with provider and returns the account as it is
	// to be saved (its auth settings filled in), once the token is stored.
	// Ending ctx (the person cancelled, the window closed) ends it.
	SignIn(ctx context.Context, provider discover.OAuth2Provider, a config.Account) (config.Account, error)
}

// NeedsSignIn reports whether a found server wants OAuth2 sign-in: only
// (password refused) or as the first offer beside an app password.
func NeedsSignIn(r discover.Result) (only, offered bool) {
	switch r.Auth {
	case discover.AuthOAuth2:
		return true, true
	case discover.AuthOAuth2OrPassword:
		return false, true
	}
	return false, false
}
