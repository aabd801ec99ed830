package discover

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailbell/mail"
)

var ann = address{full: "ann.lee@example.test", local: "ann.lee", domain: "example.test"}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("testdata: %v", err)
	}
	return b
}

func TestParseAutoconfigGood(t *testing.T) {
	r, err := parseAutoconfig(readTestdata(t, "full.xml"), ann)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	// The file lists POP3, then IMAP STARTTLS, then IMAP SSL: SSL wins.
	if r.Host != "imap.example.test" || r.Port != 993 || r.Security != mail.SecurityTLS {
		t.Fatalf("%+v", r)
	}
	if r.Username != "ann.lee" || r.Auth != AuthOAuth2OrPassword || r.Webmail != "https://webmail.example.test/" {
		t.Fatalf("username %q auth %q webmail %q", r.Username, r.Auth, r.Webmail)
	}
}

func TestUsernameTemplate(t *testing.T) {
	for tmpl, w := range map[string]string{
		"%EMAILADDRESS%":        "ann.lee@example.test",
		"%EMAILLOCALPART%":      "ann.lee",
		"%EMAILLOCALPART%+imap": "ann.lee+imap",
		"%EMAILDOMAIN%\\ann":    "example.test\\ann",
		"":                      "ann.lee@example.test",
		"fixed":                 "fixed",
		"%REALNAME%":            "%REALNAME%",
	} {
		doc := strings.Replace(config("imap.example.test", 993, "SSL"), "%EMAILADDRESS%", tmpl, 1)
		r, err := parseAutoconfig([]byte(doc), ann)
		if err != nil {
			t.Fatalf("%q: %v", tmpl, err)
		}
		if r.Username != w {
			t.Errorf("template %q: got %q, want %q", tmpl, r.Username, w)
		}
	}
	doc := strings.Replace(config("imap.%EMAILDOMAIN%", 993, "SSL"), "", "", 1)
	if r, err := parseAutoconfig([]byte(doc), ann); err != nil || r.Host != "imap.example.test" {
		t.Fatalf("host template: %+v %v", r, err)
	}
}

func TestParseAutoconfigHostile(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		want       error
	}{
		{"external entity", "xxe.xml", ErrMalformed},
		{"internal entities (billion laughs)", "laughs.xml", ErrMalformed},
		{"undeclared entity", "undeclared-entity.xml", ErrMalformed},
		{"deep nesting", "", ErrMalformed},
		{"not a clientConfig", "wrong-root.xml", ErrMalformed},
		{"truncated", "truncated.xml", ErrMalformed},
		{"POP3 only", "pop3-only.xml", ErrNoIMAP},
		{"wrong types", "wrong-types.xml", ErrNoIMAP},
		{"plaintext only", "plain-only.xml", ErrPlaintext},
		{"empty", "empty.xml", ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.file == "" {
				data = []byte(`<clientConfig>` + strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000) + `</clientConfig>`)
			} else {
				data = readTestdata(t, tt.file)
			}
			r, err := parseAutoconfig(data, ann)
			if !errors.Is(err, tt.want) {
				t.Fatalf("want %v, got %+v, %v", tt.want, r, err)
			}
			if strings.Contains(err.Error(), "root:") || strings.Contains(err.Error(), "lol") {
				t.Fatalf("the error leaks expanded content: %v", err)
			}
		})
	}
}

func TestPlaintextOnLoopbackOnly(t *testing.T) {
	r, err := parseAutoconfig([]byte(config("127.0.0.1", 1143, "plain")), ann)
	if err != nil || r.Security != mail.SecurityPlain || r.Host != "127.0.0.1" {
		t.Fatalf("loopback plain: %+v %v", r, err)
	}
	if _, err := parseAutoconfig([]byte(config("localhost", 1143, "plain")), ann); err != nil {
		t.Fatalf("localhost plain: %v", err)
	}
	if _, err := parseAutoconfig([]byte(config("imap.example.test", 143, "plain")), ann); !errors.Is(err, ErrPlaintext) {
		t.Fatalf("plain elsewhere: want ErrPlaintext, got %v", err)
	}
}

func TestReadLimited(t *testing.T) {
	if _, err := readLimited(strings.NewReader(strings.Repeat("x", 11)), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("11 bytes with a limit of 10: %v", err)
	}
	if b, err := readLimited(strings.NewReader(strings.Repeat("x", 10)), 10); err != nil || len(b) != 10 {
		t.Fatalf("10 bytes with a limit of 10: %d %v", len(b), err)
	}
}

func FuzzParseAutoconfig(f *testing.F) {
	for _, name := range []string{"full.xml", "xxe.xml", "wrong-types.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatalf("testdata: %v", err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseAutoconfig(data, ann)
		if err != nil {
			return
		}
		if !validHostname(r.Host) || r.Port < 1 || r.Port > 65535 {
			t.Fatalf("accepted %+v", r)
		}
		if r.Security == mail.SecurityPlain && !isLoopback(r.Host) {
			t.Fatalf("accepted plaintext to %s", r.Host)
		}
	})
}
