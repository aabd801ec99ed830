package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/discover"
	"mailbell/app/state"
)

// MailOpener opens the person's mail outside Mailbell: the desktop's
// default mail program, a webmail address or their own command.
// internal/cli implements it over platform/open (app may not import
// platform). Both methods are called off the core's loop.
type MailOpener interface {
	// HasClient reports whether the desktop has a default mail program
	// (an x-scheme-handler/mailto default that can be started).
	HasClient() bool
	// Open opens target as how says: config.OpenClient, a webmail address
	// or a command line (words, no shell; {uid}, {folder}, {message_id}).
	// It returns once the program started.
	Open(ctx context.Context, how string, target OpenTarget) error
}

// OpenTarget is what to open: one message, or (UID 0) the account's mail.
type OpenTarget struct {
	Account    string
	Folder     string
	UID        uint32
	MessageID  string // the Message-ID header, when known
	GmailMsgID uint64 // Gmail's X-GM-MSGID, 0 when unknown

	// UIDValidity is the folder's when UID was seen (the Gmail id lookup checks it).
	UIDValidity uint32
}

// Where an account's mail opens when its "open" is not set.
const openWindow = "" // Mailbell's own window

// openChoice is the account's "open" setting, or the default: the client
// when the desktop has one, else its provider's webmail, else openWindow.
// hasClient is asked only when the default needs it.
func openChoice(a config.Account, hasClient func() bool) string {
	if a.Open != "" {
		return strings.TrimSpace(a.Open)
	}
	if hasClient != nil && hasClient() {
		return config.OpenClient
	}
	if w := presetWebmail(a.Host); w != "" {
		return w
	}
	return openWindow
}

// presetWebmail is the webmail of the provider whose IMAP host is host.
func presetWebmail(host string) string {
	for _, p := range discover.Presets {
		if strings.EqualFold(strings.TrimSuffix(host, "."), p.Host) {
			return p.Webmail
		}
	}
	return ""
}

// openMail handles open_mail: the message named by cmd.Message (a recent
// one), else the mail of cmd.Account. The program starts off the loop; a
// setting that does not work, or none, opens Mailbell's window at the
// message instead, so a click always shows something.
func (c *Core) openMail(ctx context.Context, m commandMsg) {
	var target OpenTarget
	id := m.cmd.Account
	if m.cmd.Message != "" {
		r, ok := c.recentByKey(m.cmd.Message)
		if !ok {
			m.reply <- result{err: fmt.Errorf("open_mail: no recent message %q", m.cmd.Message)}
			return
		}
		id = r.Account
		target = OpenTarget{Account: r.Account, Folder: r.Folder, UID: r.UID, MessageID: r.MessageID, GmailMsgID: r.GmailMsgID, UIDValidity: r.UIDValidity}
	}
	if id == "" && len(c.cfg.Accounts) == 1 {
		id = c.cfg.Accounts[0].ID
	}
	a, found := c.cfg.Account(id)
	if !found && id == "" {
		m.reply <- result{value: "window", err: c.showWindow(control.Command{View: control.ViewRecent})}
		return
	}
	if !found {
		m.reply <- result{err: fmt.Errorf("open_mail: no account %q", id)}
		return
	}
	target.Account = a.ID
	gmail := c.gmailLookupFor(a, target) // core_open_gmail.go
	c.markLooked()
	window := control.Command{Cmd: control.CmdShowWindow, View: control.ViewRecent, Message: m.cmd.Message}
	opener := c.opts.Opener
	go func() {
		var hasClient func() bool
		if opener != nil {
			hasClient = opener.HasClient
		}
		how := openChoice(a, hasClient)
		how, target = c.gmailTarget(ctx, a, how, target, gmail)
		var err error
		if how != openWindow && opener != nil {
			if err = opener.Open(ctx, how, target); err == nil {
				c.log.Debug("mail opened", "account", a.ID, "how", openKind(how))
				m.reply <- result{value: openKind(how)}
				return
			}
			c.log.Warn("could not open the mail; showing Mailbell's window instead", "account", a.ID, "how", openKind(how), "err", err)
		}
		_, werr := c.Do(ctx, window)
		if werr != nil {
			err = errors.Join(err, werr)
		} else {
			err = nil
		}
		m.reply <- result{value: "window", err: err}
	}()
}

// openKind names how mail was opened, for logs and the reply (never the
// command line or address itself: it may hold a token).
func openKind(how string) string {
	switch {
	case how == openWindow:
		return "window"
	case how == config.OpenClient:
		return "client"
	case config.OpenIsURL(how):
		return "webmail"
	}
	return "command"
}

// recentByKey finds a recent message by its view key.
func (c *Core) recentByKey(key string) (state.Recent, bool) {
	for _, r := range c.store.Recent() {
		if messageOf(r, "").Key() == key {
			return r, true
		}
	}
	return state.Recent{}, false
}
