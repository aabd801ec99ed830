package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/oauth"
	"mailbell/app/policy"
	"mailbell/app/state"
	"mailbell/app/view"
	"mailbell/mail"
)

// OAuthOptions wire sign-in into the core (embedded in Options): token
// commands, GNOME Online Accounts, and Mailbell's own OAuth2 sign-in.
type OAuthOptions struct {
	// TokenCommand runs an account's token_command (no shell) and returns
	// the access token it prints (nil: PasswordCommand's runner).
	TokenCommand func(ctx context.Context, cmdline string) (string, error)
	// OnlineAccounts is GNOME Online Accounts (platform/goa, given by the
	// wiring: app does not import platform); nil where there is none.
	OnlineAccounts OnlineAccounts
	// SecretNotFound tells a secret store's "no such entry" error (nil:
	// every error of Get is an error; a missing refresh token then backs
	// off instead of saying "Not signed in").
	SecretNotFound func(error) bool
	// OAuthHTTP talks to the providers' token endpoints (nil: http.DefaultClient).
	OAuthHTTP *http.Client
	// OAuthRefreshAhead: an access token with less than this left is
	// refreshed before a login (0: oauth.DefaultRefreshAhead).
	OAuthRefreshAhead time.Duration
	// SignInTimeout bounds a browser sign-in (0: oauth.DefaultSignInTimeout).
	SignInTimeout time.Duration
}

// OnlineAccounts is GNOME Online Accounts as the core sees it.
type OnlineAccounts interface {
	// List returns the mail accounts it holds; an error when it is not there.
	List(ctx context.Context) ([]control.OnlineAccount, error)
	// Credential is a fresh token or password for one login. Errors the
	// user must resolve (account removed, sign in again in Online
	// Accounts) wrap a permanent mail sentinel; others are transient.
	Credential(ctx context.Context, id string) (mail.Credential, error)
}

// OAuthSecretSuffix makes the keyring user of an account's refresh token:
// "ID#oauth2", beside the password's "ID" ('#' cannot appear in an id).
const OAuthSecretSuffix = "#oauth2"

// SignInKeep is how long a finished sign-in waits for the save that
// stores its tokens.
const SignInKeep = 30 * time.Minute

// signedInText is the answer to a finished sign-in, in the current
// language: "Signed in as ann@example.com".
func signedInText(email string) string {
	if email == "" {
		return l10n.T("signin.done")
	}
	return l10n.T("signin.done_as", l10n.Args{"Email": email})
}

// oauthState is the core's sign-in state. Its own lock: it is used from
// the loop (credentials for a watcher), the settings worker (save) and
// the command goroutines (sign_in, test_account).
type oauthState struct {
	mu       sync.Mutex
	managers map[string]*oauthEntry // account id → its token manager
	pending  map[string]*pendingSignIn
	notified map[string]bool // accounts told "sign in again" (once)
}

// oauthEntry is one account's manager, kept across restarts of its
// watchers (the access token, and a refused refresh token, live in it).
type oauthEntry struct {
	fingerprint string // the resolved provider it was made for
	m           *oauth.Manager
}

// pendingSignIn is a browser sign-in started by sign_in.
type pendingSignIn struct {
	account  string // the id of the account it was started for
	started  time.Time
	done     chan struct{}
	provider oauth.Provider
	res      oauth.Result
	err      error
	expires  time.Time
}

func fingerprint(p oauth.Provider) string {
	return fmt.Sprint(p.Kind, "|", p.ClientID, "|", p.Endpoint.AuthURL, "|", p.Endpoint.TokenURL, "|", strings.Join(p.Scopes, " "))
}

// refreshStore is the keyring entry of one account's refresh token.
type refreshStore struct {
	c    *Core
	user string
}

func (r refreshStore) Get(ctx context.Context) (string, error) {
	if r.c.opts.Secrets == nil {
		return "", fmt.Errorf("%w: no secret store", mail.ErrConfig)
	}
	v, err := r.c.opts.Secrets.Get(ctx, r.user)
	if err != nil && r.c.opts.SecretNotFound != nil && r.c.opts.SecretNotFound(err) {
		return "", nil
	}
	return v, err
}

func (r refreshStore) Set(ctx context.Context, v string) error {
	if r.c.opts.Secrets == nil {
		return errors.New("no secret store")
	}
	return r.c.opts.Secrets.Set(ctx, r.user, v)
}

func (c *Core) refreshStore(id string) refreshStore {
	return refreshStore{c: c, user: id + OAuthSecretSuffix}
}

