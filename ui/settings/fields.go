package settings

import (
	"strings"
	"unicode"

	"mailbell/app/control"
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
	Name        string // FName, FEmail, …
	Label       string // shown to the left of the field
	Placeholder string // shown in the empty entry ("" for none)
}

// AccountFields are the account form's fields, in the order shown. The
// window builds its rows, its error labels and its "touched" marks from
// this one list.
var AccountFields = []Field{
	{FName, "Name", "e.g. Work"},
	{FEmail, "Email", "you@example.com"},
	{FHost, "IMAP server", "imap.example.com"},
	{FSecurity, "Security", ""},
	{FPort, "Port", "993"},
	{FUsername, "Username", "same as the email"},
	{FPassword, "Password", ""},
	{FFolders, "Folders", "INBOX"},
	{FCAFile, "CA file", "optional: a PEM file for a private CA"},
}

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
			add(FGeneral, k+": "+msg)
		}
	}
	return out
}

// Security choices as the form shows them, in order, and their config values.
var securityChoices = []struct{ label, value string }{
	{"TLS", string(mail.SecurityTLS)},
	{"STARTTLS", string(mail.SecuritySTARTTLS)},
	{"None (this computer only)", string(mail.SecurityPlain)},
}

// SecurityLabels are the security choices as the form lists them.
func SecurityLabels() []string {
	out := make([]string, len(securityChoices))
	for i, c := range securityChoices {
		out[i] = c.label
	}
	return out
}

// SecurityValue is the config value of a security label ("tls" when unknown).
func SecurityValue(label string) string {
	for _, c := range securityChoices {
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
	for _, c := range securityChoices {
		if c.value == value {
			return c.label
		}
	}
	return securityChoices[0].label
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
