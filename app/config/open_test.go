package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadText(t *testing.T, text string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(dir)
}

func TestOpenAndCountSettings(t *testing.T) {
	for _, tc := range []struct{ open, wantErr string }{
		{open: "client"},
		{open: "https://mail.example.com/"},
		{open: "thunderbird -mail"},
		{open: "my-mail --folder {folder} --uid {uid}"},
		{open: "   ", wantErr: "accounts[0].open: blank"},
		{open: "https://", wantErr: "accounts[0].open: \"https://\" is not a web address"},
		{open: "https://a b/", wantErr: "is not a web address"},
		{open: "x\u0007", wantErr: "control characters"},
	} {
		c, err := loadText(t, `{"accounts":[{"id":"a","host":"imap.example.com","username":"a","open":`+quoteJSON(tc.open)+`}]}`)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("open %q: %v", tc.open, err)
		case tc.wantErr == "" && c.Accounts[0].Open != tc.open:
			t.Errorf("open %q loaded as %q", tc.open, c.Accounts[0].Open)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("open %q: %v, want %q", tc.open, err, tc.wantErr)
		}
	}
	c, err := loadText(t, `{"preferences":{"notifications":true,"idle_refresh_minutes":9,"poll_seconds":60,"count":"new","hide_when_empty":true}}`)
	if err != nil || !c.Preferences.CountsNew() || !c.Preferences.HideWhenEmpty {
		t.Fatalf("count new: %+v, %v", c, err)
	}
	if _, err := loadText(t, `{"preferences":{"idle_refresh_minutes":9,"poll_seconds":60,"count":"all"}}`); err == nil ||
		!strings.Contains(err.Error(), `preferences.count: unknown value "all": want "unread" or "new"`) {
		t.Fatalf("count all: %v", err)
	}
	if New().Preferences.CountsNew() {
		t.Fatal("the default counts new mail")
	}
}

func quoteJSON(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\u0007", `\u0007`)
	return `"` + r.Replace(s) + `"`
}

func TestLanguagePreference(t *testing.T) {
	c, err := loadText(t, `{"preferences":{"notifications":true,"idle_refresh_minutes":9,"poll_seconds":60,"language":"en"}}`)
	if err != nil || c.Preferences.Language != "en" {
		t.Fatalf("language en: %v, %+v", err, c.Preferences)
	}
	_, err = loadText(t, `{"preferences":{"notifications":true,"idle_refresh_minutes":9,"poll_seconds":60,"language":"tlh"}}`)
	var cerr *Error
	if !errors.As(err, &cerr) || !strings.Contains(cerr.Fields("preferences")["language"], `unknown language "tlh"`) {
		t.Fatalf("language tlh: %v; want a field error on preferences.language", err)
	}
}