// credentialsFor is where an account's OAuth2 access tokens come from, or
// nil for a password account (mail.Account.Password then applies). The
// error words a problem the user must fix (no client ID in this build).
func (c *Core) credentialsFor(a config.Account) (mail.Credentials, error) {
	if a.EffectiveAuth() != config.AuthOAuth2 {
		return nil, nil
	}
	switch {
	case a.TokenCommand != "":
		run := c.opts.TokenCommand
		if run == nil {
			run = c.opts.PasswordCommand
		}
		if run == nil {
			return nil, fmt.Errorf("%w: token_command is not supported here", mail.ErrConfig)
		}
		cmdline := a.TokenCommand
		return mail.TokenFunc(func(ctx context.Context) (string, error) { return run(ctx, cmdline) }), nil
	case a.GOAAccount != "":
		goa := c.opts.OnlineAccounts
		if goa == nil {
			return nil, fmt.Errorf("%w: GNOME Online Accounts is not available here", mail.ErrConfig)
		}
		return goaCredentials{goa: goa, id: a.GOAAccount}, nil
	}
	return c.manager(a)
}

// manager returns the account's token manager, made anew when its
// provider settings changed.
func (c *Core) manager(a config.Account) (*oauth.Manager, error) {
	p, err := a.OAuth2Settings().Resolve()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", mail.ErrConfig, strings.TrimPrefix(err.Error(), "oauth2: "))
	}
	fp := fingerprint(p)
	c.oauth.mu.Lock()
	defer c.oauth.mu.Unlock()
	if e := c.oauth.managers[a.ID]; e != nil && e.fingerprint == fp {
		return e.m, nil
	}
	m := oauth.NewManager(p, oauth.ManagerOptions{Store: c.refreshStore(a.ID), Account: a.ID,
		HTTPClient: c.opts.OAuthHTTP, Logger: c.log, RefreshAhead: c.opts.OAuthRefreshAhead})
	if c.oauth.managers == nil {
		c.oauth.managers = map[string]*oauthEntry{}
	}
	c.oauth.managers[a.ID] = &oauthEntry{fingerprint: fp, m: m}
	return m, nil
}

// goaCredentials asks GNOME Online Accounts at every login. It keeps
// nothing, so after a rejection the next call simply asks again.
type goaCredentials struct {
	goa OnlineAccounts
	id  string
}

func (g goaCredentials) Credential(ctx context.Context) (mail.Credential, error) {
	return g.goa.Credential(ctx, g.id)
}

func (g goaCredentials) TokenRejected(context.Context, string) {}

// forgetOAuth drops a removed account's manager. Its keyring entry is
// deleted with its password (deleteOAuthSecret, off the loop).
func (c *Core) forgetOAuth(id string) {
	c.oauth.mu.Lock()
	defer c.oauth.mu.Unlock()
	delete(c.oauth.managers, id)
	delete(c.oauth.notified, id)
}

// deleteOAuthSecret deletes a removed account's refresh token; absent is fine.
func (c *Core) deleteOAuthSecret(ctx context.Context, id string) {
	if c.opts.Secrets == nil {
		return
	}
	c.forgetOAuth(id)
	err := c.withSecretTimeout(ctx, func(ctx context.Context) error { return c.opts.Secrets.Delete(ctx, id+OAuthSecretSuffix) })
	if err != nil {
		c.log.Debug("deleting a removed account's sign-in", "account", id, "err", err)
	}
}

// noteSignInState tells the user once, with a notification, that an
// account's sign-in expired; a folder that is back in sync re-arms it.
// Called by the loop for every state event.
func (c *Core) noteSignInState(key state.Key, e mail.StateEvent) {
	c.oauth.mu.Lock()
	defer c.oauth.mu.Unlock()
	switch {
	case e.State == mail.StateIdle || e.State == mail.StatePolling:
		delete(c.oauth.notified, key.Account)
	case e.State == mail.StateStopped && errors.Is(e.Err, mail.ErrTokenRejected):
		if c.oauth.notified[key.Account] {
			return
		}
		if c.oauth.notified == nil {
			c.oauth.notified = map[string]bool{}
		}
		c.oauth.notified[key.Account] = true
		body := l10n.T("state.signin_expired")
		if errors.Is(e.Err, oauth.ErrNotSignedIn) {
			body = l10n.T("state.not_signed_in")
		}
		c.log.Warn("account needs a new sign-in", "account", key.Account, "err", e.Err)
		if c.cfg.Preferences.Notifications {
			c.show([]policy.Notification{{Summary: c.accountName(key.Account), Body: body}})
		}
	}
}

