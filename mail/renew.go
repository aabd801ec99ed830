package mail

import (
	"errors"
	"time"
)

// Expirer is implemented by Credentials whose access tokens expire (an
// OAuth2 token manager). The server checks a token at login only, but some
// (Microsoft) end a session whose token expired with "* BYE …
// AccessTokenExpired"; a watcher holding a long IDLE therefore renews its
// login shortly before Expiry, on a new connection, without any state the
// user would see as trouble. A zero time means no known expiry.
type Expirer interface {
	Expiry() time.Time
}

// DefaultTokenRenewAhead is how long before its access token expires a
// session logs in again (Options.TokenRenewAhead).
const DefaultTokenRenewAhead = time.Minute

// errRenewLogin ends an IDLE whose access token is about to expire; it
// wraps ErrTokenExpired, so Run reconnects at once and quietly.
var errRenewLogin = wrapTokenExpired("access token about to expire: logging in again")

func wrapTokenExpired(why string) error { return &renewError{why} }

type renewError struct{ why string }

func (e *renewError) Error() string { return e.why + ": " + ErrTokenExpired.Error() }
func (e *renewError) Unwrap() error { return ErrTokenExpired }

// noteTokenExpiry records, after a login with an access token, when that
// token expires (zero when the Credentials do not say).
func (s *session) noteTokenExpiry() {
	if !s.oauth {
		return
	}
	if e, ok := s.acct.credentials().(Expirer); ok {
		s.tokenExpiry = e.Expiry()
		s.loginAt = time.Now()
	}
}

// renewIn is how long this session may idle before its login must be
// renewed: until TokenRenewAhead before the token's expiry, but never less
// than half of what the token had left at login (a short-lived token must
// not make the watcher reconnect in a loop). ok is false when the session
// has no known token expiry.
func (s *session) renewIn(now time.Time) (d time.Duration, ok bool) {
	if s.tokenExpiry.IsZero() {
		return 0, false
	}
	left := s.tokenExpiry.Sub(s.loginAt)
	ahead := min(s.opts.TokenRenewAhead, left/2)
	return max(s.tokenExpiry.Add(-ahead).Sub(now), 0), true
}

// quietRenewal reports whether Run reconnects at once, without a backoff
// state: the session ended because its access token expired, after it had
// been ready for at least minUp (a server that says AccessTokenExpired
// right after every login still backs off).
func quietRenewal(err error, healthySince time.Time, minUp time.Duration) bool {
	return errors.Is(err, ErrTokenExpired) && !healthySince.IsZero() && time.Since(healthySince) >= minUp
}
