package memserver

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestMessage(t *testing.T) {
	date := time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("", 2*3600))
	long := strings.Repeat("Überraschung ", 40)
	for _, subject := range []string{"plain ascii", "Grüße 👋 aus Köln", long, "line\r\nBcc: injected"} {
		raw := Message(`"Ann Ö" <ann@example.org>`, "bob@example.org", subject, date)
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%q: %v", subject, err)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		want := strings.Join(strings.Fields(strings.ReplaceAll(subject, "\r\n", " ")), " ")
		if err != nil || strings.Join(strings.Fields(got), " ") != want {
			t.Errorf("subject %q decoded to %q (%v)", subject, got, err)
		}
		if m.Header.Get("Bcc") != "" {
			t.Errorf("%q: header injected", subject)
		}
		from, err := m.Header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Name != "Ann Ö" || from[0].Address != "ann@example.org" {
			t.Errorf("From = %v (%v)", from, err)
		}
		if d, err := m.Header.Date(); err != nil || !d.Equal(date) {
			t.Errorf("Date = %v (%v)", d, err)
		}
		if m.Header.Get("Message-ID") == "" {
			t.Error("no Message-ID")
		}
		if !bytes.HasSuffix(raw, []byte("\r\n")) {
			t.Errorf("%q: message does not end in CRLF", subject)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
			if len(line) > 998 || strings.ContainsAny(line, "\r\n") {
				t.Errorf("%q: bad line %q", subject, line)
			}
		}
	}
}
