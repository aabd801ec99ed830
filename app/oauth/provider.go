package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"
)

// Kind names an OAuth2 provider, as config.json's oauth2.provider does.
type Kind string

const (
	KindGoogle    Kind = "google"
	KindMicrosoft Kind = "microsoft"
	KindCustom    Kind = "custom"
)

// Name is the provider's name for people ("Google", "Microsoft", "OAuth2"):
// a proper name in every language, so sentences such as "Sign in with
// {{.Provider}}" need no declension of it.
func (k Kind) Name() string {
	switch k {
	case KindGoogle:
		return "Google"
	case KindMicrosoft:
		return "Microsoft"
	case KindCustom:
		return "OAuth2"
	}
	return string(k)
}

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool { return k == KindGoogle || k == KindMicrosoft || k == KindCustom }

// Scopes and hosts of the two big providers.
const (
	GoogleScope        = "https://mail.google.com/"
	MicrosoftIMAPScope = "https://outlook.office.com/IMAP.AccessAsUser.All"
	// MicrosoftOffline makes Microsoft hand out a refresh token.
	MicrosoftOffline  = "offline_access"
	GoogleIMAPHost    = "imap.gmail.com"
	MicrosoftIMAPHost = "outlook.office365.com"
	// DefaultTenant is Microsoft's tenant for personal and work accounts.
	DefaultTenant = "common"
)

// identityScopes are asked for at sign-in by Google and Microsoft so that
// the token answer carries an ID token with the address signed in
// (Result.Email: "Signed in as …"). Both are plain OpenID Connect scopes
// with no extra verification at either provider.
var identityScopes = []string{"openid", "email"}

// Settings are an account's OAuth2 settings as config.json holds them
// (the "oauth2" object). Empty fields take the provider's defaults.
type Settings struct {
	Provider     Kind
	ClientID     string
	ClientSecret string
	Tenant       string   // Microsoft only; default "common"
	AuthURL      string   // custom only
	TokenURL     string   // custom only
	Scopes       []string // custom: required; Google/Microsoft: replaces the default scopes
}

// Provider is a resolved OAuth2 client: where to sign in, with which
// client and scopes, and how the redirect must look.
type Provider struct {
	Kind         Kind
	ClientID     string
	ClientSecret string
	Endpoint     oauth2.Endpoint
	// Scopes are asked for at sign-in (identity scopes included).
	Scopes []string
	// IMAPHost is the provider's IMAP server ("" for custom).
	IMAPHost string
	// RedirectHost is the host written in the loopback redirect URL:
	// "127.0.0.1", or "localhost" for Microsoft, which matches a
	// registered http://localhost ignoring the port. The listener is on
	// 127.0.0.1 either way.
	RedirectHost string
	// Device: the device-code flow is allowed for mail with this provider.
	Device bool
	// AuthParams are extra parameters of the authorization URL (Google:
	// access_type=offline and prompt=consent, without which a second
	// sign-in returns no refresh token).
	AuthParams []oauth2.AuthCodeOption
}

// ErrNoClientID: neither the account nor this build has a client ID for
// the provider. Its text is MissingClientText's.
var ErrNoClientID = errors.New("no OAuth2 client ID")

// Resolve turns settings into a Provider: the build's client for Google and
// Microsoft unless the account sets its own, the default scopes unless
// the account lists its own. It checks without touching the network.
func (s Settings) Resolve() (Provider, error) {
	kind := s.Provider
	if kind == "" {
		return Provider{}, errors.New("oauth2: no provider (google, microsoft or custom)")
	}
	if !kind.Valid() {
		return Provider{}, fmt.Errorf("oauth2: unknown provider %q (google, microsoft or custom)", string(kind))
	}
	p := Provider{Kind: kind, ClientID: s.ClientID, ClientSecret: s.ClientSecret, RedirectHost: "127.0.0.1"}
	if p.ClientID == "" {
		p.ClientID, p.ClientSecret = buildClient(kind)
		if p.ClientID == "" {
			if kind == KindCustom {
				return Provider{}, fmt.Errorf("%w: set client_id for this account", ErrNoClientID)
			}
			return Provider{}, fmt.Errorf("%w: %s", ErrNoClientID, MissingClientText(kind))
		}
	}
	switch kind {
	case KindGoogle:
		if s.Tenant != "" || s.AuthURL != "" || s.TokenURL != "" {
			return Provider{}, errors.New("oauth2: tenant, auth_url and token_url are not used with google")
		}
		p.Endpoint = endpoints.Google // the same as google.Endpoint, without that package's cloud metadata dependency
		p.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		p.Scopes = withDefault(s.Scopes, []string{GoogleScope})
		p.IMAPHost = GoogleIMAPHost
		p.AuthParams = []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.SetAuthURLParam("prompt", "consent")}
	case KindMicrosoft:
		if s.AuthURL != "" || s.TokenURL != "" {
			return Provider{}, errors.New("oauth2: auth_url and token_url are not used with microsoft (set tenant)")
		}
		tenant := s.Tenant
		if tenant == "" {
			tenant = DefaultTenant
		}
		if strings.ContainsAny(tenant, "/?#% ") {
			return Provider{}, fmt.Errorf("oauth2: tenant %q is not a tenant name or id", tenant)
		}
		p.Endpoint = endpoints.AzureAD(tenant)
		p.Endpoint.AuthStyle = oauth2.AuthStyleInParams // public client: client_id in the body
		p.Scopes = withDefault(s.Scopes, []string{MicrosoftIMAPScope, MicrosoftOffline})
		p.IMAPHost = MicrosoftIMAPHost
		p.RedirectHost = "localhost"
		p.Device = true
	case KindCustom:
		if s.Tenant != "" {
			return Provider{}, errors.New("oauth2: tenant is used with microsoft only")
		}
		for _, u := range []struct{ name, v string }{{"auth_url", s.AuthURL}, {"token_url", s.TokenURL}} {
			if err := checkURL(u.name, u.v); err != nil {
				return Provider{}, err
			}
		}
		if len(s.Scopes) == 0 {
			return Provider{}, errors.New("oauth2: scopes: list the scopes IMAP access needs at this provider")
		}
		p.Endpoint = oauth2.Endpoint{AuthURL: s.AuthURL, TokenURL: s.TokenURL}
		if p.ClientSecret == "" {
			p.Endpoint.AuthStyle = oauth2.AuthStyleInParams // a public client cannot use basic auth
		}
		p.Scopes = slices.Clone(s.Scopes)
		return p, nil
	}
	for _, sc := range identityScopes {
		if !slices.Contains(p.Scopes, sc) {
			p.Scopes = append(p.Scopes, sc)
		}
	}
	return p, nil
}

func withDefault(s, def []string) []string {
	if len(s) > 0 {
		return slices.Clone(s)
	}
	return slices.Clone(def)
}

// checkURL accepts https URLs, and http ones to loopback only (tests, a
// local proxy).
func checkURL(name, v string) error {
	if v == "" {
		return fmt.Errorf("oauth2: %s is required for a custom provider", name)
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return fmt.Errorf("oauth2: %s %q is not a URL", name, v)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return fmt.Errorf("oauth2: %s must be an https URL (http only to 127.0.0.1 or localhost)", name)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// config is the x/oauth2 configuration with the given redirect URL.
func (p Provider) config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		Endpoint: p.Endpoint, Scopes: slices.Clone(p.Scopes), RedirectURL: redirectURL}
}
