// Package open opens the user's mail where the user reads it: the
// desktop's default mail program, a webmail address, or the user's own
// command. Nothing here goes through a shell: every program gets its
// arguments as an argv, and mail data (folder names, Message-IDs) only
// ever fills whole arguments.
//
// It imports no Fyne and no app code; the core decides which Choice an
// account has (config "open") and calls Launcher.Open off its UI path.
package open

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
)

// Opener opens a URL in the user's browser.
type Opener interface {
	OpenURL(ctx context.Context, url string) error
}

// XDGOpen opens URLs with `xdg-open URL` (looked up in PATH at each call,
// started like any program through Starter).
type XDGOpen struct {
	Starter Starter // nil: Detached{}
}

// OpenURL implements Opener.
func (x XDGOpen) OpenURL(_ context.Context, url string) error {
	if err := checkURL(url); err != nil {
		return err
	}
	if _, err := exec.LookPath("xdg-open"); err != nil {
		return fmt.Errorf("%w: xdg-open is not installed (package xdg-utils)", ErrStart)
	}
	s := x.Starter
	if s == nil {
		s = Detached{}
	}
	return s.Start([]string{"xdg-open", url}, "")
}

// Launcher opens mail. The zero value works: the XDG directories from the
// environment, xdg-open for URLs, Detached for programs.
type Launcher struct {
	// Dirs returns where to look for the default mail program; nil:
	// DirsFromEnv (read at every Open, so a changed default applies).
	Dirs func() Dirs
	// Opener opens webmail; nil: XDGOpen{Starter: Starter}.
	Opener Opener
	// Starter starts the client and commands; nil: Detached that logs a
	// failed exit to Logger.
	Starter Starter
	// Logger; nil: slog.Default().
	Logger *slog.Logger
}

// Open opens m (the zero Message for "the account's mail") as c says:
//   - KindClient: the default handler of x-scheme-handler/mailto, started
//     without the mailto field code (its main window, not a compose
//     window). Terminal programs are refused with ErrClientInTerminal.
//   - KindURL: c.URL through the Opener; for a mail.google.com address and
//     a message with an X-GM-MSGID, the link to that very message.
//   - KindCommand: c.Argv with {uid}, {folder} and {message_id} replaced
//     inside each argument (never split, never through a shell).
//
// Open returns once the program started; how it ends later goes to the
// Starter's OnExit. Errors wrap the package's Err* values.
func (l *Launcher) Open(ctx context.Context, c Choice, m Message) error {
	switch c.Kind {
	case KindClient:
		dirs := l.Dirs
		if dirs == nil {
			dirs = DirsFromEnv
		}
		h, err := dirs().DefaultMailClient()
		if err != nil {
			return err
		}
		if h.Entry.Terminal {
			return fmt.Errorf("%w (%s)", ErrClientInTerminal, h.Entry.ID)
		}
		argv, err := h.Entry.Argv()
		if err != nil {
			return err
		}
		l.logger().Debug("open: starting the default mail program", "desktop_id", h.Entry.ID, "source", string(h.Source))
		return l.starter().Start(argv, h.Entry.WorkDir)
	case KindURL:
		u := c.URL
		if link, ok := GmailMessageURL(c.URL, m.GmailMsgID); ok {
			u = link
		}
		return l.opener().OpenURL(ctx, u)
	case KindCommand:
		if len(c.Argv) == 0 {
			return fmt.Errorf("%w: it is empty", ErrBadCommand)
		}
		return l.starter().Start(expand(c.Argv, m), "")
	default:
		return fmt.Errorf("open: unknown kind %q", c.Kind)
	}
}

func (l *Launcher) logger() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return slog.Default()
}

func (l *Launcher) starter() Starter {
	if l.Starter != nil {
		return l.Starter
	}
	log := l.logger()
	return Detached{OnExit: func(name string, err error) {
		log.Warn("open: the mail program ended with an error", "program", name, "err", err)
	}}
}

func (l *Launcher) opener() Opener {
	if l.Opener != nil {
		return l.Opener
	}
	return XDGOpen{Starter: l.starter()}
}
