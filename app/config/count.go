package config

import "mailbell/app/l10n"

// What the tray badge counts (preferences "count").
const (
	// CountUnread is the server's unseen count over the watched folders
	// (the default; "" means it too).
	CountUnread = "unread"
	// CountNew is the mail that arrived since the person last opened the
	// tray menu or the recent window, still unread.
	CountNew = "new"
)

// CountsNew reports whether the badge counts new mail rather than unread.
func (p Preferences) CountsNew() bool { return p.Count == CountNew }

func (p Preferences) validateCount() []Problem {
	switch p.Count {
	case "", CountUnread, CountNew:
		return nil
	}
	return []Problem{{Field: "preferences.count", Msg: l10n.T("config.count_unknown", l10n.Args{"Value": quote(p.Count)})}}
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + s + "\""
}
