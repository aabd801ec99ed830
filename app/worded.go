package app

import "mailbell/app/l10n"

// wordedError is an error in a person's words (the current language) that
// still wraps its cause for errors.Is and errors.As.
type wordedError struct {
	msg string
	err error
}

func (e *wordedError) Error() string { return e.msg }
func (e *wordedError) Unwrap() error { return e.err }

// worded is err with msg as its text; msg usually holds err's own text.
func worded(msg string, err error) error { return &wordedError{msg: msg, err: err} }

// saveFailed is config.Save's error in words: "could not save the
// settings: …".
func saveFailed(err error) error {
	return worded(l10n.T("save.failed", l10n.Args{"Error": err.Error()}), err)
}