// newSignInID names a sign-in on the socket.
func newSignInID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "s" + hex.EncodeToString(b)
}

// signIn starts a browser sign-in for the account in cmd.Settings and
// answers at once with the URL to open; the end comes as a signed_in
// event. The tokens stay in the core until a save_account names the
// sign-in.
func (c *Core) signIn(cmd control.Command) (control.Event, error) {
	if cmd.Settings == nil {
		return control.Event{}, control.Invalid(control.FieldErrors{control.FieldGeneral: "sign_in: no account given (\"settings\")"})
	}
	a := *cmd.Settings
	s := a.OAuth2Settings()
	if s.Provider == "" {
		return control.Event{}, control.Invalid(control.FieldErrors{"oauth2": l10n.T("oauth.no_provider")})
	}
	p, err := s.Resolve()
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "oauth2: ")
		if errors.Is(err, oauth.ErrNoClientID) && s.Provider != oauth.KindCustom {
			msg = oauth.MissingClientText(s.Provider)
		}
		return control.Event{}, &control.CommandError{Msg: msg, Fields: control.FieldErrors{"oauth2": msg}}
	}
	address := a.Email
	if address == "" && strings.Contains(a.Username, "@") {
		address = a.Username
	}
	bs, err := oauth.StartBrowser(p, oauth.SignInOptions{Address: address, Timeout: c.opts.SignInTimeout,
		HTTPClient: c.opts.OAuthHTTP, Logger: c.log})
	if err != nil {
		return control.Event{}, err
	}
	id := newSignInID()
	ps := &pendingSignIn{account: a.ID, started: time.Now(), done: make(chan struct{}), provider: p}
	c.oauth.mu.Lock()
	if c.oauth.pending == nil {
		c.oauth.pending = map[string]*pendingSignIn{}
	}
	now := time.Now()
	for k, old := range c.oauth.pending {
		if !old.expires.IsZero() && now.After(old.expires) {
			delete(c.oauth.pending, k)
		}
	}
	c.oauth.pending[id] = ps
	c.oauth.mu.Unlock()
	go func() {
		// Bound by the sign-in's own timeout, not by the command's.
		res, err := bs.Wait(context.Background())
		c.oauth.mu.Lock()
		ps.res, ps.err, ps.expires = res, err, time.Now().Add(SignInKeep)
		c.oauth.mu.Unlock()
		close(ps.done)
		ok := err == nil
		ev := control.Event{Event: control.EvSignedIn, SignIn: id, OK: &ok}
		if ok {
			ev.Value = signedInText(res.Email)
		} else {
			ev.Error = err.Error()
		}
		c.output(ev)
	}()
	return control.Event{Value: bs.URL(), SignIn: id}, nil
}

// lastSignIn names the latest sign-in started for account that ended
// well, or "" (a client that saves without naming its sign-in, as the
// first-run window does).
func (c *Core) lastSignIn(account string) string {
	c.oauth.mu.Lock()
	defer c.oauth.mu.Unlock()
	best, at := "", time.Time{}
	for id, ps := range c.oauth.pending {
		select {
		case <-ps.done:
		default:
			continue
		}
		if ps.account == account && ps.err == nil && ps.started.After(at) {
			best, at = id, ps.started
		}
	}
	return best
}

// finishedSignIn is the result of the named sign-in, once it ended well.
func (c *Core) finishedSignIn(id string) (*pendingSignIn, error) {
	c.oauth.mu.Lock()
	ps := c.oauth.pending[id]
	c.oauth.mu.Unlock()
	if ps == nil {
		return nil, errors.New(l10n.T("oauth.unknown"))
	}
	select {
	case <-ps.done:
	default:
		return nil, errors.New(l10n.T("oauth.unfinished"))
	}
	if ps.err != nil {
		return nil, worded(l10n.T("oauth.failed", l10n.Args{"Error": ps.err.Error()}), ps.err)
	}
	return ps, nil
}

