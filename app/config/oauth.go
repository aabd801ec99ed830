package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"mailbell/app/l10n"
	"mailbell/app/oauth"
)

// AuthMethod is how an account logs in: config.json's "auth".
type AuthMethod string

const (
	// AuthPassword logs in with a password (keyring or password_command);
	// the default when "auth" is absent.
	AuthPassword AuthMethod = "password"
	// AuthOAuth2 logs in with an OAuth2 access token: from Mailbell's own
	// sign-in ("oauth2"), a "token_command", or GNOME Online Accounts
	// ("goa_account").
	AuthOAuth2 AuthMethod = "oauth2"
)

// AuthOptions are an account's sign-in fields, embedded in Account:
//
//	"auth": "password" | "oauth2"          (default "password")
//	"oauth2": {"provider": "google" | "microsoft" | "custom", "client_id",
//	           "client_secret", "tenant", "auth_url", "token_url", "scopes"}
//	"token_command": "oama access alice@gmail.com"
//	"goa_account": "account_1700000000_0"
//
// With "auth": "oauth2" at most one of oauth2, token_command and
// goa_account is given; with none, the provider follows from the host
// (imap.gmail.com: google, outlook.office365.com: microsoft).
type AuthOptions struct {
	Auth AuthMethod `json:"auth,omitempty"`
	// OAuth2: Mailbell signs in itself; the refresh token is kept in the
	// keyring under the account's own entry (never in this file).
	OAuth2 *OAuth2 `json:"oauth2,omitempty"`
	// TokenCommand is run (no shell) at every login and prints an access
	// token (oama, mutt_oauth2.py, oauth2l).
	TokenCommand string `json:"token_command,omitempty"`
	// GOAAccount is the id of a GNOME Online Accounts account: a fresh
	// access token (or password) is asked of goa-daemon at every login.
	GOAAccount string `json:"goa_account,omitempty"`
}

