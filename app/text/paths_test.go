package text_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mailbell/app/text"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/mail"
)

// A subject reaches the screen by two paths: decoded by the IMAP client
// (go-imap with mail/mimeword's decoder) then cleaned, or cleaned from the
// raw header. Both must read the same, for RFC 2231 language suffixes and
// unusual charsets too. Dovecot hands the header over as it is in the
// message, so the client's decoder does the work (the in-memory test server
// would decode it itself).
func TestSubjectDecodesTheSameByBothPaths(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"=?ISO-8859-1*fr?Q?Caf=E9_cr=E8me?=", "Café crème"},
		{"=?koi8-r*ru?B?8NLJ18XULCDNydI=?=", "Привет, мир"},
		{"=?Shift_JIS?B?k/qWe4zq?= =?windows-1252?Q?=80uro?=", "日本語€uro"},
		{"=?UTF-8*en?Q?hello?= =?x-bogus?Q?raw?=", "hello =?x-bogus?Q?raw?="},
	}
	s := dovecottest.StartT(t, dovecottest.Options{Users: map[string]string{"ann": "pw"}})
	for _, c := range cases {
		msg := dovecottest.Message("Bob <bob@example.com>", "ann@example.com", c.raw, time.Now())
		if err := s.Deliver("ann", "INBOX", msg); err != nil {
			t.Fatal(err)
		}
	}
	acct := mail.Account{Host: s.Host(), Port: s.TLSPort(), Security: mail.SecurityTLS, Username: "ann",
		Password: func(context.Context) (string, error) { return "pw", nil }, CAPEM: s.CAPEM()}

	var (
		once   sync.Once
		recent = make(chan []mail.Message, 1)
	)
	w := mail.NewWatcher(acct, "INBOX", mail.Position{}, mail.Options{DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second},
		func(e mail.Event) {
			if r, ok := e.(mail.RecentEvent); ok {
				once.Do(func() { recent <- r.Messages })
			}
		})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var msgs []mail.Message
	select {
	case msgs = <-recent:
	case <-time.After(10 * time.Second):
		t.Fatal("no recent list from Dovecot within 10 s")
	}
	if len(msgs) != len(cases) {
		t.Fatalf("%d messages listed, want %d", len(msgs), len(cases))
	}
	for i, c := range cases {
		viaIMAP, viaHeader := text.Subject(msgs[i].Subject), text.Subject(c.raw)
		if viaIMAP != c.want || viaHeader != c.want {
			t.Errorf("%q: through the IMAP client %q (decoded there as %q), from the raw header %q; want %q",
				c.raw, viaIMAP, msgs[i].Subject, viaHeader, c.want)
		}
	}
	// Where every word decodes, the client has done it already.
	for i, c := range cases[:3] {
		if msgs[i].Subject != c.want {
			t.Errorf("the IMAP client left %q as %q", c.raw, msgs[i].Subject)
		}
	}
}