// saveSignIn stores the refresh token of the sign-in a save_account names
// (none named: the last one made for the account's id) under the account's own keyring entry, and hands the tokens to its
// manager; without a sign-in, a renamed account's refresh token moves to
// its new id (the old entry is deleted with the old id). Runs on the
// settings worker. stored reports whether a sign-in was stored (the
// account then restarts).
func (c *Core) saveSignIn(ctx context.Context, a config.Account, orig, signIn string) (stored bool, err error) {
	if signIn == "" && a.UsesOAuth2Manager() {
		signIn = c.lastSignIn(a.ID)
	}
	if signIn == "" {
		if orig != "" && orig != a.ID && a.UsesOAuth2Manager() && c.opts.Secrets != nil {
			var rt string
			err := c.withSecretTimeout(ctx, func(ctx context.Context) (err error) { rt, err = c.refreshStore(orig).Get(ctx); return err })
			if err == nil && rt != "" {
				err = c.withSecretTimeout(ctx, func(ctx context.Context) error { return c.refreshStore(a.ID).Set(ctx, rt) })
			}
			if err != nil {
				c.log.Warn("renaming an account: its sign-in was not moved", "from", orig, "to", a.ID, "err", err)
			}
		}
		return false, nil
	}
	field := func(msg string) error {
		return &control.CommandError{Msg: msg, Fields: control.FieldErrors{"oauth2": msg}}
	}
	if !a.UsesOAuth2Manager() {
		return false, field(l10n.T("oauth.oauth2_only"))
	}
	ps, err := c.finishedSignIn(signIn)
	if err != nil {
		return false, field(err.Error())
	}
	p, err := a.OAuth2Settings().Resolve()
	if err != nil || fingerprint(p) != fingerprint(ps.provider) {
		return false, field(l10n.T("oauth.provider_changed"))
	}
	if c.opts.Secrets == nil {
		return false, field(l10n.T("oauth.no_secret_store"))
	}
	m, err := c.manager(a)
	if err != nil {
		return false, field(err.Error())
	}
	if err := c.withSecretTimeout(ctx, func(ctx context.Context) error { return m.SignedIn(ctx, ps.res.Token) }); err != nil {
		return false, field(l10n.T("oauth.keyring_failed", l10n.Args{"Error": err.Error()}))
	}
	c.oauth.mu.Lock()
	delete(c.oauth.pending, signIn)
	delete(c.oauth.notified, a.ID)
	c.oauth.mu.Unlock()
	return true, nil
}

// testCredentials are the credentials test_account uses for an OAuth2
// account: the named sign-in's access token, else the account's own.
func (c *Core) testCredentials(a config.Account, signIn string) (mail.Credentials, error) {
	if signIn == "" && a.UsesOAuth2Manager() {
		signIn = c.lastSignIn(a.ID)
	}
	if signIn != "" && a.UsesOAuth2Manager() {
		ps, err := c.finishedSignIn(signIn)
		if err != nil {
			return nil, err
		}
		tok := ps.res.Token.AccessToken
		return mail.TokenFunc(func(context.Context) (string, error) { return tok, nil }), nil
	}
	return c.credentialsFor(a)
}

// onlineAccounts answers online_accounts.
func (c *Core) onlineAccounts(ctx context.Context) (control.Event, error) {
	goa := c.opts.OnlineAccounts
	if goa == nil {
		return control.Event{}, errors.New("GNOME Online Accounts is not available here")
	}
	list, err := goa.List(ctx)
	if err != nil {
		return control.Event{}, err
	}
	list = slices.DeleteFunc(list, func(o control.OnlineAccount) bool { return o.Host == "" })
	return control.Event{OnlineAccounts: list}, nil
}

// signInKind is the view's error kind of a sign-in that needs the user
// (view.ErrorSignIn, view.ErrorNoSignIn), or "".
func signInKind(err error) string {
	switch {
	case errors.Is(err, oauth.ErrNotSignedIn):
		return view.ErrorNoSignIn
	case errors.Is(err, mail.ErrTokenRejected):
		return view.ErrorSignIn
	}
	return ""
}

// SignInWaitMax is the longest a sign_in_wait holds its reply; a client
// whose sign-in is still running asks again.
const SignInWaitMax = 45 * time.Second

// signInWait answers sign_in_wait: once the named sign-in ended, Value
// "Signed in as …" or its error; while it still runs after SignInWaitMax
// (or ctx's end), an empty Value — ask again. For a client that cannot
// follow signed_in events.
func (c *Core) signInWait(ctx context.Context, id string) (control.Event, error) {
	c.oauth.mu.Lock()
	ps := c.oauth.pending[id]
	c.oauth.mu.Unlock()
	if ps == nil {
		return control.Event{}, errors.New(l10n.T("oauth.unknown"))
	}
	t := time.NewTimer(SignInWaitMax)
	defer t.Stop()
	select {
	case <-ps.done:
	case <-t.C:
		return control.Event{SignIn: id}, nil
	case <-ctx.Done():
		return control.Event{SignIn: id}, nil
	}
	if ps.err != nil {
		return control.Event{}, ps.err
	}
	return control.Event{SignIn: id, Value: signedInText(ps.res.Email)}, nil
}
