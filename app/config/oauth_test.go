package config

import (
	"errors"
	"strings"
	"testing"

	"mailbell/app/oauth"
)

// The sign-in fields are checked like the rest: unknown fields refused,
// each problem on its field, Resolve's problems reported on the field.
func TestAuthValidation(t *testing.T) {
	acct := func(host, extra string) string {
		return `{"accounts": [{"id": "a", "email": "ann@example.com", "host": "` + host + `"` + extra + `}]}`
	}
	bad := []struct {
		name, content string
		want          string
	}{
		{"unknown auth", acct("imap.example.com", `, "auth": "kerberos"`), `accounts[0].auth: unknown auth "kerberos": want "password" or "oauth2"`},
		{"auth as number", acct("imap.example.com", `, "auth": 2`), `accounts[0].auth: want a string, got a number`},
		{"oauth2 as string", acct("imap.gmail.com", `, "auth": "oauth2", "oauth2": "google"`), `accounts[0].oauth2: want an object, {...}, got a string`},
		{"unknown oauth2 field", acct("imap.gmail.com", `, "auth": "oauth2", "oauth2": {"provider": "google", "clientid": "x"}`), `accounts[0].oauth2.clientid: unknown field "clientid"; did you mean "client_id"?`},
		{"refresh token in file", acct("imap.gmail.com", `, "auth": "oauth2", "oauth2": {"provider": "google", "refresh_token": "x"}`), `accounts[0].oauth2.refresh_token: unknown field "refresh_token"`},
		{"scopes as string", acct("imap.gmail.com", `, "auth": "oauth2", "oauth2": {"provider": "google", "scopes": "a b"}`), `accounts[0].oauth2.scopes: want a list of strings, got a string`},
		{"unknown provider", acct("imap.example.com", `, "auth": "oauth2", "oauth2": {"provider": "yahoo"}`), `accounts[0].oauth2.provider: unknown provider "yahoo"`},
		{"no provider", acct("imap.example.com", `, "auth": "oauth2"`), `accounts[0].auth: "oauth2" needs a provider for "imap.example.com"`},
		{"empty provider", acct("imap.example.com", `, "auth": "oauth2", "oauth2": {"client_id": "x"}`), `accounts[0].oauth2.provider: missing`},
		{"tenant with google", acct("imap.gmail.com", `, "auth": "oauth2", "oauth2": {"provider": "google", "tenant": "x"}`), `accounts[0].oauth2.tenant: tenant, auth_url and token_url are not used with google`},
		{"bad tenant", acct("outlook.office365.com", `, "auth": "oauth2", "oauth2": {"provider": "microsoft", "tenant": "a/b"}`), `accounts[0].oauth2.tenant: tenant "a/b" is not a tenant name or id`},
		{"custom without client", acct("imap.example.com", `, "auth": "oauth2", "oauth2": {"provider": "custom", "auth_url": "https://id.example.com/a", "token_url": "https://id.example.com/t", "scopes": ["imap"]}`), `accounts[0].oauth2.client_id: no OAuth2 client ID: set client_id for this account`},
		{"custom http url", acct("imap.example.com", `, "auth": "oauth2", "oauth2": {"provider": "custom", "client_id": "c", "auth_url": "http://id.example.com/a", "token_url": "https://id.example.com/t", "scopes": ["imap"]}`), `accounts[0].oauth2.auth_url: auth_url must be an https URL`},
		{"custom no scopes", acct("imap.example.com", `, "auth": "oauth2", "oauth2": {"provider": "custom", "client_id": "c", "auth_url": "https://id.example.com/a", "token_url": "https://id.example.com/t"}`), `accounts[0].oauth2.scopes: scopes: list the scopes`},
		{"scope with space", acct("imap.gmail.com", `, "auth": "oauth2", "oauth2": {"provider": "google", "scopes": ["a b"]}`), `accounts[0].oauth2.scopes[0]: "a b" is not a scope`},
		{"two sources", acct("imap.gmail.com", `, "auth": "oauth2", "token_command": "oama access ann", "goa_account": "account_1"`), `accounts[0].auth: give one of "oauth2", "token_command" and "goa_account", not several`},
		{"blank token command", acct("imap.gmail.com", `, "auth": "oauth2", "token_command": "  "`), `accounts[0].token_command: blank command`},
		{"password command with oauth2", acct("imap.gmail.com", `, "auth": "oauth2", "password_command": "pass x"`), `accounts[0].password_command: not used with "auth": "oauth2"`},
		{"token command without oauth2", acct("imap.gmail.com", `, "token_command": "oama access ann"`), `accounts[0].token_command: used with "auth": "oauth2" only`},
		{"oauth2 without auth", acct("imap.gmail.com", `, "oauth2": {"provider": "google"}`), `accounts[0].oauth2: used with "auth": "oauth2" only`},
		{"bad goa id", acct("imap.gmail.com", `, "auth": "oauth2", "goa_account": "a/b"`), `accounts[0].goa_account: "a/b" is not an Online Accounts id`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse("config.json", []byte(tc.content))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want a config error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n%v\nwant it to contain\n%s", err, tc.want)
			}
			if !strings.Contains(err.Error(), "config.json:1:") {
				t.Fatalf("no position in %v", err)
			}
		})
	}

	good := []struct {
		name, content string
		check         func(t *testing.T, a Account)
	}{
		{"password by default", acct("imap.example.com", ``), func(t *testing.T, a Account) {
			if a.EffectiveAuth() != AuthPassword || a.UsesOAuth2Manager() {
				t.Fatalf("auth %q", a.EffectiveAuth())
			}
		}},
		{"gmail by host", acct("imap.gmail.com", `, "auth": "oauth2"`), func(t *testing.T, a Account) {
			if !a.UsesOAuth2Manager() || a.OAuth2Settings().Provider != oauth.KindGoogle {
				t.Fatalf("settings %+v", a.OAuth2Settings())
			}
		}},
		// A build without a client ID is not a config error: the account
		// says so instead (oauth.MissingClientText).
		{"microsoft with tenant", acct("outlook.office365.com", `, "auth": "oauth2", "oauth2": {"provider": "microsoft", "tenant": "consumers"}`), func(t *testing.T, a Account) {
			s := a.OAuth2Settings()
			if s.Provider != oauth.KindMicrosoft || s.Tenant != "consumers" {
				t.Fatalf("settings %+v", s)
			}
		}},
		{"custom", acct("imap.example.com", `, "auth": "oauth2", "oauth2": {"provider": "custom", "client_id": "c", "auth_url": "https://id.example.com/a", "token_url": "http://127.0.0.1:9/t", "scopes": ["imap", "offline"]}`), func(t *testing.T, a Account) {
			if _, err := a.OAuth2Settings().Resolve(); err != nil {
				t.Fatal(err)
			}
		}},
		{"token command", acct("imap.example.com", `, "auth": "oauth2", "token_command": "oama access ann@example.com"`), func(t *testing.T, a Account) {
			if a.UsesOAuth2Manager() || a.TokenCommand == "" {
				t.Fatalf("%+v", a.AuthOptions)
			}
		}},
		{"goa", acct("imap.example.com", `, "auth": "oauth2", "goa_account": "account_1700000000_0"`), func(t *testing.T, a Account) {
			if a.UsesOAuth2Manager() || a.GOAAccount != "account_1700000000_0" {
				t.Fatalf("%+v", a.AuthOptions)
			}
		}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse("config.json", []byte(tc.content))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c.Accounts[0])
			// And it survives a save and a load.
			dir := t.TempDir()
			if err := Save(dir, c); err != nil {
				t.Fatal(err)
			}
			back, err := Load(dir)
			if err != nil {
				t.Fatalf("reloading what was saved: %v", err)
			}
			tc.check(t, back.Accounts[0])
		})
	}
}
