package settings

import (
	"strconv"
	"strings"
	"unicode"

	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/mail"
)

// Names of the account form's fields: keys of Errors. Where config.json
// has the same field they share its name, so the core's field errors land
// on them as they are.
const (
	FName     = "name"
	FEmail    = "email"
	FHost     = "host"
	FSecurity = "security"
	FPort     = "port"
	FUsername = "username"
	FPassword = "password"
	FFolders  = "folders"
	FCAFile   = "ca_file"
	FGeneral  = "" // not one field's fault
)

// Field is one row of the account form.
type Field struct {
	Name string // FName, FEmail, …
}

// Label is shown to the left of the field.
func (f Field) Label() string {
	switch f.Name {
	case FName:
		return l10n.T("settings.field.name")
	case FEmail:
		return l10n.T("settings.field.email")
	case FHost:
		return l10n.T("settings.field.host")
	case FSecurity:
		return l10n.T("settings.field.security")
	case FPort:
		return l10n.T("settings.field.port")
	case FUsername:
		return l10n.T("settings.field.username")
	case FPassword:
		return l10n.T("settings.field.password")
	case FFolders:
		return l10n.T("settings.field.folders")
	case FCAFile:
		return l10n.T("settings.field.ca_file")
	}
	return f.Name
}

// Placeholder is shown in the empty entry ("" for none).
func (f Field) Placeholder() string { return FieldPlaceholder(f.Name) }

// FieldPlaceholder is the placeholder of the field named name ("" for none).
func FieldPlaceholder(name string) string {
	switch name {
	case FName:
		return l10n.T("settings.field.name_placeholder")
	case FEmail:
		return l10n.T("settings.field.email_placeholder")
	case FHost:
		return l10n.T("settings.field.host_placeholder")
	case FPort:
		return strconv.Itoa(mail.SecurityTLS.DefaultPort())
	case FUsername:
		return l10n.T("settings.field.username_placeholder")
	case FFolders:
		return "INBOX" // the protocol's name for it, not a word to translate
	case FCAFile:
		return l10n.T("settings.field.ca_file_placeholder")
	}
	return ""
}

// AccountFields are the account form's fields, in the order shown. The
// window builds its rows, its error labels and its "touched" marks from
// this one list.
var AccountFields = []Field{{FName}, {FEmail}, {FHost}, {FSecurity}, {FPort}, {FUsername}, {FPassword}, {FFolders}, {FCAFile}}

// Errors maps a field name (FHost, …; FGeneral for the rest) to what is
// wrong with it, as the form shows it.
type Errors map[string]string

// coreFields maps the core's field names to the form's where they differ.
var coreFields = map[string]string{control.FieldSecret: FPassword}

// FromCore turns the core's field errors (config.json's names, the
// loader's words) into the form's: the same message with a capital
// letter, under the field that shows it. A field the form does not have
// (id, password_command) goes under FGeneral with its name.
func FromCore(f control.FieldErrors) Errors {
	if len(f) == 0 {
		return nil
	}
	known := map[string]bool{}
	for _, fd := range AccountFields {
		known[fd.Name] = true
	}
	out := Errors{}
	add := func(k, msg string) {
		if old, ok := out[k]; ok {
			msg = old + "\n" + msg
		}
		out[k] = msg
	}
	for k, msg := range f {
		name := k
		if n, ok := coreFields[k]; ok {
			name = n
		}
		switch {
		case name == FGeneral:
			add(FGeneral, UpperFirst(msg))
		case known[name]:
			add(name, UpperFirst(msg))
		default:
			add(FGeneral, l10n.T("settings.field_error", l10n.Args{"Field": k, "Error": msg}))
		}
	}
	return out
}

type securityChoice struct{ label, value string }

// securityChoices are the security choices as the form shows them, in
// order, and their config values. TLS and STARTTLS are protocol names,
// the same in every language.
func securityChoices() []securityChoice {
	return []securityChoice{
		{"TLS", string(mail.SecurityTLS)},
		{"STARTTLS", string(mail.SecuritySTARTTLS)},
		{l10n.T("settings.security.none"), string(mail.SecurityPlain)},
	}
}

// SecurityLabels are the security choices as the form lists them.
func SecurityLabels() []string {
	cs := securityChoices()
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.label
	}
	return out
}

// SecurityValue is the config value of a security label ("tls" when unknown).
func SecurityValue(label string) string {
	for _, c := range securityChoices() {
		if c.label == label {
			return c.value
		}
	}
	return string(mail.SecurityTLS)
}

// SecurityLabel is the label of a config security value.
func SecurityLabel(value string) string {
	if value == "" {
		value = string(mail.SecurityTLS)
	}
	cs := securityChoices()
	for _, c := range cs {
		if c.value == value {
			return c.label
		}
	}
	return cs[0].label
}

// DefaultPort is the port of a security value ("tls" 993, else 143).
func DefaultPort(security string) int {
	if security == "" {
		return mail.SecurityTLS.DefaultPort()
	}
	return mail.Security(security).DefaultPort()
}

// UpperFirst capitalises a message's first letter: the loader writes
// "missing: …" for a line in a log, the form shows "Missing: …".
func UpperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func trim(s string) string { return strings.TrimSpace(s) }
