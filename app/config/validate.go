package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"

	"mailbell/app/l10n"
	"mailbell/mail"
)

// ErrInvalid is what every config problem matches with errors.Is: a file
// that does not parse, a field that is unknown or has the wrong type, a value
// that is not allowed, a file too large.
var ErrInvalid = errors.New("invalid config")

// Problem is one thing wrong with a config.
type Problem struct {
	Line, Col int    // where in the file, from 1; 0 when not known
	Field     string // e.g. "accounts[1].port"; "" for the file as a whole
	Msg       string // what is wrong
}

// Error lists every problem found in a config. errors.Is(err, ErrInvalid)
// holds for it; errors.As gives the problems one by one (a settings window
// can put each next to its field).
type Error struct {
	File     string // the file, when the config came from one
	Problems []Problem
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return ErrInvalid.Error()
	}
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.File != "" {
			b.WriteString(e.File)
			if p.Line > 0 {
				fmt.Fprintf(&b, ":%d:%d", p.Line, p.Col)
			}
			b.WriteString(": ")
		}
		if p.Field != "" {
			b.WriteString(p.Field)
			b.WriteString(": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Validate checks the config without touching the network or the disk
// (a ca_file is read by MailAccount). The error is an *Error.
func (c *Config) Validate() error {
	if probs := c.validate(); len(probs) > 0 {
		return &Error{Problems: probs}
	}
	return nil
}

func (c *Config) validate() []Problem {
	var probs []Problem
	seen := map[string]int{} // lower-case id → index of the first account with it
	for i, a := range c.Accounts {
		path := fmt.Sprintf("accounts[%d]", i)
		probs = append(probs, validateAccount(a, path, nil)...)
		if a.ID == "" {
			continue
		}
		// Ids name keyring entries and state files: on a case-insensitive file
		// system "Work" and "work" would share them.
		key := strings.ToLower(a.ID)
		if first, dup := seen[key]; dup {
			probs = append(probs, Problem{Field: path + ".id", Msg: l10n.T("config.id_duplicate", l10n.Args{"ID": strconv.Quote(a.ID), "First": first})})
		} else {
			seen[key] = i
		}
	}
	p := c.Preferences
	if p.IdleRefreshMinutes < MinIdleRefreshMinutes || p.IdleRefreshMinutes > MaxIdleRefreshMinutes {
		probs = append(probs, Problem{Field: "preferences.idle_refresh_minutes",
			Msg: l10n.T("config.minutes_out_of_range", l10n.Args{"Value": p.IdleRefreshMinutes, "Min": MinIdleRefreshMinutes, "Max": MaxIdleRefreshMinutes})})
	}
	if p.PollSeconds < MinPollSeconds || p.PollSeconds > MaxPollSeconds {
		probs = append(probs, Problem{Field: "preferences.poll_seconds",
			Msg: l10n.T("config.seconds_out_of_range", l10n.Args{"Value": p.PollSeconds, "Min": MinPollSeconds, "Max": MaxPollSeconds})})
	}
	probs = append(probs, c.validateRules()...)
	probs = append(probs, p.validateCount()...)
	probs = append(probs, p.validateLanguage()...)
	return probs
}

// ValidID reports whether id can name an account: 1 to 64 ASCII letters,
// digits, '.', '_' or '-', starting with a letter or digit (ids become
// keyring user names and parts of file names: no "..", no "/").
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// validateAccount checks one account; path ("accounts[1]") prefixes the
// field names.
func validateAccount(a Account, path string, probs []Problem) []Problem {
	field := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	// add records a problem in the current language's words (l10n): the
	// settings window shows them under the field.
	add := func(name, msg string) {
		probs = append(probs, Problem{Field: field(name), Msg: msg})
	}

	switch {
	case a.ID == "":
		add("id", l10n.T("config.id_missing", l10n.Args{"Example": strconv.Quote("acct1")}))
	case !ValidID(a.ID):
		add("id", l10n.T("config.id_invalid", l10n.Args{"ID": strconv.Quote(a.ID)}))
	}

	host := a.Host
	switch {
	case strings.TrimSpace(host) == "":
		add("host", l10n.T("config.host_missing"))
	case strings.Contains(host, "/"):
		add("host", l10n.T("config.host_url", l10n.Args{"Host": strconv.Quote(host)}))
	case strings.IndexFunc(host, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		add("host", l10n.T("config.host_spaces", l10n.Args{"Host": strconv.Quote(host)}))
	case strings.Contains(host, ":") && net.ParseIP(strings.Trim(host, "[]")) == nil:
		add("host", l10n.T("config.host_port", l10n.Args{"Host": strconv.Quote(host)}))
	}

	if a.Port < 0 || a.Port > 65535 {
		add("port", l10n.T("config.port_out_of_range", l10n.Args{"Port": a.Port}))
	}

	switch sec := mail.Security(a.Security); sec {
	case "", mail.SecurityTLS, mail.SecuritySTARTTLS:
	case mail.SecurityPlain:
		if strings.TrimSpace(host) != "" && !mail.IsLoopbackHost(host) {
			add("security", l10n.T("config.plain_not_local", l10n.Args{"Host": strconv.Quote(host)}))
		}
	default:
		add("security", l10n.T("config.security_unknown", l10n.Args{"Value": strconv.Quote(a.Security)}))
	}

	if a.Email != "" && (!strings.Contains(a.Email, "@") || strings.IndexFunc(a.Email, unicode.IsSpace) >= 0) {
		add("email", l10n.T("config.not_email", l10n.Args{"Value": strconv.Quote(a.Email)}))
	}
	if a.EffectiveUsername() == "" {
		add("username", l10n.T("config.username_missing"))
	}

	seen := map[string]bool{}
	for i, f := range a.Folders {
		name := fmt.Sprintf("folders[%d]", i)
		key := f
		if strings.EqualFold(f, "INBOX") { // the one case-insensitive name in IMAP
			key = "INBOX"
		}
		switch {
		case strings.TrimSpace(f) == "":
			add(name, l10n.T("config.folder_empty"))
		case strings.IndexFunc(f, unicode.IsControl) >= 0:
			add(name, l10n.T("config.folder_control", l10n.Args{"Folder": strconv.Quote(f)}))
		case seen[key]:
			add(name, l10n.T("config.folder_twice", l10n.Args{"Folder": strconv.Quote(f)}))
		}
		seen[key] = true
	}
	if a.CAFile != "" && strings.TrimSpace(a.CAFile) == "" {
		add("ca_file", l10n.T("config.blank_path"))
	}
	if a.PasswordCommand != "" && strings.TrimSpace(a.PasswordCommand) == "" {
		add("password_command", l10n.T("config.blank_command"))
	}
	if msg := openProblem(a.Open); msg != "" {
		add("open", msg)
	}
	probs = validateAuth(a, path, probs)
	return probs
}
