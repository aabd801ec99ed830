package app

import "mailbell/app/l10n"

// applyLanguage makes the process speak the preference's language ("" =
// the system's, l10n.System, or Options.SystemLanguages in tests). The
// snapshot carries it (view.Snapshot.Language), so the publish that follows
// a change re-renders the tray in it; window processes started afterwards
// get it in their environment (l10n.ChildEnv).
func (c *Core) applyLanguage(pref string) {
	system := c.opts.SystemLanguages
	if system == nil {
		system = l10n.System
	}
	tag := l10n.Resolve(pref, system())
	if tag != l10n.Current() {
		c.log.Info("language", "locale", tag.String())
	}
	l10n.Use(tag)
}
