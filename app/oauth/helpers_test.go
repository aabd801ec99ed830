package oauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"mailbell/internal/testenv/oauth2test"
)

// memStore is a RefreshStore in memory that records every Set.
type memStore struct {
	mu     sync.Mutex
	token  string
	sets   []string
	getErr error
	setErr error
}

func (s *memStore) Get(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, s.getErr
}

func (s *memStore) Set(_ context.Context, tok string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setErr != nil {
		return s.setErr
	}
	s.token = tok
	s.sets = append(s.sets, tok)
	return nil
}

func (s *memStore) get() (string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, append([]string(nil), s.sets...)
}

// testProvider is a custom provider for the oauth2test server, asking for
// an ID token too (the address signed in).
func testProvider(o *oauth2test.Server) Provider {
	cfg := o.Config("")
	cfg.Endpoint.DeviceAuthURL = ""
	return Provider{Kind: KindCustom, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Endpoint: cfg.Endpoint, Scopes: append(cfg.Scopes, "openid", "email"), RedirectHost: "127.0.0.1"}
}

// defaultEmail is the user mockoidc signs in when none is queued.
var defaultEmail = mockoidc.DefaultUser().Email

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// browser is oauth2test.Browse as an OpenBrowser.
func browser(ctx context.Context) func(string) error {
	return func(u string) error { return oauth2test.Browse(ctx, u) }
}

// signIn runs a browser sign-in with the test browser and fails the test
// on error.
func signIn(t *testing.T, o *oauth2test.Server) Result {
	t.Helper()
	ctx := ctxT(t, 20*time.Second)
	res, err := SignInBrowser(ctx, testProvider(o), SignInOptions{Address: defaultEmail, OpenBrowser: browser(ctx)})
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if res.Token == nil || res.Token.AccessToken == "" || res.Token.RefreshToken == "" {
		t.Fatalf("sign-in gave no tokens: %v", res)
	}
	return res
}

// noRedirect is an HTTP client that stops at the first redirect, as a
// browser whose user is about to tamper with the answer.
var noRedirect = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize asks the server's authorization endpoint for u and returns
// the redirect it answers (to our listener), without following it.
func authorize(t *testing.T, u string) *url.URL {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %s, want 302", resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	return loc
}

// get fetches u and returns status and body.
func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// startBrowser starts a browser sign-in with p and no options, failing
// the test if it cannot; the listener is closed when the test ends.
func startBrowser(t *testing.T, p Provider) *BrowserSignIn {
	t.Helper()
	s, err := StartBrowser(p, SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// browse has the browser GET u (the redirect to s's listener) while s.Wait
// runs, and returns the page the browser got and Wait's error. A browser
// that gets no page before ctx ends fails the test.
func browse(ctx context.Context, t *testing.T, s *BrowserSignIn, u string) (status int, body string, err error) {
	t.Helper()
	type page struct {
		status int
		body   string
		err    error
	}
	pages := make(chan page, 1)
	go func() { // no t.Fatal off the test's goroutine: the error goes back
		resp, err := noRedirect.Get(u)
		if err != nil {
			pages <- page{err: err}
			return
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, err = b.ReadFrom(resp.Body)
		pages <- page{resp.StatusCode, b.String(), err}
	}()
	_, err = s.Wait(ctx)
	select {
	case p := <-pages:
		if p.err != nil {
			t.Fatalf("the browser's GET: %v", p.err)
		}
		return p.status, p.body, err
	case <-ctx.Done():
		t.Fatalf("the browser got no page (Wait: %v)", err)
		return 0, "", err
	}
}

// fakeClock is a clock the test moves forward.
type fakeClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// logBuf is a slog.Logger at debug level writing to a buffer.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// assertNoSecret fails when text holds any secret, raw or base64
// (standard or URL alphabet, padded or not).
func assertNoSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		forms := []string{s,
			base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))}
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Fatalf("%s holds a token (%d chars):\n%s", what, len(s), text)
			}
		}
		// A long token's middle, in case something truncated its ends.
		if len(s) > 40 && strings.Contains(text, s[10:len(s)-10]) {
			t.Fatalf("%s holds part of a token:\n%s", what, text)
		}
	}
}

// tokenOK asks the server's tokeninfo whether an access token is valid.
func tokenOK(t *testing.T, o *oauth2test.Server, access string) bool {
	t.Helper()
	code, _ := get(t, o.TokenInfoURL()+url.QueryEscape(access))
	return code == http.StatusOK
}

// manager returns a Manager for o with the store and a log buffer.
func manager(o *oauth2test.Server, store RefreshStore, clock *fakeClock, log *logBuf) *Manager {
	opts := ManagerOptions{Store: store, Account: "acct", RefreshTimeout: 10 * time.Second}
	if clock != nil {
		opts.Now = clock.Now
	}
	if log != nil {
		opts.Logger = log.logger()
	}
	return NewManager(testProvider(o), opts)
}

var _ = oauth2.GenerateVerifier

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
