package config

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"mailbell/app/l10n"
)

// OpenClient is the "open" value that starts the desktop's default mail
// program (the x-scheme-handler/mailto default, started, not asked to
// compose).
const OpenClient = "client"

// How an account's "open" value is read: "client"; an http:// or https://
// address (webmail); anything else is a command, split into words like
// password_command (no shell), where {uid}, {folder} and {message_id} are
// replaced inside the argument they appear in. "" (absent) is the default:
// the client if the desktop has one, else the provider's webmail when the
// account's host is a known provider's, else Mailbell's own window.
//
// The loader checks the form only; the command's words are checked where it
// runs (platform/open), which app may not import.

// OpenIsURL reports whether an "open" value is a webmail address.
func OpenIsURL(v string) bool {
	l := strings.ToLower(strings.TrimSpace(v))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// openProblem says what is wrong with an "open" value, "" when nothing is.
func openProblem(v string) string {
	switch {
	case v == "":
		return ""
	case strings.TrimSpace(v) == "":
		return l10n.T("config.open_blank")
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) }) >= 0:
		return l10n.T("config.open_control")
	case OpenIsURL(v):
		u, err := url.Parse(strings.TrimSpace(v))
		if err != nil || u.Host == "" || strings.ContainsAny(strings.TrimSpace(v), " \t") {
			return l10n.T("config.open_not_url", l10n.Args{"Value": strconv.Quote(v)})
		}
	}
	return ""
}
