package oauth

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"mailbell/internal/testenv/oauth2test"
)

// termOut is a terminal: what was written, safe to read while written.
type termOut struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *termOut) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *termOut) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// waitFor polls the terminal until re matches, with a deadline.
func (o *termOut) waitFor(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(o.String()); m != nil {
			return m[1]
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, with a deadline
	}
	t.Fatalf("the terminal never showed %s:\n%s", re, o.String())
	return ""
}

// `mailbell signin ACCOUNT` from a terminal: the person copies the printed
// URL into a browser (here the test browser), the redirect lands on the
// loopback listener, the refresh token goes to the store, nothing secret
// is printed.
func TestSignInTerminal(t *testing.T) {
	t.Parallel()
	o := oauth2test.StartT(t, oauth2test.Options{})
	ctx := ctxT(t, 20*time.Second)
	store := &memStore{}
	var out termOut
	type result struct {
		res Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := SignInTerminal(ctx, &out, testProvider(o), store, TerminalOptions{Address: defaultEmail})
		done <- result{res, err}
	}()
	u := out.waitFor(t, regexp.MustCompile(`(?m)^    (http://\S+)$`))
	port := out.waitFor(t, regexp.MustCompile(`ssh -L (\d+):127\.0\.0\.1:\d+`))
	if !strings.Contains(u, "redirect_uri=http%3A%2F%2F127.0.0.1%3A"+port+"%2F") {
		t.Fatalf("the printed URL %s does not come back to port %s", u, port)
	}
	if err := oauth2test.Browse(ctx, u); err != nil {
		t.Fatalf("browser: %v", err)
	}
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("SignInTerminal did not return")
	}
	if r.err != nil {
		t.Fatalf("SignInTerminal: %v", r.err)
	}
	saved, sets := store.get()
	if saved != r.res.Token.RefreshToken || len(sets) != 1 {
		t.Fatalf("store: %d saves, holds the refresh token: %v", len(sets), saved == r.res.Token.RefreshToken)
	}
	if !strings.Contains(out.String(), "Signed in as "+defaultEmail) {
		t.Fatalf("terminal:\n%s", out.String())
	}
	assertNoSecret(t, "terminal", out.String(), r.res.Token.AccessToken, r.res.Token.RefreshToken)
	// The saved token works for a manager.
	if tok := credential(t, manager(o, store, nil, nil)); !tokenOK(t, o, tok) {
		t.Fatal("the saved sign-in gives no valid token")
	}
}

// --device for Microsoft: the code and URL are printed; the flow polls
// until the person signed in elsewhere. The device endpoint is a stand-in
// (mockoidc has none) that answers as RFC 8628 says.
func TestSignInTerminalDevice(t *testing.T) {
	t.Parallel()
	var polls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /devicecode", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("client_id") != "ms-test" || !strings.Contains(r.FormValue("scope"), "offline_access") {
			http.Error(w, `{"error":"invalid_request"}`, 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"device_code": "dev-code-secret", "user_code": "ABCD-EFGH",
			"verification_uri": "https://microsoft.com/devicelogin", "expires_in": 60, "interval": 1})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.FormValue("device_code") != "dev-code-secret" || r.FormValue("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		polls.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-from-device", "refresh_token": "rt-from-device",
			"token_type": "Bearer", "expires_in": 3600})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p := Provider{Kind: KindMicrosoft, ClientID: "ms-test", Device: true,
		Endpoint: oauth2.Endpoint{DeviceAuthURL: srv.URL + "/devicecode", TokenURL: srv.URL + "/token", AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{MicrosoftIMAPScope, MicrosoftOffline}}
	store := &memStore{}
	var out termOut
	res, err := SignInTerminal(ctxT(t, 20*time.Second), &out, p, store, TerminalOptions{Device: true, Address: "bob@example.test"})
	if err != nil {
		t.Fatalf("device sign-in: %v", err)
	}
	if saved, _ := store.get(); saved != "rt-from-device" || res.Token.AccessToken != "at-from-device" || polls.Load() != 1 {
		t.Fatalf("device sign-in: saved %q, polls %d", saved, polls.Load())
	}
	text := out.String()
	for _, want := range []string{"https://microsoft.com/devicelogin", "ABCD-EFGH", "Signed in."} {
		if !strings.Contains(text, want) {
			t.Fatalf("terminal lacks %q:\n%s", want, text)
		}
	}
	assertNoSecret(t, "terminal", text, "at-from-device", "rt-from-device", "dev-code-secret")
}
