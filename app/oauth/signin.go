package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// DefaultSignInTimeout is how long a browser sign-in waits for the browser.
const DefaultSignInTimeout = 5 * time.Minute

// exchangeTimeout bounds the code exchange after the browser came back.
const exchangeTimeout = 30 * time.Second

// SignInOptions configure a browser sign-in.
type SignInOptions struct {
	// Address is the account's address, sent as login_hint so the
	// provider's page starts with the right account.
	Address string
	// OpenBrowser opens the sign-in URL (xdg-open, Fyne's OpenURL, the
	// BROWSER of a test); SignInBrowser calls it on a goroutine of its own.
	// nil or a failure is not fatal: the URL is shown through ShowURL for
	// the person to open by hand.
	OpenBrowser func(url string) error
	// ShowURL, when set, is called once (on the opener's goroutine) with
	// the sign-in URL after OpenBrowser returned, and its error (nil when
	// opened). A window shows the URL to copy; widget updates go through
	// fyne.Do.
	ShowURL func(url string, openErr error)
	// Timeout is how long to wait for the browser (default 5 min).
	Timeout time.Duration
	// Port is the loopback port to listen on (0: the system's choice). A
	// fixed port helps an SSH port forward set up in advance.
	Port int
	// HTTPClient talks to the token endpoint (nil: http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives progress, never a token or code (nil: slog.Default()).
	Logger *slog.Logger
}

// Result is what a sign-in gives: the tokens (the refresh token goes to
// the RefreshStore, see Manager.SignedIn) and the address the provider
// says was signed in, when it says. Printing a Result never shows a token.
type Result struct {
	Token *oauth2.Token
	Email string
}

func (r Result) String() string {
	if r.Email == "" {
		return "oauth.Result{tokens redacted}"
	}
	return "oauth.Result{Email: " + r.Email + ", tokens redacted}"
}
func (r Result) GoString() string           { return r.String() }
func (r Result) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }
func (r Result) LogValue() slog.Value       { return slog.StringValue(r.String()) }

// BrowserSignIn is one authorization-code sign-in with PKCE (S256) and a
// loopback redirect (RFC 8252): a listener on 127.0.0.1 receives the
// browser's redirect, checks state and exchanges the code. Start it with
// StartBrowser, show URL, then Wait.
type BrowserSignIn struct {
	p        Provider
	cfg      *oauth2.Config
	opts     SignInOptions
	log      *slog.Logger
	state    string
	verifier string
	authURL  string
	port     int
	srv      *http.Server
	deadline time.Time
	answers  chan answer // the first answer of the browser
	taken    atomic.Bool // an answer was accepted: later ones see overPage
	done     chan struct{}
	doneOnce sync.Once
}

// answer is the browser's redirect, handed from the HTTP handler to Wait,
// which replies with the page to show.
type answer struct {
	code, state, errCode, errDesc string
	reply                         chan page
}

// StartBrowser listens on 127.0.0.1 and prepares the sign-in URL. It
// does not open a browser (SignInBrowser does). Close or Wait releases the
// listener.
func StartBrowser(p Provider, opts SignInOptions) (*BrowserSignIn, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultSignInTimeout
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if p.ClientID == "" || p.Endpoint.AuthURL == "" || p.Endpoint.TokenURL == "" {
		return nil, errors.New("oauth2: the provider has no client ID or endpoints")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("oauth2: listening for the browser's answer on 127.0.0.1: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	host := p.RedirectHost
	if host == "" {
		host = "127.0.0.1"
	}
	redirect := "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
	s := &BrowserSignIn{
		p: p, cfg: p.config(redirect), opts: opts, log: log,
		state:    oauth2.GenerateVerifier(),
		verifier: oauth2.GenerateVerifier(),
		port:     port,
		deadline: time.Now().Add(opts.Timeout),
		answers:  make(chan answer),
		done:     make(chan struct{}),
	}
	authOpts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(s.verifier)}, p.AuthParams...)
	if opts.Address != "" {
		authOpts = append(authOpts, oauth2.SetAuthURLParam("login_hint", opts.Address))
	}
	s.authURL = s.cfg.AuthCodeURL(s.state, authOpts...)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	if host == "localhost" {
		// A browser may try ::1 first for "localhost"; most fall back to
		// 127.0.0.1, and listening on both (same port) spares the wait.
		if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
			go func() { _ = s.srv.Serve(ln6) }()
		}
	}
	return s, nil
}

// URL is the sign-in page to open in a browser.
func (s *BrowserSignIn) URL() string { return s.authURL }

// RedirectURL is where the browser will come back (http://127.0.0.1:PORT/,
// or http://localhost:PORT/ for Microsoft).
func (s *BrowserSignIn) RedirectURL() string { return s.cfg.RedirectURL }

