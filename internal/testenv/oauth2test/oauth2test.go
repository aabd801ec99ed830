// Package oauth2test runs a real OAuth2 server on 127.0.0.1 for tests:
// github.com/oauth2-proxy/mockoidc (authorization code with PKCE, refresh,
// JWT access tokens) plus a tokeninfo endpoint that Dovecot's oauth2 passdb
// (tokeninfo_url) asks whether a token is valid.
//
// It smooths mockoidc's quirks: expires_in is sent in seconds (mockoidc
// sends nanoseconds, so golang.org/x/oauth2 thinks a token lives 68 years),
// an expired or revoked refresh token gets invalid_grant (mockoidc says
// invalid_request), its scopes are registered, and every handler runs under
// one lock (mockoidc's session store is a plain map). It adds revocation
// (Revoke), rotation of refresh tokens (Options.Rotate, as Microsoft does)
// and counters. The package does not import "testing".
package oauth2test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"
)

// Scope is the scope a mail client asks for here (the role of Google's
// https://mail.google.com/ or Microsoft's IMAP.AccessAsUser.All).
const Scope = "imap"

// ScopeOffline asks for a refresh token, as Microsoft's offline_access.
const ScopeOffline = "offline_access"

var registerScopes sync.Once

// Options configure a Server. The zero value is usable.
type Options struct {
	// AccessTTL is the lifetime of an access token (default 10 min).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh token (default 1 h).
	RefreshTTL time.Duration
	// Rotate makes every refresh return a new refresh token and revoke the
	// one used, as Microsoft does (mockoidc alone returns the same one).
	Rotate bool
}

// Server is the OAuth2 server and its tokeninfo endpoint.
type Server struct {
	opts    Options
	m       *mockoidc.MockOIDC
	info    *http.Server
	infoURL string

	mintMu  sync.Mutex // one Mint at a time (mockoidc's user queue)
	mu      sync.Mutex // every handler: mockoidc's state is not safe for concurrent use
	revoked map[string]bool
	refresh map[string]bool // refresh tokens handed out (refused by tokeninfo)
	serial  int             // makes every token signed here unique

	tokenCalls     atomic.Int64
	refreshCalls   atomic.Int64
	tokeninfoCalls atomic.Int64
	tokeninfoFails atomic.Int64
}

// Start starts both servers on 127.0.0.1 with free ports.
func Start(opts Options) (*Server, error) {
	registerScopes.Do(func() {
		for _, sc := range []string{Scope, ScopeOffline} {
			if !slices.Contains(mockoidc.ScopesSupported, sc) {
				mockoidc.ScopesSupported = append(mockoidc.ScopesSupported, sc)
			}
		}
	})
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return nil, fmt.Errorf("oauth2test: %w", err)
	}
	if opts.AccessTTL > 0 {
		m.AccessTTL = opts.AccessTTL
	}
	if opts.RefreshTTL > 0 {
		m.RefreshTTL = opts.RefreshTTL
	}
	if m.AccessTTL == m.RefreshTTL {
		// mockoidc would sign the same claims for both.
		return nil, errors.New("oauth2test: AccessTTL and RefreshTTL must differ")
	}
	m.CodeChallengeMethodsSupported = []string{mockoidc.CodeChallengeMethodS256}
	s := &Server{opts: opts, m: m, revoked: map[string]bool{}, refresh: map[string]bool{}}
	if err := m.AddMiddleware(s.serialize); err != nil {
		return nil, fmt.Errorf("oauth2test: %w", err)
	}
	if err := m.AddMiddleware(s.fixToken); err != nil {
		return nil, fmt.Errorf("oauth2test: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth2test: %w", err)
	}
	if err := m.Start(ln, nil); err != nil {
		ln.Close()
		return nil, fmt.Errorf("oauth2test: %w", err)
	}
	if err := s.startTokeninfo(); err != nil {
		_ = m.Shutdown()
		return nil, err
	}
	return s, nil
}

// TB is the part of testing.TB that StartT needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// StartT starts a server that is closed when the test ends.
func StartT(t TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Close stops both servers.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(s.m.Server.Shutdown(ctx), s.info.Shutdown(ctx))
}

// ClientID and ClientSecret are the only client the server knows. The token
// endpoint wants the secret (mockoidc), as Google's does for desktop apps.
func (s *Server) ClientID() string     { return s.m.ClientID }
func (s *Server) ClientSecret() string { return s.m.ClientSecret }

// AuthURL, TokenURL and Issuer are the server's endpoints.
func (s *Server) AuthURL() string  { return s.m.AuthorizationEndpoint() }
func (s *Server) TokenURL() string { return s.m.TokenEndpoint() }
func (s *Server) Issuer() string   { return s.m.Issuer() }

// TokenInfoURL is the tokeninfo endpoint with the token to be appended, as
// Dovecot's tokeninfo_url wants it: GET URL+TOKEN answers 200
// {"email": USER, "sub": USER} for a valid access token, else 401.
func (s *Server) TokenInfoURL() string { return s.infoURL }

// Config is an x/oauth2 configuration for this server with the given
// redirect URL (a loopback listener of the caller's).
func (s *Server) Config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     s.m.ClientID,
		ClientSecret: s.m.ClientSecret,
		Endpoint: oauth2.Endpoint{AuthURL: s.AuthURL(), TokenURL: s.TokenURL(),
			AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: redirectURL,
		Scopes:      []string{Scope, ScopeOffline},
	}
}

// Revoke makes an access or refresh token invalid from now on: tokeninfo
// answers 401, a refresh with it gets invalid_grant.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	s.revoked[token] = true
	s.mu.Unlock()
}

// FastForward moves the server's clock: FastForward(AccessTTL) expires
// every access token issued so far.
func (s *Server) FastForward(d time.Duration) {
	s.mu.Lock()
	s.m.FastForward(d)
	s.mu.Unlock()
}

// FailNext makes the next n requests to any of mockoidc's endpoints answer status
// with the OAuth2 error code (e.g. 503 "temporarily_unavailable").
func (s *Server) FailNext(n int, status int, code string) {
	for range n {
		s.m.QueueError(&mockoidc.ServerError{Code: status, Error: code, Description: "injected by oauth2test"})
	}
}

// Counts are how often each endpoint was asked.
type Counts struct {
	Token, Refresh, Tokeninfo, TokeninfoRefused int64
}

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	return Counts{Token: s.tokenCalls.Load(), Refresh: s.refreshCalls.Load(),
		Tokeninfo: s.tokeninfoCalls.Load(), TokeninfoRefused: s.tokeninfoFails.Load()}
}
