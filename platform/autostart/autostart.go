// Package autostart starts Mailbell at login. On Linux and the BSDs it
// writes an XDG autostart entry, $XDG_CONFIG_HOME/autostart/io.mailbell.Mailbell.desktop;
// on Windows a value in the current user's Run key (run_windows.go); on
// macOS Supported reports false and the rest return ErrUnsupported.
package autostart

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrUnsupported: this OS has no autostart support in Mailbell yet.
var ErrUnsupported = errors.New("starting at login is not supported on this system")

// FileName is the autostart entry's name: the app ID, like the installed
// desktop entry, so the session and GNOME's settings see one application.
const FileName = "io.mailbell.Mailbell.desktop"

// legacyFileName is the name releases before the app ID used; Enable and
// Disable remove it so an upgrade never leaves two entries starting Mailbell
// twice.
const legacyFileName = "mailbell.desktop"

// execReserved are the characters the desktop entry spec says must be
// quoted in an Exec argument.
const execReserved = " \t\n\"'\\><~|&;$*?#()`"

// quoteExecArg quotes one argument for an Exec key, before the key's
// string escaping (see execLine).
func quoteExecArg(arg string) string {
	if arg != "" && !strings.ContainsAny(arg, execReserved) {
		return arg
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range arg {
		if strings.ContainsRune("\"`$\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// execLine builds the value of the Exec key for argv, per the Desktop Entry
// Specification: each argument quoted if it holds a reserved character
// ("…" with \" \` \$ \\ inside), every % doubled (field codes), then the
// string-value escaping that readers undo first (\ becomes \\).
func execLine(argv []string) (string, error) {
	if len(argv) == 0 || argv[0] == "" {
		return "", errors.New("autostart: no program")
	}
	if strings.Contains(argv[0], "=") {
		return "", fmt.Errorf("autostart: program path %q contains \"=\", which desktop entries do not allow", argv[0])
	}
	words := make([]string, len(argv))
	for i, a := range argv {
		if !utf8.ValidString(a) {
			return "", fmt.Errorf("autostart: argument %d is not valid UTF-8", i)
		}
		if strings.ContainsFunc(a, unicode.IsControl) {
			return "", fmt.Errorf("autostart: argument %d contains a control character", i)
		}
		words[i] = strings.ReplaceAll(quoteExecArg(a), "%", "%%")
	}
	return strings.ReplaceAll(strings.Join(words, " "), `\`, `\\`), nil
}

// desktopEntry returns the autostart file's content.
func desktopEntry(argv []string) (string, error) {
	exec, err := execLine(argv)
	if err != nil {
		return "", err
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Mailbell\n" +
		"Comment=New-mail notifier\n" +
		"Exec=" + exec + "\n" +
		"Icon=io.mailbell.Mailbell\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n", nil
}

// entryEnabled reads an autostart file's content the way session managers
// do: Hidden=true or X-GNOME-Autostart-enabled=false turn it off.
func entryEnabled(content string) bool {
	inMain := false
	for _, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			inMain = line == "[Desktop Entry]"
			continue
		}
		if !inMain {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if (k == "Hidden" && v == "true") || (k == "X-GNOME-Autostart-enabled" && v == "false") {
			return false
		}
	}
	return true
}
