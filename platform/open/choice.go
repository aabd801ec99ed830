package open

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"mailbell/platform/secrets"
)

// Kind says how an account's mail is opened.
type Kind string

const (
	// KindClient starts the desktop's default mail program.
	KindClient Kind = "client"
	// KindURL opens a webmail address in the browser.
	KindURL Kind = "url"
	// KindCommand runs the user's own command, without a shell.
	KindCommand Kind = "command"
)

// ClientValue is the config value that selects KindClient.
const ClientValue = "client"

// Placeholders a command may use inside any argument but the first. Each is
// replaced inside the argument it appears in, so a value never splits into
// several arguments and never reaches a shell.
const (
	PlaceholderUID       = "{uid}"
	PlaceholderFolder    = "{folder}"
	PlaceholderMessageID = "{message_id}"
)

// Choice is a parsed "open" setting.
type Choice struct {
	Kind Kind
	// URL is the webmail address (KindURL).
	URL string
	// Argv is the command with its placeholders still in place
	// (KindCommand). Argv[0] never holds a placeholder.
	Argv []string
}

var placeholderRE = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// ParseChoice parses an account's "open" value: "client"; an http:// or
// https:// URL (webmail); anything else is a command, split into words like
// password_command (secrets.ParseCommandFor: quotes, no shell, shell
// operators refused). The empty value is an error: which default applies
// when the setting is absent is the caller's decision. Errors wrap
// ErrBadURL or ErrBadCommand.
func ParseChoice(value string) (Choice, error) {
	v := strings.TrimSpace(value)
	switch {
	case v == ClientValue:
		return Choice{Kind: KindClient}, nil
	case hasHTTPScheme(v):
		if err := checkURL(v); err != nil {
			return Choice{}, err
		}
		return Choice{Kind: KindURL, URL: v}, nil
	case v == "":
		return Choice{}, fmt.Errorf("%w: it is empty", ErrBadCommand)
	}
	argv, err := secrets.ParseCommandFor("open", v)
	if err != nil {
		return Choice{}, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	// The program itself must come from the user, never from mail data:
	// a folder called "/tmp/evil" must not pick what runs.
	if placeholderRE.MatchString(argv[0]) {
		return Choice{}, fmt.Errorf("%w: the program name %q cannot contain a placeholder", ErrBadCommand, argv[0])
	}
	for _, a := range argv[1:] {
		for _, p := range placeholderRE.FindAllString(a, -1) {
			switch p {
			case PlaceholderUID, PlaceholderFolder, PlaceholderMessageID:
			default:
				return Choice{}, fmt.Errorf("%w: unknown placeholder %s (known: %s, %s, %s)",
					ErrBadCommand, p, PlaceholderUID, PlaceholderFolder, PlaceholderMessageID)
			}
		}
	}
	return Choice{Kind: KindCommand, Argv: argv}, nil
}

func hasHTTPScheme(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// checkURL accepts absolute http(s) URLs with a host and no whitespace or
// control characters (xdg-open gets it as one argument, but a browser or a
// log line should not see a newline in it).
func checkURL(v string) error {
	if strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return fmt.Errorf("%w: it contains spaces or control characters", ErrBadURL)
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: %q", ErrBadURL, v)
	}
	return nil
}
