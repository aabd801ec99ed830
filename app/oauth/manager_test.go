package oauth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/oauth2test"
	"mailbell/mail"
)

// credential calls m.Credential and fails the test on error.
func credential(t *testing.T, m *Manager) string {
	t.Helper()
	c, err := m.Credential(ctxT(t, 15*time.Second))
	if err != nil {
		t.Fatalf("Credential: %v", err)
	}
	if c.Kind != mail.CredentialOAuth2 || c.Secret == "" {
		t.Fatalf("Credential gave %v", c)
	}
	return c.Secret
}

// The access token is reused while it has more than RefreshAhead left,
// and refreshed (once) when less is left — driven by the manager's clock.
func TestManagerRefreshAhead(t *testing.T) {
	t.Parallel()
	const ttl = 10 * time.Minute
	o := oauth2test.StartT(t, oauth2test.Options{AccessTTL: ttl})
	store := &memStore{token: signIn(t, o).Token.RefreshToken}
	clock := &fakeClock{}
	m := manager(o, store, clock, nil)
	if !m.Expiry().IsZero() {
		t.Fatalf("Expiry before any token = %v, want zero", m.Expiry())
	}
	first := credential(t, m)
	if n := o.Counts().Refresh; n != 1 {
		t.Fatalf("%d refreshes for the first login, want 1", n)
	}
	if exp := m.Expiry(); exp.Before(time.Now().Add(ttl-time.Minute)) || exp.After(time.Now().Add(ttl+time.Minute)) {
		t.Fatalf("Expiry %v, want about %v from now", exp, ttl)
	}
	clock.Advance(ttl - 3*time.Minute) // 3 min left: no refresh yet
	if tok := credential(t, m); tok != first {
		t.Fatal("a token with 3 min left was replaced")
	}
	if n := o.Counts().Refresh; n != 1 {
		t.Fatalf("%d refreshes, want still 1", n)
	}
	clock.Advance(90 * time.Second) // 1.5 min left: refresh ahead
	second := credential(t, m)
	if second == first {
		t.Fatal("a token with 1.5 min left was not refreshed")
	}
	if n := o.Counts().Refresh; n != 2 {
		t.Fatalf("%d refreshes, want 2", n)
	}
	if !tokenOK(t, o, second) {
		t.Fatal("the refreshed token is not valid")
	}
}

// Many watchers asking at once share one refresh.
func TestManagerOneRefreshForConcurrentCallers(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	m := manager(o, &memStore{token: signIn(t, o).Token.RefreshToken}, nil, nil)
	const n = 20
	var wg sync.WaitGroup
	toks := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := m.Credential(context.Background())
			toks[i], errs[i] = c.Secret, err
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] == "" || toks[i] != toks[0] {
			t.Fatalf("caller %d: %v, token equal to the first: %v", i, errs[i], toks[i] == toks[0])
		}
	}
	if c := o.Counts().Refresh; c != 1 {
		t.Fatalf("%d refreshes for %d concurrent callers, want 1", c, n)
	}
}

// With a provider that rotates refresh tokens (Microsoft), every new one
// is saved, and a new manager (a restart) works from the store.
func TestManagerSavesRotatedRefreshToken(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{Rotate: true})
	orig := signIn(t, o).Token.RefreshToken
	store := &memStore{token: orig}
	var logs logBuf
	m := manager(o, store, nil, &logs)
	a1 := credential(t, m)
	saved1, sets := store.get()
	if saved1 == orig || len(sets) != 1 {
		t.Fatalf("after one refresh: store changed %v, %d saves; want a new token saved once", saved1 != orig, len(sets))
	}
	m.TokenRejected(context.Background(), a1) // force the next refresh
	a2 := credential(t, m)
	saved2, sets := store.get()
	if a2 == a1 || saved2 == saved1 || len(sets) != 2 {
		t.Fatalf("after a second refresh: new access %v, new refresh %v, %d saves; want both new, 2 saves", a2 != a1, saved2 != saved1, len(sets))
	}
	// The old refresh tokens are void: only the saved one works.
	if _, err := o.Refresh(ctxT(t, 10*time.Second), saved1); err == nil {
		t.Fatal("a rotated-away refresh token still works: the test server does not rotate")
	}
	restarted := manager(o, store, nil, &logs)
	if a3 := credential(t, restarted); !tokenOK(t, o, a3) {
		t.Fatal("a manager started from the store got an invalid token")
	}
	assertNoSecret(t, "log", logs.String(), orig, saved1, saved2, a1, a2)
}

