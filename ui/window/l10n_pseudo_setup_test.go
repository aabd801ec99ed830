package window

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"

	"mailbell/app/control"
	"mailbell/app/discover"
	"mailbell/app/l10n"
	"mailbell/mail"
)

// Discovery's words (app/discover/words.go) in the pseudo-locale: every
// progress step, every origin and sign-in sentence of a result.
func TestPseudoLocaleDiscoveryWords(t *testing.T) {
	sc := newPseudoScan(t)
	sc.addData("example.test", "mx.example.net", "example.net", "imap.example.test", "Gmail", "Google", "Microsoft", "TLS", "STARTTLS")
	sources := []discover.Source{discover.SourcePreset, discover.SourceAutoconfig, discover.SourceWellKnown, discover.SourceISPDB,
		discover.SourceMX, discover.SourceSRV, discover.SourceGuess, discover.Source(0)}
	for _, src := range sources {
		for _, mx := range []string{"", "mx.example.net"} {
			sc.check("progress", discover.Progress{Source: src, Domain: "example.test", MXHost: mx}.Text())
			for _, auth := range []discover.Auth{discover.AuthPassword, discover.AuthOAuth2, discover.AuthOAuth2OrPassword} {
				for _, p := range []discover.OAuth2Provider{"", discover.OAuth2Google, discover.OAuth2Microsoft} {
					for _, sec := range []mail.Security{mail.SecurityTLS, mail.SecuritySTARTTLS, mail.SecurityPlain} {
						r := discover.Result{Host: "imap.example.test", Port: 993, Security: sec, Source: src, MXHost: mx,
							Domain: "example.net", AddressDomain: "example.test", Provider: "Gmail", Auth: auth, OAuth2Provider: p}
						sc.check("result", r.Describe())
					}
				}
			}
		}
	}
	if len(sc.seen) < 50 {
		t.Fatalf("only %d distinct words: the loop does not vary them", len(sc.seen))
	}
	sc.done()
}

// The first-run window in the pseudo-locale: before anything is typed,
// a bad address, the lookup's progress and result, a provider that wants
// sign-in (not in this build), nothing found, a cancel, a failed lookup,
// Edit manually, a refused connection and a save; without a tray.
func TestPseudoLocaleSetupWindow(t *testing.T) {
	sc := newPseudoScan(t)
	sc.addData("Work", "ann@example.test", "example.test", "imap.example.test", "Google", "TLS", "STARTTLS", "Gmail", "imap.gmail.com", "ann@gmail.com", "gmail.com")
	d := newFakeDiscover(foundAutoconfig, nil)
	h, sb, s := newSetupHarness(t, Deps{NoTray: true}, d)
	sc.window("setup", s.w)

	test.Type(s.email, "ann")
	s.find()
	sc.window("setup, not an address", s.w)

	test.Type(s.email, "@example.test")
	test.Type(s.password, "secret")
	test.Tap(s.findBtn)
	h.loop.until(t, "the progress line", func() bool { return s.state == setupFinding && s.progress.Text != "" })
	s.onConnect() // connect once found
	sc.window("setup, looking up", s.w)
	test.Tap(s.cancelBtn)
	sc.window("setup, cancelled", s.w)

	// A provider that wants sign-in, in a build without it.
	d.result = discover.Result{Host: "imap.gmail.com", Port: 993, Security: mail.SecurityTLS, Username: "ann@gmail.com",
		Auth: discover.AuthOAuth2OrPassword, OAuth2Provider: discover.OAuth2Google, Source: discover.SourcePreset,
		Provider: "Gmail", AddressDomain: "gmail.com", Domain: "gmail.com"}
	close(d.release)
	test.Tap(s.findBtn)
	h.loop.until(t, "the Gmail result", func() bool { return s.state == setupFound })
	sc.window("setup, sign-in offered", s.w)

	for _, err := range []error{&discover.NotFoundError{Domain: "example.test"}, errors.New("dns: server misbehaving")} {
		d.err = err
		sc.addData(err.Error())
		test.Tap(s.findBtn)
		h.loop.until(t, "the lookup to fail", func() bool { return s.state == setupNotFound })
		sc.window("setup, "+err.Error(), s.w)
	}

	test.Tap(s.editBtn)
	test.Type(s.host, "imap.example.test")
	sc.window("setup, manual", s.w)
	// The fake core's answers (setupBackend) are this test's data: the
	// real core's words are its own package's to translate.
	const refused = "Password rejected"
	sc.addData(refused, "Connected — 0 messages in INBOX")
	sb.mu.Lock()
	sb.testReply = func(control.Command) (control.Event, error) { return control.Event{}, errors.New(refused) }
	sb.mu.Unlock()
	test.Tap(s.connectBtn)
	h.loop.until(t, "the refusal", func() bool { return s.state == setupFound && s.status.Text != "" && !s.activity.Visible() })
	sc.window("setup, refused", s.w)
	sb.mu.Lock()
	sb.testReply = nil
	sb.mu.Unlock()
	test.Tap(s.connectBtn)
	sc.window("setup, testing", s.w)
	h.loop.until(t, "the save", func() bool { return s.state == setupDone })
	sc.window("setup, saved", s.w)
	if s.status.Text != l10n.T("setup.saved", l10n.Args{"Result": "Connected — 0 messages in INBOX"}) {
		t.Errorf("saved: %q", s.status.Text)
	}
	sc.saw("setup.title", "setup.not_an_address", "setup.connect_when_found", "setup.cancelled", "setup.app_password",
		"setup.not_found", "setup.testing", "notray.text", "setup.edit_manually")
	sc.done()
}
