// Package discover finds the IMAP settings of an email address, the way
// Thunderbird's account setup does, so a first run needs only the address.
//
// Lookup tries these sources in order and stops at the first good answer:
//
//  1. the provider presets bundled here (Gmail, Outlook, Yahoo, iCloud,
//     Fastmail, GMX, web.de, mailbox.org, Posteo): no network at all;
//  2. the domain's own autoconfig,
//     https://autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=ADDRESS,
//     then https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml;
//  3. Thunderbird's ISPDB, https://autoconfig.thunderbird.net/v1.1/DOMAIN
//     (Options.ISPDBURL);
//  4. the domain's MX record: the presets, autoconfig and ISPDB of the MX
//     host's registrable domain. This is how a company domain hosted by
//     Google Workspace or Microsoft 365 is recognised; the Result then says
//     it needs OAuth2 sign-in with that provider;
//  5. DNS SRV records _imaps._tcp, then _imap._tcp (RFC 6186);
//  6. a guess, imap.DOMAIN then mail.DOMAIN, port 993 with TLS then 143
//     with STARTTLS, kept only if the server answers (TLS handshake with a
//     verified certificate; for 143 the greeting, STARTTLS offered and the
//     upgraded handshake verified).
//
// Sources 2 to 5 are asked concurrently, but their answers are taken in the
// order above: an earlier source that answers well always wins, and one that
// fails (not found, refused, malformed, too slow) falls through to the next.
//
// The contract:
//   - HTTPS only, certificates verified; a redirect to anything but https is
//     refused. The HTTP client, the DNS resolver and the prober are injected
//     (Options), so tests stay on loopback; nothing reads global state.
//   - Every lookup has its own timeout (Options.StepTimeout) and the whole
//     search is bounded (Options.Timeout, 10 s by default). Cancelling ctx
//     ends the search promptly with ctx's error; Lookup returns only once
//     every goroutine it started has ended.
//   - Autoconfig XML is hostile input: at most Options.MaxXMLSize bytes
//     (ErrTooLarge beyond), no DOCTYPE (so no entities of any kind), bounded
//     nesting, parsed by encoding/xml. Only incomingServer entries of type
//     imap count; SSL beats STARTTLS; a plaintext-only offer is refused unless
//     its host is loopback.
//   - The username template (%EMAILADDRESS%, %EMAILLOCALPART%,
//     %EMAILDOMAIN%) is applied; Result.Username is what to log in with.
//   - Progress (Options.Progress) is called on Lookup's goroutine, in order,
//     before each source is consulted; it must not block. Result.Describe
//     and Progress.Text hold every user-facing sentence (words.go).
//
// The package does not import Fyne: the window calls Lookup off its UI
// goroutine and shows the words.
package discover
