package goa

import "testing"

// TestSplitHostPort reads ImapHost in every form Online Accounts stores.
func TestSplitHostPort(t *testing.T) {
	for _, c := range []struct {
		in   string
		host string
		port int
		bad  bool
	}{
		{"imap.gmail.com", "imap.gmail.com", 993, false},
		{"imap.example.test:1143", "imap.example.test", 1143, false},
		{" 127.0.0.1:143 ", "127.0.0.1", 143, false},
		{"[::1]:1993", "::1", 1993, false},
		{"[::1]", "::1", 993, false},
		{"::1", "::1", 993, false},
		{"host:0", "", 0, true},
		{"host:70000", "", 0, true},
		{"host:imap", "", 0, true},
		{":143", "", 0, true},
		{"", "", 0, true},
		{"a:b:c", "", 0, true},
	} {
		host, port, err := splitHostPort(c.in, 993)
		if c.bad {
			if err == nil {
				t.Errorf("splitHostPort(%q) = %q, %d; want an error", c.in, host, port)
			}
			continue
		}
		if err != nil || host != c.host || port != c.port {
			t.Errorf("splitHostPort(%q) = %q, %d, %v; want %q, %d", c.in, host, port, err, c.host, c.port)
		}
	}
}
