package cli

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/platform/open"
)

// mailOpener is the core's app.MailOpener over platform/open: the XDG
// default mail program, xdg-open for webmail, the user's command without
// a shell.
type mailOpener struct {
	l *open.Launcher
}

func newMailOpener(log *slog.Logger) mailOpener {
	return mailOpener{l: &open.Launcher{Logger: log}}
}

// HasClient implements app.MailOpener: the desktop names a default
// x-scheme-handler/mailto program that is installed.
func (o mailOpener) HasClient() bool {
	dirs := o.l.Dirs
	if dirs == nil {
		dirs = open.DirsFromEnv
	}
	h, err := dirs().DefaultMailClient()
	return err == nil && h != nil && !h.Entry.Terminal
}

// Open implements app.MailOpener.
func (o mailOpener) Open(ctx context.Context, how string, t app.OpenTarget) error {
	c, err := open.ParseChoice(how)
	if err != nil {
		return err
	}
	if c.Kind == open.KindURL && t.GmailMsgID == 0 {
		if link, ok := gmailSearchLink(c.URL, t.MessageID); ok {
			c.URL = link // the very message, by its Message-ID
		}
	}
	return o.l.Open(ctx, c, open.Message{UID: t.UID, Folder: t.Folder, MessageID: t.MessageID, GmailMsgID: t.GmailMsgID})
}

// openMailCommand is the open_mail of a click on a notification for keys:
// the message itself, or for a summary the mail of its first message's
// account (a view key starts with the account id, which holds no "/").
func openMailCommand(keys []string) control.Command {
	cmd := control.Command{Cmd: control.CmdOpenMail}
	switch {
	case len(keys) == 1:
		cmd.Message = keys[0]
	case len(keys) > 1:
		cmd.Account, _, _ = strings.Cut(keys[0], "/")
	}
	return cmd
}

// gmailSearchLink is the Gmail web link that finds one message by its
// Message-ID (Gmail's documented rfc822msgid: search operator), for a
// webmail setting on mail.google.com when the message's X-GM-MSGID is not
// known (the core's lookup found none in time). The account part (/mail/u/N/) of
// webmail is kept. It reports false for any other address or without a
// Message-ID.
func gmailSearchLink(webmail, messageID string) (string, bool) {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(messageID), "<"), ">")
	u, err := url.Parse(webmail)
	if id == "" || err != nil || !strings.EqualFold(u.Hostname(), "mail.google.com") {
		return "", false
	}
	account := "0"
	if rest, ok := strings.CutPrefix(u.Path, "/mail/u/"); ok {
		if a, _, _ := strings.Cut(rest, "/"); a != "" {
			account = a
		}
	}
	return "https://mail.google.com/mail/u/" + url.PathEscape(account) + "/#search/" + url.QueryEscape("rfc822msgid:"+id), true
}
