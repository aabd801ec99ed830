package window

import (
	"strings"
	"testing"

	"mailbell/app/config"
)

func TestValidateForm(t *testing.T) {
	cfg := config.New()
	cfg.Accounts = []config.Account{{ID: "acct1", Name: "Work", Email: "ann@example.com", Host: "imap.example.com"}}
	good := formValues{Name: "Home", Email: "ann@example.org", Host: "imap.example.org", Port: "993", Security: "tls", Password: "pw", Folders: "INBOX", Enabled: true}
	newBase := config.Account{ID: config.NewID(cfg.Accounts)}

	if errs := validateForm(good, newBase, cfg, -1, false); len(errs) != 0 {
		t.Fatalf("a good form has errors: %v", errs)
	}

	tests := []struct {
		name   string
		change func(f *formValues)
		field  string
		want   string // part of the message
	}{
		{"no server", func(f *formValues) { f.Host = " " }, fHost, "Enter the IMAP server"},
		{"url", func(f *formValues) { f.Host = "imaps://imap.example.org" }, fHost, "without imap://"},
		{"host with port", func(f *formValues) { f.Host = "imap.example.org:993" }, fHost, "Port field"},
		{"space in host", func(f *formValues) { f.Host = "imap example.org" }, fHost, "spaces"},
		{"port not a number", func(f *formValues) { f.Port = "99x" }, fPort, "1 to 65535"},
		{"port too big", func(f *formValues) { f.Port = "99999" }, fPort, "1 to 65535"},
		{"port zero", func(f *formValues) { f.Port = "0" }, fPort, "1 to 65535"},
		{"plain to the network", func(f *formValues) { f.Security = "plain" }, fSecurity, "this computer only"},
		{"bad email", func(f *formValues) { f.Email = "ann.example.org" }, fEmail, "Not an email address"},
		{"no email nor username", func(f *formValues) { f.Email = "" }, fEmail, "Enter the email address"},
		{"no password for a new account", func(f *formValues) { f.Password = "" }, fPassword, "Enter the password"},
		{"same login twice", func(f *formValues) { f.Email = "ann@example.com"; f.Host = "IMAP.example.com" }, fEmail, `set up already as "Work"`},
		{"same login twice by username", func(f *formValues) { f.Username = "ann@example.com"; f.Host = "imap.example.com" }, fUsername, `set up already as "Work"`},
		{"folder twice", func(f *formValues) { f.Folders = "INBOX, Lists, Lists" }, fFolders, "listed twice"},
	}
	for _, tt := range tests {
		f := good
		tt.change(&f)
		errs := validateForm(f, newBase, cfg, -1, false)
		if !strings.Contains(errs[tt.field], tt.want) {
			t.Errorf("%s: errors %q; want %q under %q", tt.name, errs, tt.want, tt.field)
		}
	}

	// Plain is fine to this computer; an empty port takes the default.
	f := good
	f.Security, f.Host, f.Port = "plain", "127.0.0.1", ""
	if errs := validateForm(f, newBase, cfg, -1, false); len(errs) != 0 {
		t.Errorf("plain to loopback: %v", errs)
	}
	// Editing the existing account: its own login is no duplicate, and an
	// empty password keeps the stored one.
	f = formValues{Name: "Work", Email: "ann@example.com", Host: "imap.example.com", Security: "tls", Enabled: true}
	if errs := validateForm(f, cfg.Accounts[0], cfg, 0, true); len(errs) != 0 {
		t.Errorf("editing unchanged account: %v", errs)
	}
}

func TestFormValuesAccount(t *testing.T) {
	base := config.Account{ID: "acct3", PasswordCommand: "pass show x"}
	a := formValues{Name: " Work ", Email: "a@b.c", Host: " imap.b.c ", Port: "143", Security: "starttls", Folders: "INBOX, Lists/go ,", Enabled: false}.account(base)
	if a.ID != "acct3" || a.PasswordCommand != "pass show x" {
		t.Errorf("lost what the form does not show: %+v", a)
	}
	if a.Name != "Work" || a.Host != "imap.b.c" || a.Port != 143 || a.Security != "starttls" {
		t.Errorf("fields: %+v", a)
	}
	if len(a.Folders) != 2 || a.Folders[1] != "Lists/go" {
		t.Errorf("folders %q", a.Folders)
	}
	if a.IsEnabled() {
		t.Error("enabled")
	}
	a = formValues{Folders: "inbox", Enabled: true}.account(config.Account{ID: "x"})
	if a.Folders != nil || a.Enabled != nil {
		t.Errorf("defaults not left out: %+v", a)
	}
}
