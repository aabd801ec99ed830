package control

import (
	"errors"
	"sort"
	"strings"
)

// CommandError is a command refused or failed, as a client sees it: the
// reply's error text, and the field errors when the command's values were
// not valid. A handler returns one (wrapped or not) to give a reply its
// Fields; Client.Call returns one for every failed reply.
type CommandError struct {
	Msg    string
	Fields FieldErrors
}

func (e *CommandError) Error() string { return e.Msg }

// Invalid is the error of a command whose values are not valid: Msg lists
// the fields and their problems ("host: missing: …; port: …").
func Invalid(fields FieldErrors) *CommandError {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		if k != FieldGeneral {
			b.WriteString(k)
			b.WriteString(": ")
		}
		b.WriteString(fields[k])
	}
	return &CommandError{Msg: b.String(), Fields: fields}
}

// FieldsOf returns the field errors err carries (nil: none).
func FieldsOf(err error) FieldErrors {
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.Fields
	}
	return nil
}