// A rotated token that cannot be saved is kept in memory and saved at the
// next refresh.
func TestManagerRetriesUnsavedRotation(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{Rotate: true})
	store := &memStore{token: signIn(t, o).Token.RefreshToken}
	m := manager(o, store, nil, nil)
	store.mu.Lock()
	store.setErr = errors.New("keyring locked")
	store.mu.Unlock()
	a1 := credential(t, m)
	store.mu.Lock()
	store.setErr = nil
	store.mu.Unlock()
	m.TokenRejected(context.Background(), a1)
	credential(t, m) // uses the unsaved token from memory, saves the next
	saved, _ := store.get()
	if !tokenOK(t, o, credential(t, manager(o, store, nil, nil))) {
		t.Fatal("no working token from the store after the save was retried")
	}
	if saved == "" {
		t.Fatal("nothing saved")
	}
}

// A revoked refresh token: "Sign-in expired — sign in again", permanent
// for the watcher, no second request to the provider; a new sign-in in
// the store brings the account back.
func TestManagerRevoked(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	rt := signIn(t, o).Token.RefreshToken
	store := &memStore{token: rt}
	var logs logBuf
	m := manager(o, store, nil, &logs)
	o.Revoke(rt)
	_, err := m.Credential(ctxT(t, 10*time.Second))
	if !errors.Is(err, mail.ErrTokenRejected) || !errors.Is(err, ErrSignInExpired) || !mail.IsPermanent(err) {
		t.Fatalf("err = %v, want ErrSignInExpired wrapping mail.ErrTokenRejected", err)
	}
	if !strings.Contains(err.Error(), "Sign-in expired — sign in again") || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("err = %q, want the words and the code", err)
	}
	refreshes := o.Counts().Refresh
	for range 3 {
		if _, err := m.Credential(ctxT(t, 10*time.Second)); !errors.Is(err, ErrSignInExpired) {
			t.Fatalf("again: %v", err)
		}
	}
	if c := o.Counts().Refresh; c != refreshes {
		t.Fatalf("the refused token was sent %d more times", c-refreshes)
	}
	assertNoSecret(t, "error", err.Error(), rt)
	assertNoSecret(t, "log", logs.String(), rt)
	// Sign in again (another process writes the store): works again.
	store.Set(context.Background(), signIn(t, o).Token.RefreshToken)
	if tok := credential(t, m); !tokenOK(t, o, tok) {
		t.Fatal("no valid token after signing in again")
	}
}

// Never signed in: permanent, says what to do.
func TestManagerNotSignedIn(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	_, err := manager(o, &memStore{}, nil, nil).Credential(ctxT(t, 10*time.Second))
	if !errors.Is(err, ErrNotSignedIn) || !mail.IsPermanent(err) || !strings.Contains(err.Error(), "sign in") {
		t.Fatalf("err = %v, want ErrNotSignedIn", err)
	}
	if c := o.Counts().Token; c != 0 {
		t.Fatalf("token endpoint asked %d times", c)
	}
}

