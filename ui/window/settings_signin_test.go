package window

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/oauth2-proxy/mockoidc"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/oauth"
	"mailbell/internal/testenv/oauth2test"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// An address at Gmail shows the sign-in with Google instead of the
// password; a build without Google's client ID says so in words and keeps
// the button off; choosing Password brings the password back.
func TestSettingsSignInInsteadOfPassword(t *testing.T) {
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: t.TempDir(), Secrets: secrets.Memory()})
	s := h.openSettings("")
	f := s.form
	typeInto(s, f.email, "ann@gmail.com")
	s.w.Canvas().Focus(f.name)
	if f.signin.method.Selected != methodGoogle() {
		t.Fatalf("sign-in method %q after a Gmail address, want %q", f.signin.method.Selected, methodGoogle())
	}
	if f.signin.pwRow[1].Visible() || !f.signin.button.Visible() || f.signin.button.Text != "Sign in with Google" {
		t.Fatalf("password visible %v, button visible %v %q", f.password.Visible(), f.signin.button.Visible(), f.signin.button.Text)
	}
	all := windowTexts(s.w)
	mustText(t, all, "Sign in with Google")
	if !oauth.BuildHasClient(oauth.KindGoogle) {
		if !f.signin.button.Disabled() || !strings.Contains(f.signin.status.Text, oauth.MissingClientText(oauth.KindGoogle)) || !f.signin.link.Visible() {
			t.Fatalf("no client ID: button disabled %v, status %q", f.signin.button.Disabled(), f.signin.status.Text)
		}
	}
	if !f.saveBtn.Disabled() {
		t.Fatal("Save enabled before the sign-in")
	}
	f.signin.method.SetSelected(methodPassword())
	if !f.signin.pwRow[1].Visible() || f.signin.btnRow[1].Visible() {
		t.Fatal("choosing Password did not bring the password field back")
	}
	mustText(t, windowTexts(s.w), "To save, fill in: password")

	// A choice made by hand stays; a fresh form follows Outlook's address.
	typeInto(s, f.email, "bob@outlook.com")
	s.w.Canvas().Focus(f.name)
	if f.signin.method.Selected != methodPassword() {
		t.Fatalf("the address overrode the person's choice: %q", f.signin.method.Selected)
	}
	h.loop.drain()
	s2 := h.openSettings("")
	f2 := s2.form
	f2.edit(f2.base, false)
	typeInto(s2, f2.email, "bob@outlook.com")
	s2.w.Canvas().Focus(f2.name)
	if f2.signin.method.Selected != methodMicrosoft() || f2.signin.button.Text != "Sign in with Microsoft" {
		t.Fatalf("Outlook address: method %q, button %q", f2.signin.method.Selected, f2.signin.button.Text)
	}
}

