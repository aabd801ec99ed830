package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"mailbell/mail"
)

// Defaults of ManagerOptions.
const (
	DefaultRefreshAhead   = 2 * time.Minute
	DefaultRefreshTimeout = 30 * time.Second
)

// ManagerOptions configure a Manager. Store is required.
type ManagerOptions struct {
	// Store keeps the account's refresh token (the keyring).
	Store RefreshStore
	// Account names the account in log records (its id, not a secret).
	Account string
	// HTTPClient talks to the token endpoint (nil: http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives what the manager does, never a token (nil: slog.Default()).
	Logger *slog.Logger
	// Now is the clock that decides when a token is due (nil: time.Now).
	Now func() time.Time
	// RefreshAhead: an access token with less than this left is refreshed
	// before it is handed out (default 2 min).
	RefreshAhead time.Duration
	// RefreshTimeout bounds one refresh (default 30 s). A refresh runs on
	// its own and is shared by every caller waiting for it, so one
	// caller's cancelled context does not fail the others.
	RefreshTimeout time.Duration
}

// Manager keeps one account's OAuth2 tokens: it implements mail.Credentials
// and mail.TokenRejecter. The access token is kept in memory only; the
// refresh token is read from the Store and written back every time the
// provider rotates it. At most one refresh runs at a time: concurrent
// callers (several watched folders) wait for it and share its result.
// Safe for concurrent use.
type Manager struct {
	cfg  *oauth2.Config
	opts ManagerOptions
	log  *slog.Logger

	mu      sync.Mutex
	access  string    // current access token, "" when none
	expiry  time.Time // its expiry; zero means the provider gave none
	refresh string    // the refresh token last read or received
	unsaved bool      // refresh is newer than the store's copy (a Set failed)
	dead    string    // a refresh token the provider refused: not sent again
	deadErr error
	flight  *flight // the refresh in progress
}

// flight is one refresh, shared by everyone waiting on done.
type flight struct {
	done   chan struct{}
	access string
	err    error
}

var (
	_ mail.Credentials   = (*Manager)(nil)
	_ mail.TokenRejecter = (*Manager)(nil)
)

// NewManager returns the token manager of an account signed in with p.
func NewManager(p Provider, opts ManagerOptions) *Manager {
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RefreshAhead <= 0 {
		opts.RefreshAhead = DefaultRefreshAhead
	}
	if opts.RefreshTimeout <= 0 {
		opts.RefreshTimeout = DefaultRefreshTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Manager{cfg: p.config(""), opts: opts, log: log.With("account", opts.Account)}
}

// Credential implements mail.Credentials: the current access token, or a
// fresh one when it has less than RefreshAhead left or was rejected.
// Errors: ErrSignInExpired or ErrNotSignedIn (permanent: wrap
// mail.ErrTokenRejected), ErrClientRefused (permanent: wraps
// mail.ErrConfig), ErrTokenEndpoint (transient), a store error, or ctx's.
func (m *Manager) Credential(ctx context.Context) (mail.Credential, error) {
	m.mu.Lock()
	if m.fresh() {
		tok := m.access
		m.mu.Unlock()
		return mail.Credential{Kind: mail.CredentialOAuth2, Secret: tok}, nil
	}
	f := m.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		m.flight = f
		go m.run(f)
	}
	m.mu.Unlock()
	select {
	case <-f.done:
	case <-ctx.Done():
		return mail.Credential{}, fmt.Errorf("waiting for a token refresh: %w", ctx.Err())
	}
	if f.err != nil {
		return mail.Credential{}, f.err
	}
	return mail.Credential{Kind: mail.CredentialOAuth2, Secret: f.access}, nil
}

// TokenRejected implements mail.TokenRejecter: the server refused token,
// so it is dropped and the next Credential call refreshes. A token that is
// no longer the current one (another watcher reported it first, or it was
// refreshed since) changes nothing.
func (m *Manager) TokenRejected(_ context.Context, token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if token != "" && token == m.access {
		m.access, m.expiry = "", time.Time{}
		m.log.Info("oauth2: access token rejected by the server; the next login refreshes it")
	}
}

// Expiry is when the current access token expires: zero when there is
// none, or when the provider gave no lifetime. A watcher holding a long
// IDLE renews its login (reconnects) before then.
func (m *Manager) Expiry() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.access == "" {
		return time.Time{}
	}
	return m.expiry
}

