package tray

import (
	"mailbell/app/l10n"
	"mailbell/app/view"
)

// MaxOpenMail is how many accounts get an "Open mail" entry.
const MaxOpenMail = 4

// OpenMailItem is one "Open mail" entry.
type OpenMailItem struct {
	Label   string // "Open mail", or "Open mail — Work" with several accounts
	Account string // the account's id
}

// openMailItems lists an "Open mail" entry per enabled account, at most
// MaxOpenMail, in the current language. It opens the account's mail where
// the person reads it (its mail program, webmail or command; the core
// decides: open_mail).
func openMailItems(s view.Snapshot) []OpenMailItem {
	var enabled []view.Account
	for _, a := range s.Accounts {
		if a.Enabled {
			enabled = append(enabled, a)
		}
	}
	var out []OpenMailItem
	for _, a := range enabled {
		if len(out) == MaxOpenMail {
			break
		}
		label := l10n.T("tray.open_mail")
		if len(enabled) > 1 {
			label = truncate(l10n.T("tray.open_mail_account", l10n.Args{"Account": clean(a.Name)}), MaxLabel)
		}
		out = append(out, OpenMailItem{Label: label, Account: a.ID})
	}
	return out
}