// The settings window's Sign in with a real core and a real OAuth2 server:
// the core starts the flow and answers with the address, the window shows
// it to copy (a browser follows it), "Signed in as …" appears, Test
// connection and Save use the sign-in, and the refresh token ends up in
// the keyring, never in the window.
func TestSettingsSignInThroughTheCore(t *testing.T) {
	o := oauth2test.StartT(t, oauth2test.Options{})
	email := mockoidc.DefaultUser().Email
	cfg := o.Config("")
	dir := t.TempDir()
	conf := fmt.Sprintf(`{"accounts": [{"id": "cu", "email": %q, "host": "127.0.0.1", "port": 1, "security": "plain",
  "auth": "oauth2", "oauth2": {"provider": "custom", "client_id": %q, "client_secret": %q, "auth_url": %q, "token_url": %q,
  "scopes": ["imap", "offline_access", "openid", "email"]}}]}`, email, cfg.ClientID, cfg.ClientSecret, cfg.Endpoint.AuthURL, cfg.Endpoint.TokenURL)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	store := secrets.Memory()
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: store,
		OAuthOptions: app.OAuthOptions{SecretNotFound: func(err error) bool { return errors.Is(err, secrets.ErrNotFound) }}})
	s := h.openSettings("cu")
	f := s.form
	if f.signin.method.Selected != methodOther() || f.signin.pwRow[1].Visible() || f.signin.button.Disabled() {
		t.Fatalf("custom OAuth2 account: method %q, password visible %v, button disabled %v", f.signin.method.Selected, f.signin.pwRow[1].Visible(), f.signin.button.Disabled())
	}
	test.Tap(f.signin.button)
	h.loop.until(t, "the sign-in address", func() bool { return f.signin.url.Visible() && f.signin.url.Text != "" })
	link := f.signin.url.Text
	if !strings.HasPrefix(link, o.AuthURL()) {
		t.Fatalf("sign-in address %q", link)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	browsed := make(chan error, 1)
	go func() { browsed <- oauth2test.Browse(ctx, link) }()
	h.loop.until(t, "Signed in as", func() bool { return strings.HasPrefix(f.signin.status.Text, "Signed in as "+email) })
	if err := <-browsed; err != nil {
		t.Fatalf("browser: %v", err)
	}
	if f.saveBtn.Disabled() {
		t.Fatalf("Save disabled after the sign-in: %q", windowTexts(s.w))
	}
	test.Tap(f.saveBtn)
	h.loop.until(t, "the save", func() bool { return strings.HasPrefix(f.saveStatus.Text, "Saved") })
	rt, err := store.Get(ctx, "cu"+app.OAuthSecretSuffix)
	if err != nil || rt == "" {
		t.Fatalf("no refresh token in the keyring after the save: %v", err)
	}
	for _, txt := range windowTexts(s.w) {
		if strings.Contains(txt, rt) {
			t.Fatal("the refresh token shows in the window")
		}
	}
	mustText(t, windowTexts(s.w), "Signed in as "+email+" — saved in the keyring")
}

// fakeGOA is GNOME Online Accounts as the core sees it, for the window.
type fakeGOA struct{ list []control.OnlineAccount }

func (g fakeGOA) List(context.Context) ([]control.OnlineAccount, error) { return g.list, nil }
func (g fakeGOA) Credential(context.Context, string) (mail.Credential, error) {
	return mail.Credential{}, errors.New("not in this test")
}

// Where Online Accounts holds mail accounts, the settings window offers
// them; one click saves the account with its goa_account.
func TestSettingsAddFromOnlineAccounts(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: secrets.Memory(), OAuthOptions: app.OAuthOptions{
		OnlineAccounts: fakeGOA{list: []control.OnlineAccount{{ID: "account_1700000000_0", Provider: "Google",
			Identity: "ann@gmail.com", Email: "ann@gmail.com", Host: "imap.gmail.com", Port: 993, Security: "tls",
			Username: "ann@gmail.com", Auth: "oauth2"}}}}})
	s := h.openSettings("")
	var btn *widget.Button
	h.loop.until(t, "the Online Accounts button", func() bool {
		btn = findButton(s.w.Content(), "From Online Accounts…") // visible ones only
		return btn != nil
	})
	test.Tap(btn)
	var pick *widget.Button
	for _, o := range s.w.Canvas().Overlays().List() {
		if b := findButton(o, "ann@gmail.com (Google)"); b != nil {
			pick = b
		}
	}
	if pick == nil {
		t.Fatalf("no Online Accounts choice; texts %q", windowTexts(s.w))
	}
	test.Tap(pick)
	h.loop.until(t, "the account saved", func() bool {
		cfg, err := config.Load(dir)
		return err == nil && len(cfg.Accounts) == 1 && cfg.Accounts[0].GOAAccount == "account_1700000000_0"
	})
	cfg, _ := config.Load(dir)
	a := cfg.Accounts[0]
	if a.Host != "imap.gmail.com" || a.EffectiveAuth() != config.AuthOAuth2 || a.Name != "Google" {
		t.Fatalf("saved %+v", a)
	}
}
