package oauth

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"mailbell/internal/testenv/oauth2test"
)

// The whole browser flow against a real OAuth2 server: PKCE S256, state,
// login_hint, the loopback redirect, the page the browser ends on, the
// exchange, the address from the ID token; the tokens work.
func TestSignInBrowser(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	var (
		mu      sync.Mutex
		shown   string
		openErr = errors.New("ShowURL not called")
	)
	showed := make(chan struct{})
	var logs logBuf
	res, err := SignInBrowser(ctx, testProvider(o), SignInOptions{
		Address:     defaultEmail,
		OpenBrowser: browser(ctx),
		ShowURL: func(u string, err error) {
			mu.Lock()
			shown, openErr = u, err
			mu.Unlock()
			close(showed)
		},
		Logger: logs.logger(),
	})
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if res.Token.RefreshToken == "" || res.Token.AccessToken == "" {
		t.Fatalf("no tokens: %v", res)
	}
	if res.Email != defaultEmail {
		t.Fatalf("Email = %q, want %q", res.Email, defaultEmail)
	}
	if !tokenOK(t, o, res.Token.AccessToken) {
		t.Fatal("the access token from the sign-in is not valid at tokeninfo")
	}
	select {
	case <-showed:
	case <-ctx.Done():
		t.Fatal("ShowURL never called")
	}
	mu.Lock()
	defer mu.Unlock()
	if openErr != nil {
		t.Fatalf("ShowURL got open error %v, want nil", openErr)
	}
	u, err := url.Parse(shown)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{"code_challenge_method": "S256", "login_hint": defaultEmail, "response_type": "code"} {
		if q.Get(k) != want {
			t.Fatalf("auth URL %s=%q, want %q", k, q.Get(k), want)
		}
	}
	if q.Get("code_challenge") == "" || len(q.Get("state")) < 32 || q.Has("code_verifier") {
		t.Fatalf("auth URL lacks a challenge or a strong state, or shows the verifier: %s", shown)
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1" || redirect.Port() == "" || redirect.Path != "/" {
		t.Fatalf("redirect_uri %q, want http://127.0.0.1:PORT/", q.Get("redirect_uri"))
	}
	// The listener is gone once the sign-in is over.
	if c, err := net.DialTimeout("tcp", redirect.Host, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still listens after the sign-in", redirect.Host)
	}
	assertNoSecret(t, "log", logs.String(), res.Token.AccessToken, res.Token.RefreshToken)
	for _, s := range []string{res.String(), fmtV(res), fmtGoV(res)} {
		assertNoSecret(t, "a printed Result", s, res.Token.AccessToken, res.Token.RefreshToken)
	}
}

// PKCE is checked by the server: the code exchanged with another verifier
// is refused (invalid_grant), and the flow then reports the code refused.
func TestSignInBrowserWrongVerifier(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	s := startBrowser(t, testProvider(o))
	loc := authorize(t, s.URL())
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in the redirect %s", loc.Redacted())
	}
	_, err := o.Config(s.RedirectURL()).Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("exchange with a wrong verifier: %v, want invalid_grant", err)
	}
	// The browser now arrives with the spent code.
	status, body, err := browse(ctx, t, s, loc.String())
	if !errors.Is(err, ErrCodeRefused) {
		t.Fatalf("Wait: %v, want ErrCodeRefused", err)
	}
	if status != 400 || !strings.Contains(body, "Sign-in failed") {
		t.Fatalf("browser page %d %q, want the failure page", status, body)
	}
	assertNoSecret(t, "error", err.Error(), code)
}

// A redirect with another state is refused with a clear page and error,
// and its code is never exchanged.
func TestSignInBrowserWrongState(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	s := startBrowser(t, testProvider(o))
	loc := authorize(t, s.URL())
	q := loc.Query()
	q.Set("state", oauth2.GenerateVerifier())
	loc.RawQuery = q.Encode()
	status, body, err := browse(ctx, t, s, loc.String())
	if !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("Wait: %v, want ErrStateMismatch", err)
	}
	if status != 400 || !strings.Contains(body, "state mismatch") {
		t.Fatalf("browser page %d %q, want a state mismatch page", status, body)
	}
	if c := o.Counts(); c.Token != 0 {
		t.Fatalf("token endpoint asked %d times, want 0", c.Token)
	}
}

