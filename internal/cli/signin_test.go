package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/oauth2test"
)

// The test binary doubles as the browser of `mailbell signin`: run as
// BROWSER with MAILBELL_TEST_BROWSER=1 and a URL, it follows the sign-in
// page's redirects to the loopback listener, as a person's browser would.
func init() {
	if os.Getenv("MAILBELL_TEST_BROWSER") != "1" || len(os.Args) < 2 || !strings.HasPrefix(os.Args[len(os.Args)-1], "http") {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := oauth2test.Browse(ctx, os.Args[len(os.Args)-1]); err != nil {
		fmt.Fprintln(os.Stderr, "test browser:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// `mailbell signin ID` in a real process: it prints the address, the
// browser (BROWSER, the test binary) signs in, the refresh token lands in
// gnome-keyring under ID#oauth2, and nothing secret is printed.
func TestSignInFromTerminal(t *testing.T) {
	s, err := desktoptest.Start(desktoptest.Options{Keyring: true})
	if err != nil {
		t.Fatalf("desktop session: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	o := oauth2test.StartT(t, oauth2test.Options{})
	email := mockoidc.DefaultUser().Email
	cfg := o.Config("")
	dir := t.TempDir()
	conf := fmt.Sprintf(`{"accounts": [{"id": "gm", "email": %q, "host": "127.0.0.1", "port": 1, "security": "plain",
  "auth": "oauth2", "oauth2": {"provider": "custom", "client_id": %q, "client_secret": %q, "auth_url": %q, "token_url": %q,
  "scopes": ["imap", "offline_access", "openid", "email"]}}]}`, email, cfg.ClientID, cfg.ClientSecret, cfg.Endpoint.AuthURL, cfg.Endpoint.TokenURL)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "--", "signin", "gm", "--config-dir", dir)
	cmd.Env = append(s.Env(), "MAILBELL_CLI_CHILD=1", "MAILBELL_TEST_BROWSER=1", "BROWSER="+os.Args[0])
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mailbell signin: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"To sign in " + email + " with OAuth2, open this address in a browser:",
		o.AuthURL(), "ssh -L ", "Signed in as " + email} {
		if !strings.Contains(out, want) {
			t.Fatalf("stdout lacks %q:\n%s", want, out)
		}
	}

	look := exec.CommandContext(ctx, "secret-tool", "lookup", "service", "mailbell", "username", "gm#oauth2")
	look.Env = s.Env()
	rt, err := look.Output()
	if err != nil || len(rt) == 0 {
		t.Fatalf("no refresh token in the keyring: %v", err)
	}
	// It is a working refresh token.
	if _, err := o.Refresh(ctx, string(rt)); err != nil {
		t.Fatalf("the stored refresh token does not refresh: %v", err)
	}
	for _, form := range []string{string(rt), base64.StdEncoding.EncodeToString(rt)} {
		if strings.Contains(out+stderr.String(), form) {
			t.Fatal("the refresh token was printed")
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "config.json")); bytes.Contains(data, rt) {
		t.Fatal("the refresh token is in config.json")
	}

	// An account that does not sign in with OAuth2 is refused in words.
	bad := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "--", "signin", "nope", "--config-dir", dir)
	bad.Env = append(s.Env(), "MAILBELL_CLI_CHILD=1")
	msg, err := bad.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), `no account "nope"`) {
		t.Fatalf("signin of an unknown account: %v %s", err, msg)
	}
}
