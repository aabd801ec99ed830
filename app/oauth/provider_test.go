package oauth

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// withBuildClients sets the link-time client IDs for one test (not
// parallel: they are package variables).
func withBuildClients(t *testing.T, gID, gSecret, msID string) {
	t.Helper()
	old := [...]string{googleClientID, googleClientSecret, microsoftClientID}
	googleClientID, googleClientSecret, microsoftClientID = gID, gSecret, msID
	t.Cleanup(func() { googleClientID, googleClientSecret, microsoftClientID = old[0], old[1], old[2] })
}

func TestResolveNoBuildClient(t *testing.T) {
	withBuildClients(t, "", "", "")
	for _, k := range []Kind{KindGoogle, KindMicrosoft} {
		if BuildHasClient(k) {
			t.Fatalf("%s: BuildHasClient true in a build without IDs", k)
		}
		want := "This build of Mailbell has no " + k.Name() + " client ID — see README 'Registering an OAuth client'"
		if !strings.HasPrefix(MissingClientText(k), want) {
			t.Fatalf("%s: MissingClientText = %q", k, MissingClientText(k))
		}
		_, err := Settings{Provider: k}.Resolve()
		if !errors.Is(err, ErrNoClientID) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: Resolve = %v, want ErrNoClientID with the words", k, err)
		}
		// The account's own client works without a build ID.
		p, err := Settings{Provider: k, ClientID: "own-id"}.Resolve()
		if err != nil || p.ClientID != "own-id" {
			t.Fatalf("%s with client_id: %v %+v", k, err, p)
		}
	}
	if MissingClientText(KindCustom) != "" || BuildHasClient(KindCustom) {
		t.Fatal("custom has no build client and needs no words")
	}
}

func TestResolveGoogle(t *testing.T) {
	withBuildClients(t, "g-id", "g-secret", "")
	if !BuildHasClient(KindGoogle) || MissingClientText(KindGoogle) != "" || BuildHasClient(KindMicrosoft) {
		t.Fatal("build client not seen")
	}
	p, err := Settings{Provider: KindGoogle}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if p.ClientID != "g-id" || p.ClientSecret != "g-secret" || p.IMAPHost != "imap.gmail.com" || p.Device {
		t.Fatalf("google: %+v", p)
	}
	if p.Endpoint.AuthURL != "https://accounts.google.com/o/oauth2/auth" || p.Endpoint.TokenURL != "https://oauth2.googleapis.com/token" {
		t.Fatalf("google endpoint %+v", p.Endpoint)
	}
	if !slices.Contains(p.Scopes, "https://mail.google.com/") {
		t.Fatalf("google scopes %v", p.Scopes)
	}
	u, _ := url.Parse(p.config("http://127.0.0.1:1/").AuthCodeURL("st", p.AuthParams...))
	if u.Query().Get("access_type") != "offline" || u.Query().Get("prompt") != "consent" {
		t.Fatalf("google auth URL %s lacks offline access", u)
	}
	// The account's own client wins over the build's.
	p, _ = Settings{Provider: KindGoogle, ClientID: "mine", ClientSecret: "s"}.Resolve()
	if p.ClientID != "mine" || p.ClientSecret != "s" {
		t.Fatalf("override: %+v", p)
	}
	if _, err := (Settings{Provider: KindGoogle, Tenant: "x"}).Resolve(); err == nil {
		t.Fatal("google with a tenant accepted")
	}
	if _, err := (SignInDevice(t.Context(), p, DeviceOptions{Show: func(DeviceCode) {}})); !errors.Is(err, ErrDeviceNotAllowed) || !strings.Contains(err.Error(), "Google does not allow it") {
		t.Fatalf("device flow for Google: %v", err)
	}
}

func TestResolveMicrosoft(t *testing.T) {
	withBuildClients(t, "", "", "ms-id")
	p, err := Settings{Provider: KindMicrosoft}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if p.ClientID != "ms-id" || p.ClientSecret != "" || p.IMAPHost != "outlook.office365.com" || !p.Device || p.RedirectHost != "localhost" {
		t.Fatalf("microsoft: %+v", p)
	}
	if p.Endpoint.TokenURL != "https://login.microsoftonline.com/common/oauth2/v2.0/token" || p.Endpoint.DeviceAuthURL == "" {
		t.Fatalf("microsoft endpoint %+v", p.Endpoint)
	}
	for _, sc := range []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"} {
		if !slices.Contains(p.Scopes, sc) {
			t.Fatalf("microsoft scopes %v lack %s", p.Scopes, sc)
		}
	}
	p, err = Settings{Provider: KindMicrosoft, Tenant: "contoso.onmicrosoft.com"}.Resolve()
	if err != nil || !strings.Contains(p.Endpoint.AuthURL, "/contoso.onmicrosoft.com/oauth2/v2.0/authorize") {
		t.Fatalf("tenant: %v %s", err, p.Endpoint.AuthURL)
	}
	for _, bad := range []Settings{{Provider: KindMicrosoft, Tenant: "a/b"}, {Provider: KindMicrosoft, AuthURL: "https://x"}} {
		if _, err := bad.Resolve(); err == nil {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

func TestResolveCustom(t *testing.T) {
	withBuildClients(t, "g", "", "m")
	good := Settings{Provider: KindCustom, ClientID: "c", AuthURL: "https://id.example/auth", TokenURL: "https://id.example/token", Scopes: []string{"imap"}}
	p, err := good.Resolve()
	if err != nil || p.IMAPHost != "" || p.Device || !slices.Equal(p.Scopes, []string{"imap"}) {
		t.Fatalf("custom: %v %+v", err, p)
	}
	bad := map[string]Settings{
		"no client id": {Provider: KindCustom, AuthURL: good.AuthURL, TokenURL: good.TokenURL, Scopes: good.Scopes},
		"no scopes":    {Provider: KindCustom, ClientID: "c", AuthURL: good.AuthURL, TokenURL: good.TokenURL},
		"http remote":  {Provider: KindCustom, ClientID: "c", AuthURL: "http://id.example/auth", TokenURL: good.TokenURL, Scopes: good.Scopes},
		"no token url": {Provider: KindCustom, ClientID: "c", AuthURL: good.AuthURL, Scopes: good.Scopes},
		"tenant":       {Provider: KindCustom, ClientID: "c", AuthURL: good.AuthURL, TokenURL: good.TokenURL, Scopes: good.Scopes, Tenant: "t"},
		"unknown kind": {Provider: "yahoo"},
		"empty kind":   {},
	}
	for name, s := range bad {
		if _, err := s.Resolve(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
