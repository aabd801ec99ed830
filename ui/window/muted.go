package window

import (
	"time"

	"mailbell/app/l10n"
	"mailbell/app/view"
)

// whenText is a message's time in the recent list ("5 min ago"), marked
// when a notification rule muted it: it is listed like any other, and the
// person can tell why it made no sound.
func whenText(m view.Message, now time.Time) string {
	when := view.Ago(m.Date, now)
	if m.Muted {
		return l10n.T("recent.when_muted", l10n.Args{"When": when})
	}
	return when
}
