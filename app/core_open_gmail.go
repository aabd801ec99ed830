package app

import (
	"context"
	"net/url"
	"strings"
	"time"

	"mailbell/app/config"
	"mailbell/mail"
)

// Gmail's web interface opens one message by its X-GM-MSGID (in hex, see
// platform/open.GmailMessageURL). Mailbell does not learn that id when it
// announces mail (go-imap cannot fetch it within the watcher's session), so
// a click on a Gmail message asks for it then, in a short session of its
// own (mail.GmailMsgID), and waits at most gmailLookupTimeout. Without the
// id in time — no X-GM-EXT-1, an error, a slow server — the opener falls
// back to the search by Message-ID; the click opens something either way.

// gmailLookupTimeout bounds a click's wait for the id: room for a TLS
// login at Gmail, short enough that a click never seems lost.
const gmailLookupTimeout = 5 * time.Second

// gmailLookup fetches one message's X-GM-MSGID.
type gmailLookup func(ctx context.Context) (uint64, error)

// gmailLookupFor prepares, on the loop (it reads the config), the lookup of
// t's X-GM-MSGID with the account's own credentials, as markRead does. It
// is nil when there is nothing to look up: no message, an id already
// known, an account whose mail cannot open in Gmail, or one that cannot be
// built (its watcher reports why).
func (c *Core) gmailLookupFor(a config.Account, t OpenTarget) gmailLookup {
	if t.UID == 0 || t.GmailMsgID != 0 || !mayOpenGmail(a) {
		return nil
	}
	acct, err := c.cfg.MailAccount(a, c.passwordFor(a))
	if err == nil {
		acct.Credentials, err = c.credentialsFor(a)
	}
	if err != nil {
		c.log.Debug("no Gmail message id lookup", "account", a.ID, "err", err)
		return nil
	}
	folder, uv, uid, opts := t.Folder, t.UIDValidity, t.UID, c.mailOptions()
	return func(ctx context.Context) (uint64, error) {
		return mail.GmailMsgID(ctx, acct, folder, uv, uid, opts)
	}
}

// mayOpenGmail reports whether a's mail may open in Gmail's web interface:
// its "open" is a Gmail address, or unset on a host whose preset webmail
// is Gmail (the desktop's mail program, if any, wins later).
func mayOpenGmail(a config.Account) bool {
	if a.Open != "" {
		return isGmailWebmail(a.Open)
	}
	return isGmailWebmail(presetWebmail(a.Host))
}

// gmailTarget is what to open when how is Gmail's web interface; for
// anything else how and t are returned as they are. The address gets the
// account's Google address as its account part (…/mail/u/ann@gmail.com/,
// which Gmail resolves among the signed-in accounts) unless it names one
// already; t gets its X-GM-MSGID when lookup finds it in time. It waits at
// most gmailLookupTimeout and runs off the loop.
func (c *Core) gmailTarget(ctx context.Context, a config.Account, how string, t OpenTarget, lookup gmailLookup) (string, OpenTarget) {
	if !isGmailWebmail(how) {
		return how, t
	}
	how = gmailWithAccount(how, gmailAddress(a))
	if lookup == nil {
		return how, t
	}
	lctx, cancel := context.WithTimeout(ctx, gmailLookupTimeout)
	defer cancel()
	type answer struct {
		id  uint64
		err error
	}
	got := make(chan answer, 1) // the lookup may finish after we stop waiting
	go func() {
		id, err := lookup(lctx)
		got <- answer{id, err}
	}()
	select {
	case r := <-got:
		if r.err != nil {
			c.log.Info("no Gmail message id; opening the message by its Message-ID", "account", a.ID, "err", r.err)
			return how, t
		}
		t.GmailMsgID = r.id
	case <-lctx.Done():
		c.log.Info("no Gmail message id in time; opening the message by its Message-ID", "account", a.ID)
	}
	return how, t
}

// isGmailWebmail reports whether how is an address of Gmail's web interface.
func isGmailWebmail(how string) bool {
	if !config.OpenIsURL(how) {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(how))
	return err == nil && strings.EqualFold(u.Hostname(), "mail.google.com")
}

// gmailAddress is the Google address of a: its login name when that is an
// address (Gmail's IMAP login is the Google account), else its email; ""
// when neither is a plain address.
func gmailAddress(a config.Account) string {
	for _, s := range []string{a.EffectiveUsername(), a.Email} {
		s = strings.TrimSpace(s)
		if strings.Count(s, "@") == 1 && !strings.ContainsAny(s, "/?#%\\\"<> \t\r\n") {
			return s
		}
	}
	return ""
}

// gmailWithAccount puts addr in webmail's account part when webmail is
// Gmail's start page ("https://mail.google.com/", ".../mail/"). An address
// that names an account already (".../mail/u/1/") or another page is kept
// as the user set it.
func gmailWithAccount(webmail, addr string) string {
	u, err := url.Parse(strings.TrimSpace(webmail))
	if addr == "" || err != nil {
		return webmail
	}
	switch u.Path {
	case "", "/", "/mail", "/mail/":
		u.Path, u.RawPath = "/mail/u/"+addr+"/", ""
		return u.String()
	}
	return webmail
}
