package open

import "errors"

// The errors Open returns wrap one of these, so the caller can tell the
// user what to fix (errors.Is) and show the wrapped detail. The texts are
// lower-case like every Go error; the UI capitalises them.
var (
	// ErrNoDefaultClient: the desktop names no program for
	// x-scheme-handler/mailto (no mimeapps.list default, no association).
	ErrNoDefaultClient = errors.New("no default mail program is set")
	// ErrClientNotInstalled: a default is named but its desktop file is
	// missing, hidden or its TryExec program is not installed.
	ErrClientNotInstalled = errors.New("the default mail program is not installed")
	// ErrClientInTerminal: the default mail program is a terminal program
	// (Terminal=true, mutt, aerc …); Mailbell does not pick a terminal.
	ErrClientInTerminal = errors.New("the default mail program runs in a terminal, which Mailbell cannot open; choose a command instead")
	// ErrBadDesktopEntry: the desktop file's Exec line cannot be used.
	ErrBadDesktopEntry = errors.New("the default mail program's desktop file is not valid")
	// ErrBadURL: the webmail address is not an http(s) URL.
	ErrBadURL = errors.New("the webmail address is not a valid http or https URL")
	// ErrBadCommand: the open command cannot be parsed or uses an unknown
	// placeholder.
	ErrBadCommand = errors.New("the open command is not valid")
	// ErrStart: the program (mail client, xdg-open, command) could not be
	// started: not found, not executable.
	ErrStart = errors.New("could not start the mail program")
)