// A token endpoint answering 5xx is transient; the next login recovers.
// A store that cannot be read is transient too.
func TestManagerTransientFailures(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	rt := signIn(t, o).Token.RefreshToken
	store := &memStore{token: rt}
	var logs logBuf
	m := manager(o, store, nil, &logs)
	o.FailNext(1, 503, "temporarily_unavailable")
	_, err := m.Credential(ctxT(t, 10*time.Second))
	if !errors.Is(err, ErrTokenEndpoint) || mail.IsPermanent(err) || errors.Is(err, mail.ErrTokenRejected) {
		t.Fatalf("err = %v, want a transient ErrTokenEndpoint", err)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %q, want the status", err)
	}
	if tok := credential(t, m); !tokenOK(t, o, tok) {
		t.Fatal("no valid token after the endpoint recovered")
	}
	assertNoSecret(t, "error", err.Error(), rt)

	m2 := manager(o, &memStore{getErr: errors.New("keyring did not answer")}, nil, nil)
	if _, err := m2.Credential(ctxT(t, 10*time.Second)); err == nil || mail.IsPermanent(err) {
		t.Fatalf("store error: %v, want transient", err)
	}
	assertNoSecret(t, "log", logs.String(), rt)
}

// The endpoint is down while the token is inside RefreshAhead but not yet
// expired: the current token is handed out.
func TestManagerUsesTokenUntilExpiryWhenEndpointDown(t *testing.T) {
	t.Parallel()
	const ttl = 10 * time.Minute
	o := oauth2test.StartT(t, oauth2test.Options{AccessTTL: ttl})
	clock := &fakeClock{}
	m := manager(o, &memStore{token: signIn(t, o).Token.RefreshToken}, clock, nil)
	first := credential(t, m)
	clock.Advance(ttl - time.Minute)
	o.FailNext(1, 502, "")
	if tok := credential(t, m); tok != first {
		t.Fatal("got another token while the endpoint was down")
	}
	clock.Advance(2 * time.Minute) // expired now
	if tok := credential(t, m); tok == first {
		t.Fatal("an expired token was handed out")
	}
}

// TokenRejected drops the current token only; a stale one changes nothing.
func TestManagerTokenRejected(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	m := manager(o, &memStore{token: signIn(t, o).Token.RefreshToken}, nil, nil)
	a1 := credential(t, m)
	m.TokenRejected(context.Background(), "someone-elses-token")
	if credential(t, m) != a1 || o.Counts().Refresh != 1 {
		t.Fatal("a stale rejection caused a refresh")
	}
	m.TokenRejected(context.Background(), a1)
	if !m.Expiry().IsZero() {
		t.Fatal("Expiry after a rejection is not zero")
	}
	if a2 := credential(t, m); a2 == a1 || o.Counts().Refresh != 2 {
		t.Fatal("a rejection did not cause one refresh")
	}
	m.TokenRejected(context.Background(), a1) // a second watcher reports the old one
	credential(t, m)
	if c := o.Counts().Refresh; c != 2 {
		t.Fatalf("%d refreshes, want 2", c)
	}
}

// SignedIn saves the refresh token and serves the access token at once.
func TestManagerSignedIn(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	store := &memStore{}
	m := manager(o, store, nil, nil)
	res := signIn(t, o)
	if err := m.SignedIn(context.Background(), res.Token); err != nil {
		t.Fatal(err)
	}
	if saved, _ := store.get(); saved != res.Token.RefreshToken {
		t.Fatal("refresh token not saved")
	}
	if credential(t, m) != res.Token.AccessToken || o.Counts().Refresh != 0 {
		t.Fatal("the sign-in's access token was not used as is")
	}
	if err := m.SignedIn(context.Background(), nil); !errors.Is(err, ErrNoRefreshToken) {
		t.Fatalf("SignedIn(nil) = %v", err)
	}
}

// A client the provider refuses (a disabled or mistyped client ID) is a
// configuration problem: permanent, and it says where to look.
func TestManagerClientRefused(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	store := &memStore{token: signIn(t, o).Token.RefreshToken}
	p := testProvider(o)
	p.ClientSecret = "not-the-secret"
	_, err := NewManager(p, ManagerOptions{Store: store}).Credential(ctxT(t, 10*time.Second))
	if !errors.Is(err, ErrClientRefused) || !errors.Is(err, mail.ErrConfig) || !mail.IsPermanent(err) || !strings.Contains(err.Error(), "client_id") {
		t.Fatalf("err = %v, want a permanent ErrClientRefused", err)
	}
	assertNoSecret(t, "error", err.Error(), "not-the-secret")
}
