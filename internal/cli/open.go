package cli

import (
	"context"
	"log/slog"
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