// SignedIn installs the tokens of a sign-in that just succeeded: the
// refresh token is saved to the Store, the access token kept in memory,
// and a refused refresh token forgotten. The sign-in flows do not call it:
// the caller does, with Result.Token.
func (m *Manager) SignedIn(ctx context.Context, tok *oauth2.Token) error {
	if tok == nil || tok.RefreshToken == "" {
		return ErrNoRefreshToken
	}
	if err := m.opts.Store.Set(ctx, tok.RefreshToken); err != nil {
		return fmt.Errorf("saving the refresh token: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refresh, m.unsaved, m.dead, m.deadErr = tok.RefreshToken, false, "", nil
	m.access, m.expiry = tok.AccessToken, tok.Expiry
	return nil
}

// fresh reports whether the access token can be handed out as it is.
// Called with m.mu held.
func (m *Manager) fresh() bool {
	if m.access == "" {
		return false
	}
	return m.expiry.IsZero() || m.opts.Now().Add(m.opts.RefreshAhead).Before(m.expiry)
}

// usable reports whether the access token has not expired yet (it may be
// inside RefreshAhead). Called with m.mu held.
func (m *Manager) usable() bool {
	return m.access != "" && (m.expiry.IsZero() || m.opts.Now().Before(m.expiry))
}

// run performs one refresh for everyone waiting on f.
func (m *Manager) run(f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.RefreshTimeout)
	defer cancel()
	tok, err := m.refreshOnce(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case err == nil:
		m.access, m.expiry = tok.AccessToken, tok.Expiry
		f.access = tok.AccessToken
	case !mail.IsPermanent(err) && m.usable():
		// The endpoint is down but the token still has a little time:
		// use it; the next login tries again.
		m.log.Warn("oauth2: refresh failed, using the current access token until it expires", "error", err, "expires_in", m.expiry.Sub(m.opts.Now()).Round(time.Second))
		f.access = m.access
	default:
		f.err = err
	}
	m.flight = nil
	close(f.done)
}

// refreshOnce reads the refresh token (the Store is the truth, unless the
// manager holds a rotated one it could not save), exchanges it, and saves
// a rotated one.
func (m *Manager) refreshOnce(ctx context.Context) (*oauth2.Token, error) {
	m.mu.Lock()
	rt, unsaved := m.refresh, m.unsaved
	m.mu.Unlock()
	if unsaved {
		m.save(ctx, rt)
	} else {
		stored, err := m.opts.Store.Get(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the refresh token: %w", err)
		}
		if stored == "" {
			return nil, ErrNotSignedIn
		}
		rt = stored
	}
	m.mu.Lock()
	dead, deadErr := m.dead, m.deadErr
	m.refresh = rt
	m.mu.Unlock()
	if rt == dead {
		return nil, deadErr // refused before: no request, no retry storm
	}

	m.log.Debug("oauth2: refreshing the access token")
	ctx = context.WithValue(ctx, oauth2.HTTPClient, m.opts.HTTPClient)
	tok, err := m.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		err = classify(err, ErrSignInExpired, rt, m.cfg.ClientSecret)
		if errors.Is(err, ErrSignInExpired) {
			m.mu.Lock()
			m.dead, m.deadErr = rt, err
			m.mu.Unlock()
			m.log.Warn("oauth2: the provider refused the refresh token; sign in again", "error", err)
		} else {
			m.log.Warn("oauth2: token refresh failed", "error", err)
		}
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, fmt.Errorf("%w: the answer held no access token", ErrTokenEndpoint)
	}
	if tok.RefreshToken != "" && tok.RefreshToken != rt {
		m.mu.Lock()
		m.refresh, m.unsaved = tok.RefreshToken, true
		m.mu.Unlock()
		m.save(ctx, tok.RefreshToken)
	}
	attrs := []any{"rotated", tok.RefreshToken != rt}
	if !tok.Expiry.IsZero() {
		attrs = append(attrs, "expires_in", time.Until(tok.Expiry).Round(time.Second))
	}
	m.log.Info("oauth2: access token refreshed", attrs...)
	return tok, nil
}

// save writes a rotated refresh token to the Store. On failure the token
// stays in memory (unsaved) and the next refresh tries again: with
// Microsoft the old one is already void.
func (m *Manager) save(ctx context.Context, rt string) {
	if err := m.opts.Store.Set(ctx, rt); err != nil {
		m.log.Warn("oauth2: could not save the new refresh token; will retry", "error", err)
		return
	}
	m.mu.Lock()
	if m.refresh == rt {
		m.unsaved = false
	}
	m.mu.Unlock()
	m.log.Debug("oauth2: new refresh token saved")
}
