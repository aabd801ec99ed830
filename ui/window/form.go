package window

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"

	"mailbell/app/config"
	"mailbell/mail"
)

// Form field names: keys of the error map and of config problem fields.
const (
	fName     = "name"
	fEmail    = "email"
	fHost     = "host"
	fPort     = "port"
	fSecurity = "security"
	fUsername = "username"
	fPassword = "password"
	fFolders  = "folders"
	fCAFile   = "ca_file"
	fGeneral  = "" // not one field's fault
)

// Security choices as the form shows them, in order, and their config values.
var securityChoices = []struct{ label, value string }{
	{"TLS", string(mail.SecurityTLS)},
	{"STARTTLS", string(mail.SecuritySTARTTLS)},
	{"None (this computer only)", string(mail.SecurityPlain)},
}

func securityLabels() []string {
	out := make([]string, len(securityChoices))
	for i, c := range securityChoices {
		out[i] = c.label
	}
	return out
}

func securityValue(label string) string {
	for _, c := range securityChoices {
		if c.label == label {
			return c.value
		}
	}
	return string(mail.SecurityTLS)
}

func securityLabel(value string) string {
	if value == "" {
		value = string(mail.SecurityTLS)
	}
	for _, c := range securityChoices {
		if c.value == value {
			return c.label
		}
	}
	return securityChoices[0].label
}

// defaultPort is the port of a security value ("tls" 993, else 143).
func defaultPort(security string) int {
	if security == "" {
		return mail.SecurityTLS.DefaultPort()
	}
	return mail.Security(security).DefaultPort()
}

// formValues are the account form's fields as typed.
type formValues struct {
	Name, Email, Host, Port, Security, Username, Password, Folders, CAFile string
	Enabled                                                                bool
}

// account builds the config account the form describes. base is the
// account being edited (its id and what the form does not show, like
// password_command); a new account has base.ID set to a fresh id.
func (f formValues) account(base config.Account) config.Account {
	a := base
	a.Name = strings.TrimSpace(f.Name)
	a.Email = strings.TrimSpace(f.Email)
	a.Host = strings.TrimSpace(f.Host)
	a.Port = 0
	if p, err := strconv.Atoi(strings.TrimSpace(f.Port)); err == nil {
		a.Port = p
	}
	a.Security = f.Security
	a.Username = strings.TrimSpace(f.Username)
	a.Folders = splitFolders(f.Folders)
	a.CAFile = strings.TrimSpace(f.CAFile)
	enabled := f.Enabled
	a.Enabled = &enabled
	if enabled {
		a.Enabled = nil // the default; keeps config.json short
	}
	return a
}

// splitFolders reads "INBOX, Lists/go" as a list; empty means the default.
func splitFolders(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 1 && strings.EqualFold(out[0], "INBOX") {
		return nil
	}
	return out
}

// validateForm checks the form against the config it will join: cfg is the
// config as loaded, index the position of the edited account in it (-1 for
// a new one), hasSecret whether a password is stored already (or comes from
// password_command). It returns one message per field; fGeneral holds what
// no field explains. Pure: no disk, no network.
func validateForm(f formValues, base config.Account, cfg *config.Config, index int, hasSecret bool) map[string]string {
	errs := map[string]string{}
	set := func(field, msg string) {
		if _, ok := errs[field]; !ok {
			errs[field] = msg
		}
	}

	host := strings.TrimSpace(f.Host)
	switch {
	case host == "":
		set(fHost, "Enter the IMAP server, e.g. imap.example.com")
	case strings.Contains(host, "://") || strings.Contains(host, "/"):
		set(fHost, "Enter just the server's name, without imap:// or a path")
	case strings.IndexFunc(host, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		set(fHost, "The server's name cannot contain spaces")
	case strings.Contains(host, ":") && net.ParseIP(strings.Trim(host, "[]")) == nil:
		set(fHost, "Put the port in the Port field")
	}

	if p := strings.TrimSpace(f.Port); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			set(fPort, "Port must be a number from 1 to 65535")
		}
	}

	if f.Security == string(mail.SecurityPlain) && host != "" && !mail.IsLoopbackHost(host) {
		set(fSecurity, "Without encryption the password would cross the network in the clear: allowed to this computer only (localhost, 127.0.0.1). Choose TLS or STARTTLS.")
	}

	email := strings.TrimSpace(f.Email)
	if email != "" {
		at := strings.LastIndexByte(email, '@')
		if at <= 0 || at == len(email)-1 || strings.IndexFunc(email, unicode.IsSpace) >= 0 {
			set(fEmail, "Not an email address")
		}
	}
	if email == "" && strings.TrimSpace(f.Username) == "" {
		set(fEmail, "Enter the email address (or a username below)")
	}

	if f.Password == "" && !hasSecret {
		set(fPassword, "Enter the password")
	}

	a := f.account(base)
	// The same login on the same server twice would be watched twice.
	for i, other := range cfg.Accounts {
		if i == index {
			continue
		}
		if strings.EqualFold(other.Host, a.Host) && strings.EqualFold(other.EffectiveUsername(), a.EffectiveUsername()) && a.Host != "" {
			field := fUsername
			if a.Username == "" {
				field = fEmail
			}
			set(field, fmt.Sprintf("This account is set up already as %q", other.DisplayName()))
		}
	}

	// The config's own rules: whatever is left that config.json would refuse.
	c := withAccount(cfg, a, index)
	at := index
	if at < 0 {
		at = len(c.Accounts) - 1
	}
	prefix := fmt.Sprintf("accounts[%d].", at)
	if err := c.Validate(); err != nil {
		if ce, ok := err.(*config.Error); ok {
			for _, p := range ce.Problems {
				name, ok := strings.CutPrefix(p.Field, prefix)
				if !ok {
					set(fGeneral, p.Field+": "+p.Msg)
					continue
				}
				if i := strings.IndexByte(name, '['); i >= 0 {
					name = name[:i]
				}
				switch name {
				case fName, fEmail, fHost, fPort, fSecurity, fUsername, fFolders, fCAFile:
					set(name, upperFirst(p.Msg))
				default: // id, password_command: not on the form
					set(fGeneral, name+": "+p.Msg)
				}
			}
		} else {
			set(fGeneral, err.Error())
		}
	}
	return errs
}

// withAccount returns a copy of cfg with a in place of the account at index
// (appended when index < 0). cfg itself is not changed.
func withAccount(cfg *config.Config, a config.Account, index int) *config.Config {
	c := *cfg
	c.Accounts = append([]config.Account(nil), cfg.Accounts...)
	if index >= 0 && index < len(c.Accounts) {
		c.Accounts[index] = a
	} else {
		c.Accounts = append(c.Accounts, a)
	}
	return &c
}

// withoutAccount returns a copy of cfg without the account at index.
func withoutAccount(cfg *config.Config, index int) *config.Config {
	c := *cfg
	c.Accounts = make([]config.Account, 0, len(cfg.Accounts))
	for i, a := range cfg.Accounts {
		if i != index {
			c.Accounts = append(c.Accounts, a)
		}
	}
	return &c
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
