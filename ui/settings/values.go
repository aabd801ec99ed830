package settings

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"

	"mailbell/app/config"
	"mailbell/app/l10n"
	"mailbell/mail"
)

// Values are the account form's fields as typed.
type Values struct {
	Name, Email, Host, Port, Security, Username, Password, Folders, CAFile string
	Enabled                                                                bool
}

// Account builds the config account the form describes. base is the
// account being edited (its id and what the form does not show, like
// password_command); a new account has base.ID set to a fresh id.
func (v Values) Account(base config.Account) config.Account {
	a := base
	a.Name = trim(v.Name)
	a.Email = trim(v.Email)
	a.Host = trim(v.Host)
	a.Port = 0
	if p, err := strconv.Atoi(trim(v.Port)); err == nil {
		a.Port = p
	}
	a.Security = v.Security
	a.Username = trim(v.Username)
	a.Folders = SplitFolders(v.Folders)
	a.CAFile = trim(v.CAFile)
	enabled := v.Enabled
	a.Enabled = &enabled
	if enabled {
		a.Enabled = nil // the default; keeps config.json short
	}
	return a
}

// SplitFolders reads "INBOX, Lists/go" as a list; empty means the default.
func SplitFolders(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = trim(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 1 && strings.EqualFold(out[0], "INBOX") {
		return nil
	}
	return out
}

// Validate checks the form as the person types, so Save is offered only
// for what the core will take: cfg is the config as loaded, originalID the
// id of the edited account in it ("" for a new one), hasSecret whether a
// password is stored already (or comes from password_command). What the
// config loader checks comes back in its words; the form adds what only a
// form can get wrong (a port that is not a number, the same login twice,
// no password yet). Pure: no disk, no network. The core validates again
// on save, with the loader's rules: it has the last word.
func Validate(v Values, base config.Account, cfg *config.Config, originalID string, hasSecret bool) Errors {
	errs := Errors{}
	set := func(field, msg string) {
		if _, ok := errs[field]; !ok {
			errs[field] = msg
		}
	}

	host := trim(v.Host)
	switch {
	case host == "":
		set(FHost, l10n.T("settings.invalid.host_missing"))
	case strings.Contains(host, "://") || strings.Contains(host, "/"):
		set(FHost, l10n.T("settings.invalid.host_url"))
	case strings.IndexFunc(host, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		set(FHost, l10n.T("settings.invalid.host_spaces"))
	case strings.Contains(host, ":") && net.ParseIP(strings.Trim(host, "[]")) == nil:
		set(FHost, l10n.T("settings.invalid.host_port"))
	}

	if p := trim(v.Port); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			set(FPort, l10n.T("settings.invalid.port"))
		}
	}

	if v.Security == string(mail.SecurityPlain) && host != "" && !mail.IsLoopbackHost(host) {
		set(FSecurity, l10n.T("settings.invalid.plain_remote"))
	}

	email := trim(v.Email)
	if email != "" {
		at := strings.LastIndexByte(email, '@')
		if at <= 0 || at == len(email)-1 || strings.IndexFunc(email, unicode.IsSpace) >= 0 {
			set(FEmail, l10n.T("settings.invalid.email"))
		}
	}
	if email == "" && trim(v.Username) == "" {
		set(FEmail, l10n.T("settings.invalid.email_missing"))
	}

	if v.Password == "" && !hasSecret {
		set(FPassword, l10n.T("settings.invalid.password_missing"))
	}

	a := v.Account(base)
	// The same login on the same server twice would be watched twice.
	for _, other := range cfg.Accounts {
		if originalID != "" && other.ID == originalID {
			continue
		}
		if a.Host != "" && strings.EqualFold(other.Host, a.Host) && strings.EqualFold(other.EffectiveUsername(), a.EffectiveUsername()) {
			field := FUsername
			if a.Username == "" {
				field = FEmail
			}
			set(field, l10n.T("settings.invalid.duplicate", l10n.Args{"Name": other.DisplayName()}))
		}
	}

	// The config's own rules: whatever is left that config.json would refuse.
	next, index := cfg.WithAccount(a, originalID)
	var ce *config.Error
	if err := next.Validate(); errors.As(err, &ce) {
		for name, msg := range FromCore(ce.Fields(fmt.Sprintf("accounts[%d]", index))) {
			set(name, msg)
		}
	} else if err != nil {
		set(FGeneral, err.Error())
	}
	return errs
}
