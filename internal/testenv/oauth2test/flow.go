package oauth2test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"
)

// Mint signs user in through the real flow, as a desktop app does: a
// loopback redirect listener on 127.0.0.1, authorization code with PKCE
// (S256) and a random state, the "browser" an http.Client that follows the
// server's 302 to the listener, then the code exchanged for tokens. email
// is what tokeninfo will answer for the token (Dovecot compares it with
// the login name).
func (s *Server) Mint(ctx context.Context, email string) (*oauth2.Token, error) {
	ln, err := listen()
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	type result struct {
		code, state string
	}
	got := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- result{r.URL.Query().Get("code"), r.URL.Query().Get("state")}:
		default:
		}
		fmt.Fprintln(w, "Signed in. You can close this page.")
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	cfg := s.Config("http://" + ln.Addr().String() + "/")
	verifier := oauth2.GenerateVerifier()
	state := oauth2.GenerateVerifier()[:16]
	// mockoidc hands the next authorization to the first queued user:
	// queue and authorize under one lock so parallel mints do not swap.
	s.mintMu.Lock()
	s.m.QueueUser(&mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true})
	err = Browse(ctx, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("login_hint", email)))
	s.mintMu.Unlock()
	if err != nil {
		return nil, err
	}
	var res result
	select {
	case res = <-got:
	case <-ctx.Done():
		return nil, fmt.Errorf("oauth2test: no redirect: %w", ctx.Err())
	}
	if res.state != state {
		return nil, errors.New("oauth2test: state mismatch in the redirect")
	}
	tok, err := cfg.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("oauth2test: exchange: %w", err)
	}
	return tok, nil
}

// Browse plays the user's browser: it GETs url and follows redirects (to
// a loopback redirect listener), as a test's stand-in for BROWSER or
// xdg-open. The final page must answer 2xx.
func Browse(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("oauth2test: browse: %w", err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("oauth2test: browse: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("oauth2test: browse: %s answered %s", resp.Request.URL.Host, resp.Status)
	}
	return nil
}

// Refresh exchanges a refresh token for a new access token (and, with
// Options.Rotate, a new refresh token).
func (s *Server) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	ts := s.Config("").TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	return ts.Token()
}

func listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth2test: %w", err)
	}
	return ln, nil
}