// OAuth2 is the "oauth2" object of an account: oauth.Settings as
// config.json spells them. Empty fields take the provider's defaults.
type OAuth2 struct {
	Provider     string   `json:"provider,omitempty"`
	ClientID     string   `json:"client_id,omitempty"`
	ClientSecret string   `json:"client_secret,omitempty"`
	Tenant       string   `json:"tenant,omitempty"`
	AuthURL      string   `json:"auth_url,omitempty"`
	TokenURL     string   `json:"token_url,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
}

func init() {
	// The "oauth2" object's schema for the loader's walk (rules.go's nested).
	nestedFields["oauth2"] = fieldsOf(reflect.TypeFor[OAuth2]())
}

// EffectiveAuth is the account's auth method, AuthPassword when none is given.
func (a Account) EffectiveAuth() AuthMethod {
	if a.Auth == "" {
		return AuthPassword
	}
	return a.Auth
}

// UsesOAuth2Manager reports whether the account signs in through
// Mailbell's own OAuth2 flow (a refresh token in the keyring), as opposed
// to a password, a token_command or GNOME Online Accounts.
func (a Account) UsesOAuth2Manager() bool {
	return a.EffectiveAuth() == AuthOAuth2 && a.TokenCommand == "" && a.GOAAccount == ""
}

// OAuth2Settings are the account's OAuth2 settings for oauth.Settings.Resolve:
// its "oauth2" object, the provider following from the host when the object
// (or its provider) is absent.
func (a Account) OAuth2Settings() oauth.Settings {
	var s oauth.Settings
	if o := a.OAuth2; o != nil {
		s = oauth.Settings{Provider: oauth.Kind(o.Provider), ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			Tenant: o.Tenant, AuthURL: o.AuthURL, TokenURL: o.TokenURL, Scopes: append([]string(nil), o.Scopes...)}
	}
	if s.Provider == "" {
		s.Provider = ProviderForHost(a.Host)
	}
	return s
}

// ProviderForHost is the OAuth2 provider whose IMAP server host is, or ""
// when host is none of theirs.
func ProviderForHost(host string) oauth.Kind {
	switch strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".") {
	case oauth.GoogleIMAPHost, "imap.googlemail.com":
		return oauth.KindGoogle
	case oauth.MicrosoftIMAPHost, "outlook.office.com", "imap-mail.outlook.com":
		return oauth.KindMicrosoft
	}
	return ""
}

// validateAuth checks the sign-in fields of a; path ("accounts[1]")
// prefixes the field names.
func validateAuth(a Account, path string, probs []Problem) []Problem {
	add := func(name, msg string) {
		if path != "" {
			name = path + "." + name
		}
		probs = append(probs, Problem{Field: name, Msg: msg})
	}
	switch a.Auth {
	case "", AuthPassword:
		for _, f := range []struct {
			name string
			set  bool
		}{{"oauth2", a.OAuth2 != nil}, {"token_command", a.TokenCommand != ""}, {"goa_account", a.GOAAccount != ""}} {
			if f.set {
				add(f.name, l10n.T("config.oauth2_only"))
			}
		}
		return probs
	case AuthOAuth2:
	default:
		add("auth", l10n.T("config.auth_unknown", l10n.Args{"Value": strconv.Quote(string(a.Auth))}))
		return probs
	}

	given := 0
	for _, set := range []bool{a.OAuth2 != nil, a.TokenCommand != "", a.GOAAccount != ""} {
		if set {
			given++
		}
	}
	if given > 1 {
		add("auth", l10n.T("config.auth_several"))
	}
	if a.PasswordCommand != "" {
		add("password_command", l10n.T("config.password_command_oauth2"))
	}
	switch {
	case a.TokenCommand != "":
		if strings.TrimSpace(a.TokenCommand) == "" {
			add("token_command", l10n.T("config.blank_command"))
		}
	case a.GOAAccount != "":
		if strings.TrimSpace(a.GOAAccount) == "" || strings.IndexFunc(a.GOAAccount, func(r rune) bool { return r < ' ' || r == '/' }) >= 0 {
			add("goa_account", l10n.T("config.goa_account_invalid", l10n.Args{"Value": strconv.Quote(a.GOAAccount)}))
		}
	default:
		validateOAuth2(a, add)
	}
	return probs
}

// validateOAuth2 checks the "oauth2" object (or the provider the host
// implies) with oauth.Settings.Resolve, without the build's client ID: a
// build without one for Google or Microsoft is not a config error (the
// account shows the words of oauth.MissingClientText instead).
func validateOAuth2(a Account, add func(name, msg string)) {
	field := "oauth2"
	if a.OAuth2 == nil {
		field = "auth"
	}
	s := a.OAuth2Settings()
	if s.Provider == "" {
		if a.OAuth2 == nil {
			add(field, l10n.T("config.oauth2_no_provider", l10n.Args{"Host": strconv.Quote(a.Host)}))
		} else {
			add("oauth2.provider", l10n.T("config.oauth2_provider_missing"))
		}
		return
	}
	if a.OAuth2 != nil && a.OAuth2.Provider != "" {
		field = "oauth2.provider"
	}
	if s.ClientID == "" && s.Provider != oauth.KindCustom {
		s.ClientID = "build-default" // checked apart: see above
	}
	if _, err := s.Resolve(); err != nil {
		msg := strings.TrimPrefix(err.Error(), "oauth2: ")
		name := field
		for _, sub := range []string{"client_id", "tenant", "auth_url", "token_url", "scopes"} {
			if strings.Contains(msg, sub) && a.OAuth2 != nil {
				name = "oauth2." + sub
				break
			}
		}
		if errors.Is(err, oauth.ErrNoClientID) && a.OAuth2 != nil {
			name = "oauth2.client_id"
			msg = l10n.T("config.oauth2_no_client_id") // only custom gets here: see above
		}
		add(name, msg) // oauth's own words (English): a technical detail of a hand-written "oauth2"
	}
	for i, sc := range s.Scopes {
		if strings.TrimSpace(sc) == "" || strings.ContainsAny(sc, " \t\r\n") {
			add(fmt.Sprintf("oauth2.scopes[%d]", i), l10n.T("config.scope_invalid", l10n.Args{"Value": strconv.Quote(sc)}))
		}
	}
}
