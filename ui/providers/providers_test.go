package providers

import "testing"

func TestLookup(t *testing.T) {
	tests := []struct {
		email    string
		host     string
		port     int
		security string
		ok       bool
	}{
		{"ann@gmail.com", "imap.gmail.com", 993, TLS, true},
		{"ann@googlemail.com", "imap.gmail.com", 993, TLS, true},
		{"Ann@GMail.COM", "imap.gmail.com", 993, TLS, true},
		{" ann@gmail.com ", "imap.gmail.com", 993, TLS, true},
		{"bob@outlook.com", "outlook.office365.com", 993, TLS, true},
		{"bob@hotmail.com", "outlook.office365.com", 993, TLS, true},
		{"bob@live.com", "outlook.office365.com", 993, TLS, true},
		{"c@yahoo.com", "imap.mail.yahoo.com", 993, TLS, true},
		{"d@icloud.com", "imap.mail.me.com", 993, TLS, true},
		{"d@me.com", "imap.mail.me.com", 993, TLS, true},
		{"e@fastmail.com", "imap.fastmail.com", 993, TLS, true},
		{"f@gmx.de", "imap.gmx.net", 993, TLS, true},
		{"f@gmx.net", "imap.gmx.net", 993, TLS, true},
		{"f@gmx.at", "imap.gmx.net", 993, TLS, true},
		{"f@gmx.com", "imap.gmx.net", 993, TLS, true},
		{"g@web.de", "imap.web.de", 993, TLS, true},
		{"h@mailbox.org", "imap.mailbox.org", 993, TLS, true},
		{"i@posteo.de", "posteo.de", 993, TLS, true},
		{"\"a@b\"@gmail.com", "imap.gmail.com", 993, TLS, true}, // last @ decides
		{"j@example.com", "", 0, "", false},
		{"j@gmx.", "", 0, "", false},
		{"j@gmx.co.uk", "", 0, "", false},
		{"j@notgmail.com", "", 0, "", false},
		{"j@mail.gmail.com", "", 0, "", false},
		{"gmail.com", "", 0, "", false},
		{"", "", 0, "", false},
		{"j@", "", 0, "", false},
	}
	for _, tt := range tests {
		host, port, sec, ok := Lookup(tt.email)
		if host != tt.host || port != tt.port || sec != tt.security || ok != tt.ok {
			t.Errorf("Lookup(%q) = %q, %d, %q, %v; want %q, %d, %q, %v",
				tt.email, host, port, sec, ok, tt.host, tt.port, tt.security, tt.ok)
		}
	}
}
