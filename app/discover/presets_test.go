package discover

import (
	"strings"
	"testing"

	"mailbell/mail"
)

// The cases of ui/providers, whose table this package now holds.
func TestPresetForDomain(t *testing.T) {
	tests := []struct {
		email, host, name string
		ok                bool
	}{
		{"ann@gmail.com", "imap.gmail.com", "Gmail", true},
		{"ann@googlemail.com", "imap.gmail.com", "Gmail", true},
		{"Ann@GMail.COM", "imap.gmail.com", "Gmail", true},
		{" ann@gmail.com ", "imap.gmail.com", "Gmail", true},
		{"bob@outlook.com", "outlook.office365.com", "Outlook", true},
		{"bob@hotmail.com", "outlook.office365.com", "Outlook", true},
		{"bob@live.com", "outlook.office365.com", "Outlook", true},
		{"c@yahoo.com", "imap.mail.yahoo.com", "Yahoo", true},
		{"d@icloud.com", "imap.mail.me.com", "iCloud", true},
		{"d@me.com", "imap.mail.me.com", "iCloud", true},
		{"e@fastmail.com", "imap.fastmail.com", "Fastmail", true},
		{"f@gmx.de", "imap.gmx.net", "GMX", true},
		{"f@gmx.net", "imap.gmx.net", "GMX", true},
		{"f@gmx.at", "imap.gmx.net", "GMX", true},
		{"f@gmx.com", "imap.gmx.net", "GMX", true},
		{"g@web.de", "imap.web.de", "WEB.DE", true},
		{"h@mailbox.org", "imap.mailbox.org", "mailbox.org", true},
		{"i@posteo.de", "posteo.de", "Posteo", true},
		{"\"a@b\"@gmail.com", "imap.gmail.com", "Gmail", true}, // the last @ decides
		{"j@example.com", "", "", false},
		{"j@gmx.co.uk", "", "", false},
		{"j@notgmail.com", "", "", false},
		{"j@mail.gmail.com", "", "", false},
	}
	for _, tt := range tests {
		a, err := parseAddress(tt.email)
		if err != nil {
			t.Fatalf("parseAddress(%q): %v", tt.email, err)
		}
		p, ok := presetForDomain(a.domain)
		if ok != tt.ok || p.Host != tt.host || p.Name != tt.name {
			t.Errorf("%q: got %q %q %v, want %q %q %v", tt.email, p.Name, p.Host, ok, tt.name, tt.host, tt.ok)
		}
	}
}

func TestPresetTable(t *testing.T) {
	webmail := map[string]bool{}
	for _, p := range Presets {
		if p.Name == "" || !validHostname(p.Host) || p.Port != 993 || p.Security != mail.SecurityTLS || p.Username != "%EMAILADDRESS%" {
			t.Errorf("%s: %+v", p.Name, p)
		}
		if !strings.HasPrefix(p.Webmail, "https://") {
			t.Errorf("%s: webmail %q", p.Name, p.Webmail)
		}
		webmail[p.Name] = true
		switch p.Auth {
		case AuthPassword:
			if p.OAuth2Provider != "" {
				t.Errorf("%s: a password provider with an OAuth2 provider", p.Name)
			}
		case AuthOAuth2, AuthOAuth2OrPassword:
			if p.OAuth2Provider == "" {
				t.Errorf("%s: OAuth2 without a provider", p.Name)
			}
		default:
			t.Errorf("%s: auth %q", p.Name, p.Auth)
		}
	}
	for _, name := range []string{"Gmail", "Outlook", "Yahoo", "iCloud", "Fastmail", "GMX", "WEB.DE", "mailbox.org", "Posteo"} {
		if !webmail[name] {
			t.Errorf("no preset %s", name)
		}
	}
	if p, _ := presetForDomain("outlook.com"); p.Auth != AuthOAuth2 {
		t.Errorf("Outlook must be OAuth2 only, is %q", p.Auth)
	}
	if p, _ := presetForDomain("gmail.com"); p.Auth != AuthOAuth2OrPassword {
		t.Errorf("Gmail must be OAuth2 or app password, is %q", p.Auth)
	}
}

func TestPresetForMX(t *testing.T) {
	for mxDomain, w := range map[string]string{
		"google.com":          "Gmail",
		"outlook.com":         "Outlook",
		"messagingengine.com": "Fastmail",
		"gmx.net":             "GMX",
		"yahoodns.net":        "Yahoo",
		"example.com":         "",
	} {
		p, ok := presetForMX(mxDomain)
		if ok != (w != "") || p.Name != w {
			t.Errorf("MX domain %s: got %q %v, want %q", mxDomain, p.Name, ok, w)
		}
	}
}

func TestProgressText(t *testing.T) {
	for p, w := range map[Progress]string{
		{Source: SourcePreset, Domain: "example.test"}:                             "Checking Mailbell's list of mail providers for example.test…",
		{Source: SourceAutoconfig, Domain: "example.test"}:                         "Looking up example.test's autoconfig…",
		{Source: SourceISPDB, Domain: "mailhost.test", MXHost: "mx.mailhost.test"}: "Looking up mailhost.test in Thunderbird's database (mail host mx.mailhost.test)…",
		{Source: SourceGuess, Domain: "example.test"}:                              "Trying imap.example.test and mail.example.test…",
	} {
		if got := p.Text(); got != w {
			t.Errorf("%+v:\n got %q\nwant %q", p, got, w)
		}
	}
}

func TestDescribeSTARTTLSAndPlain(t *testing.T) {
	r := Result{Host: "mail.example.test", Port: 143, Security: mail.SecuritySTARTTLS, Source: SourceWellKnown, Domain: "example.test", AddressDomain: "example.test"}
	if got, w := r.Describe(), "Found: mail.example.test, port 143, STARTTLS — from example.test's autoconfig"; got != w {
		t.Errorf("got %q\nwant %q", got, w)
	}
	r = Result{Host: "127.0.0.1", Port: 1143, Security: mail.SecurityPlain, Source: SourceAutoconfig, Domain: "mailhost.test", AddressDomain: "example.test", MXHost: "mx.mailhost.test", Auth: AuthOAuth2}
	if got, w := r.Describe(), "Found: 127.0.0.1, port 1143, no encryption — from mailhost.test's autoconfig, the mail host of example.test. Needs OAuth2 sign-in"; got != w {
		t.Errorf("got %q\nwant %q", got, w)
	}
}