// The user refuses consent: the provider redirects with
// error=access_denied, the browser shows an error page, Wait says so.
func TestSignInBrowserDenied(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	s := startBrowser(t, testProvider(o))
	auth, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	deny := s.RedirectURL() + "?" + url.Values{"error": {"access_denied"}, "error_description": {"The user said no"},
		"state": {auth.Query().Get("state")}}.Encode()
	status, body, err := browse(ctx, t, s, deny)
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "The user said no") {
		t.Fatalf("Wait: %v, want ErrAccessDenied with the provider's words", err)
	}
	if status != 400 || !strings.Contains(body, "refused in the browser") {
		t.Fatalf("browser page %d %q, want a refusal page", status, body)
	}
}

// No browser comes back: a clear timeout, the URL was still shown (with
// the reason no browser opened), and the listener is closed.
func TestSignInBrowserTimeout(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	shown := make(chan error, 1)
	var port int
	p := testProvider(o)
	start := time.Now()
	_, err := SignInBrowser(ctx, p, SignInOptions{Timeout: 200 * time.Millisecond,
		OpenBrowser: func(u string) error {
			r, _ := url.Parse(u)
			ru, _ := url.Parse(r.Query().Get("redirect_uri"))
			port, _ = strconv.Atoi(ru.Port())
			return errors.New("xdg-open: not found")
		},
		ShowURL: func(_ string, err error) { shown <- err }})
	if !errors.Is(err, ErrSignInTimeout) || !strings.Contains(err.Error(), "no answer from the browser within 200ms") {
		t.Fatalf("err = %v, want a timeout that says so", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("timed out after %s, want about 200ms", d)
	}
	select {
	case e := <-shown:
		if e == nil || !strings.Contains(e.Error(), "xdg-open") {
			t.Fatalf("ShowURL got %v, want the opener's error", e)
		}
	case <-ctx.Done():
		t.Fatal("ShowURL never called")
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second); err == nil {
		c.Close()
		t.Fatalf("port %d still listens after the timeout", port)
	}
}

// Cancelling the context ends the wait at once.
func TestSignInBrowserCancel(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := SignInBrowser(ctx, testProvider(o), SignInOptions{})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled sign-in did not return")
	}
}

// Microsoft's redirect names localhost (matched ignoring the port) while
// the listener is on 127.0.0.1; the flow works through it.
func TestSignInBrowserLocalhostRedirect(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	p := testProvider(o)
	p.RedirectHost = "localhost"
	s := startBrowser(t, p)
	want := "http://localhost:" + strconv.Itoa(s.Port()) + "/"
	if s.RedirectURL() != want {
		t.Fatalf("RedirectURL %q, want %q", s.RedirectURL(), want)
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())), time.Second)
	if err != nil {
		t.Fatalf("nothing listens on 127.0.0.1: %v", err)
	}
	c.Close()
	go func() { _ = oauth2test.Browse(ctx, s.URL()) }()
	res, err := s.Wait(ctx)
	if err != nil || res.Token.RefreshToken == "" {
		t.Fatalf("sign-in through localhost: %v", err)
	}
}

// A request without any answer (someone opening the address by hand)
// does not end the sign-in; a second answer after the first is refused.
func TestSignInBrowserStrayRequests(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	s := startBrowser(t, testProvider(o))
	if st, body := get(t, s.RedirectURL()); st != 200 || !strings.Contains(body, "Waiting") {
		t.Fatalf("a bare GET got %d %q", st, body)
	}
	if st, _ := get(t, s.RedirectURL()+"favicon.ico"); st != 404 {
		t.Fatalf("favicon got %d, want 404", st)
	}
	loc := authorize(t, s.URL())
	st, _, err := browse(ctx, t, s, loc.String())
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if st != 200 {
		t.Fatalf("the answer's page got %d, want 200", st)
	}
}

func fmtV(r Result) string   { return sprintf("%v %+v %s", r, r, r) }
func fmtGoV(r Result) string { return sprintf("%#v", r) }
