package settings

import (
	"context"
	"errors"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/discover"
	"mailbell/app/l10n"
	"mailbell/app/oauth"
)

// SignInTimeout bounds a whole browser sign-in as the window waits for it
// (the core's own sign-in gives up after 5 min).
var SignInTimeout = 6 * time.Minute

// OAuth2Account returns a set to sign in with provider: "auth": "oauth2"
// and the provider in its "oauth2" object (other oauth2 settings kept).
func OAuth2Account(a config.Account, provider oauth.Kind) config.Account {
	a.Auth = config.AuthOAuth2
	a.TokenCommand, a.GOAAccount, a.PasswordCommand = "", "", ""
	o := config.OAuth2{}
	if a.OAuth2 != nil {
		o = *a.OAuth2
		o.Scopes = append([]string(nil), a.OAuth2.Scopes...)
	}
	o.Provider = string(provider)
	a.OAuth2 = &o
	return a
}

// StartSignIn asks the core to start a browser sign-in for a; it answers
// with the address to open in the browser and the sign-in's name on the
// socket. A build without the provider's client ID answers with
// oauth.MissingClientText's words.
func (c *Controller) StartSignIn(ctx context.Context, a config.Account) (url, id string, err error) {
	ev, err := c.call(ctx, CallTimeout, control.Command{Cmd: control.CmdSignIn, Settings: &a})
	if err != nil {
		return "", "", err
	}
	if ev.Value == "" || ev.SignIn == "" {
		return "", "", errors.New("the core started no sign-in")
	}
	return ev.Value, ev.SignIn, nil
}

// WaitSignIn waits until the sign-in id ends (or ctx does) and returns
// "Signed in as …" or why it failed.
func (c *Controller) WaitSignIn(ctx context.Context, id string) (string, error) {
	for {
		ev, err := c.call(ctx, 60*time.Second, control.Command{Cmd: control.CmdSignInWait, SignIn: id})
		switch {
		case err != nil:
			return "", err
		case ev.Value != "":
			return ev.Value, nil
		case ctx.Err() != nil:
			return "", ctx.Err()
		}
	}
}

// SaveSignedIn is SaveAccount for an OAuth2 account: the core stores the
// refresh token of sign-in id (none: keeps the stored one) and writes a.
func (c *Controller) SaveSignedIn(ctx context.Context, a config.Account, originalID, id string) (Errors, error) {
	_, err := c.call(ctx, CallTimeout, control.Command{Cmd: control.CmdSaveAccount, Settings: &a, OriginalID: originalID, SignIn: id})
	return FromCore(control.FieldsOf(err)), err
}

// TestSignedIn is Test for an OAuth2 account, with sign-in id's access
// token (none: the account's stored sign-in).
func (c *Controller) TestSignedIn(ctx context.Context, a config.Account, originalID, id string) TestResult {
	return c.test(ctx, control.Command{Cmd: control.CmdTestAccount, Settings: &a, OriginalID: originalID, SignIn: id})
}

// CoreSignIn is SignIn (the first-run window's hook) through the core:
// the core runs the flow and keeps the tokens; Open opens the address in
// the browser (Fyne's OpenURL) and ShowURL shows it to copy (called off
// the UI goroutine: go through fyne.Do).
type CoreSignIn struct {
	C       *Controller
	Open    func(url string) error
	ShowURL func(url string)
}

var _ SignIn = CoreSignIn{}

// Available reports whether this build has a client ID for provider.
func (s CoreSignIn) Available(p discover.OAuth2Provider) bool {
	return oauth.BuildHasClient(oauth.Kind(p))
}

// SignIn signs a in with provider. The core keeps the tokens until the
// account (as returned, same id) is tested or saved without naming the
// sign-in: it then uses the last sign-in made for that id, and the save
// stores its refresh token in the keyring.
func (s CoreSignIn) SignIn(ctx context.Context, p discover.OAuth2Provider, a config.Account) (config.Account, error) {
	a = OAuth2Account(a, oauth.Kind(p))
	ctx, cancel := context.WithTimeout(ctx, SignInTimeout)
	defer cancel()
	url, id, err := s.C.StartSignIn(ctx, a)
	if err != nil {
		return a, err
	}
	if s.ShowURL != nil {
		s.ShowURL(url)
	}
	if s.Open != nil {
		if err := s.Open(url); err != nil && s.ShowURL == nil {
			return a, errors.New(l10n.T("signin.browser_failed", l10n.Args{"Error": err.Error(), "URL": url}))
		}
	}
	if _, err := s.C.WaitSignIn(ctx, id); err != nil {
		return a, err
	}
	return a, nil
}

// OnlineAccounts asks the core for GNOME Online Accounts' mail accounts;
// an error where Online Accounts is not on this desktop.
func (c *Controller) OnlineAccounts(ctx context.Context) ([]control.OnlineAccount, error) {
	ev, err := c.call(ctx, CallTimeout, control.Command{Cmd: control.CmdOnlineAccounts})
	if err != nil {
		return nil, err
	}
	return ev.OnlineAccounts, nil
}

// FromOnlineAccount is the account a one-click add of oa saves: its server
// and login from Online Accounts, a new id, and "goa_account" so that every
// login asks Online Accounts for a fresh token (or the password).
func FromOnlineAccount(oa control.OnlineAccount, existing []config.Account) config.Account {
	name := oa.Identity
	if oa.Provider != "" && oa.Provider != "IMAP and SMTP" {
		name = oa.Provider
	}
	a := config.Account{ID: config.NewID(existing), Name: name, Email: oa.Email, Host: oa.Host, Port: oa.Port,
		Security: oa.Security, Username: oa.Username,
		AuthOptions: config.AuthOptions{Auth: config.AuthOAuth2, GOAAccount: oa.ID}}
	if a.Username == a.Email {
		a.Username = "" // the default
	}
	return a
}

// OnlineAccountLabel names oa in the list to pick from: "ann@gmail.com (Google)".
func OnlineAccountLabel(oa control.OnlineAccount) string {
	who := oa.Identity
	if who == "" {
		who = oa.Email
	}
	label := who
	if oa.Provider != "" {
		label = l10n.T("settings.goa.account", l10n.Args{"Account": who, "Provider": oa.Provider})
	}
	if oa.AttentionNeeded {
		label = l10n.T("settings.goa.needs_attention", l10n.Args{"Account": label})
	}
	return label
}
