package window

import "mailbell/app/view"

// mutedMark is what the recent list adds after a message's time when a
// notification rule muted it: it is listed like any other, and the person
// can tell why it made no sound.
func mutedMark(m view.Message) string {
	if m.Muted {
		return " · muted"
	}
	return ""
}
