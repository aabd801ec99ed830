package settings

import (
	"strings"
	"testing"

	"mailbell/app/config"
)

func TestValidate(t *testing.T) {
	cfg := config.New()
	cfg.Accounts = []config.Account{{ID: "acct1", Name: "Work", Email: "ann@example.com", Host: "imap.example.com"}}
	good := Values{Name: "Home", Email: "ann@example.org", Host: "imap.example.org", Port: "993", Security: "tls", Password: "pw", Folders: "INBOX", Enabled: true}
	newBase := config.Account{ID: config.NewID(cfg.Accounts)}

	if errs := Validate(good, newBase, cfg, "", false); len(errs) != 0 {
		t.Fatalf("a good form has errors: %v", errs)
	}

	tests := []struct {
		name   string
		change func(f *Values)
		field  string
		want   string // part of the message
	}{
		{"no server", func(f *Values) { f.Host = " " }, FHost, "Enter the IMAP server"},
		{"url", func(f *Values) { f.Host = "imaps://imap.example.org" }, FHost, "without imap://"},
		{"host with port", func(f *Values) { f.Host = "imap.example.org:993" }, FHost, "Port field"},
		{"space in host", func(f *Values) { f.Host = "imap example.org" }, FHost, "spaces"},
		{"port not a number", func(f *Values) { f.Port = "99x" }, FPort, "1 to 65535"},
		{"port too big", func(f *Values) { f.Port = "99999" }, FPort, "1 to 65535"},
		{"port zero", func(f *Values) { f.Port = "0" }, FPort, "1 to 65535"},
		{"plain to the network", func(f *Values) { f.Security = "plain" }, FSecurity, "this computer only"},
		{"bad email", func(f *Values) { f.Email = "ann.example.org" }, FEmail, "Not an email address"},
		{"no email nor username", func(f *Values) { f.Email = "" }, FEmail, "Enter the email address"},
		{"no password for a new account", func(f *Values) { f.Password = "" }, FPassword, "Enter the password"},
		{"same login twice", func(f *Values) { f.Email = "ann@example.com"; f.Host = "IMAP.example.com" }, FEmail, `set up already as "Work"`},
		{"same login twice by username", func(f *Values) { f.Username = "ann@example.com"; f.Host = "imap.example.com" }, FUsername, `set up already as "Work"`},
		// The loader's own words, capitalised.
		{"folder twice", func(f *Values) { f.Folders = "INBOX, Lists, Lists" }, FFolders, `Folder "Lists" is listed twice`},
		{"blank ca file", func(f *Values) { f.CAFile = "" }, "", ""},
	}
	for _, tt := range tests {
		f := good
		tt.change(&f)
		errs := Validate(f, newBase, cfg, "", false)
		if !strings.Contains(errs[tt.field], tt.want) || (tt.want == "" && len(errs) != 0) {
			t.Errorf("%s: errors %q; want %q under %q", tt.name, errs, tt.want, tt.field)
		}
	}

	// Plain is fine to this computer; an empty port takes the default.
	f := good
	f.Security, f.Host, f.Port = "plain", "127.0.0.1", ""
	if errs := Validate(f, newBase, cfg, "", false); len(errs) != 0 {
		t.Errorf("plain to loopback: %v", errs)
	}
	// Editing the existing account: its own login is no duplicate, and an
	// empty password keeps the stored one.
	f = Values{Name: "Work", Email: "ann@example.com", Host: "imap.example.com", Security: "tls", Enabled: true}
	if errs := Validate(f, cfg.Accounts[0], cfg, "acct1", true); len(errs) != 0 {
		t.Errorf("editing unchanged account: %v", errs)
	}
}

func TestValuesAccount(t *testing.T) {
	base := config.Account{ID: "acct3", PasswordCommand: "pass show x"}
	a := Values{Name: " Work ", Email: "a@b.c", Host: " imap.b.c ", Port: "143", Security: "starttls", Folders: "INBOX, Lists/go ,", Enabled: false}.Account(base)
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
	a = Values{Folders: "inbox", Enabled: true}.Account(config.Account{ID: "x"})
	if a.Folders != nil || a.Enabled != nil {
		t.Errorf("defaults not left out: %+v", a)
	}
}

func TestAccountFieldsOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range AccountFields {
		if f.Name == FGeneral || f.Label() == "" || seen[f.Name] {
			t.Errorf("field %+v: empty or listed twice", f)
		}
		seen[f.Name] = true
	}
	// Every config.json field the form edits is on it under the same name.
	for _, name := range []string{"name", "email", "host", "port", "security", "username", "folders", "ca_file"} {
		if !seen[name] {
			t.Errorf("no form field for config's %q", name)
		}
	}
}