// Port is the loopback port listened on (for an SSH port forward).
func (s *BrowserSignIn) Port() int { return s.port }

// Close stops listening. Safe to call more than once, and after Wait.
func (s *BrowserSignIn) Close() error {
	s.doneOnce.Do(func() { close(s.done) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Wait waits for the browser's answer until the timeout or ctx ends, checks
// its state, exchanges the code (with the PKCE verifier) and shows the
// browser a page saying how it went. It then stops listening. Errors:
// ErrStateMismatch, ErrAccessDenied, ErrSignInTimeout, ErrCodeRefused,
// ErrClientRefused, ErrTokenEndpoint, ErrNoRefreshToken, or ctx's.
func (s *BrowserSignIn) Wait(ctx context.Context) (Result, error) {
	defer s.Close()
	timer := time.NewTimer(time.Until(s.deadline))
	defer timer.Stop()
	select {
	case a := <-s.answers:
		res, err := s.finish(ctx, a)
		pg := okPage(res.Email)
		if err != nil {
			pg = errorPage(err)
		}
		a.reply <- pg
		return res, err
	case <-timer.C:
		return Result{}, fmt.Errorf("%w: no answer from the browser within %s; start the sign-in again", ErrSignInTimeout, roundDur(s.opts.Timeout))
	case <-ctx.Done():
		return Result{}, fmt.Errorf("sign-in cancelled: %w", ctx.Err())
	}
}

// finish checks the browser's answer and exchanges its code.
func (s *BrowserSignIn) finish(ctx context.Context, a answer) (Result, error) {
	if subtle.ConstantTimeCompare([]byte(a.state), []byte(s.state)) != 1 {
		s.log.Warn("oauth2: browser answer refused: state mismatch")
		return Result{}, ErrStateMismatch
	}
	if a.errCode != "" {
		kind := fmt.Errorf("the provider answered %q", cleanDesc(a.errCode))
		if a.errCode == "access_denied" {
			kind = ErrAccessDenied
		}
		if d := cleanDesc(a.errDesc); d != "" {
			return Result{}, fmt.Errorf("%w (%s): %s", kind, cleanDesc(a.errCode), d)
		}
		return Result{}, fmt.Errorf("%w (%s)", kind, cleanDesc(a.errCode))
	}
	if a.code == "" {
		return Result{}, errors.New("the browser came back without a sign-in code")
	}
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.opts.HTTPClient)
	tok, err := s.cfg.Exchange(ctx, a.code, oauth2.VerifierOption(s.verifier))
	if err != nil {
		return Result{}, classify(err, ErrCodeRefused, a.code, s.verifier, s.cfg.ClientSecret)
	}
	if tok.RefreshToken == "" {
		return Result{}, ErrNoRefreshToken
	}
	res := Result{Token: tok, Email: emailOf(tok)}
	s.log.Info("oauth2: signed in", "provider", string(s.p.Kind), "email", res.Email)
	return res, nil
}

// ServeHTTP receives the browser's redirect.
func (s *BrowserSignIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	a := answer{code: q.Get("code"), state: q.Get("state"), errCode: q.Get("error"),
		errDesc: q.Get("error_description"), reply: make(chan page, 1)}
	if a.code == "" && a.state == "" && a.errCode == "" {
		waitingPage().write(w) // someone opened the address by hand
		return
	}
	if !s.taken.CompareAndSwap(false, true) {
		overPage().write(w)
		return
	}
	select {
	case s.answers <- a:
	case <-r.Context().Done():
		return
	case <-s.done:
		overPage().write(w)
		return
	}
	select {
	case pg := <-a.reply:
		pg.write(w)
	case <-r.Context().Done():
	}
}

// SignInBrowser runs a whole browser sign-in: listen, open the browser
// (opts.OpenBrowser; the URL also goes to opts.ShowURL), wait for the
// answer, exchange the code. See BrowserSignIn.Wait for the errors.
func SignInBrowser(ctx context.Context, p Provider, opts SignInOptions) (Result, error) {
	s, err := StartBrowser(p, opts)
	if err != nil {
		return Result{}, err
	}
	// The opener runs on its own: a test browser (or a BROWSER that does
	// not return at once) follows the redirect to our listener, which
	// Wait must already be serving.
	go func() {
		openErr := errors.New("no browser to open")
		if opts.OpenBrowser != nil {
			if openErr = opts.OpenBrowser(s.URL()); openErr != nil {
				s.log.Warn("oauth2: could not open the browser; the sign-in URL is shown to open by hand", "error", openErr)
			}
		}
		if opts.ShowURL != nil {
			opts.ShowURL(s.URL(), openErr)
		}
	}()
	return s.Wait(ctx)
}

// roundDur prints a duration without its sub-second noise.
func roundDur(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d
}
