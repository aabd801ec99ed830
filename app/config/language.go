package config

import (
	"strings"

	"mailbell/app/l10n"
)

// validateLanguage: preferences "language" is "" (the system's language)
// or one the catalogue speaks ("de", "pt-BR", "en-XA" for the
// pseudo-locale).
func (p Preferences) validateLanguage() []Problem {
	if p.Language == "" || l10n.Known(p.Language) {
		return nil
	}
	var tags []string
	for _, l := range l10n.Languages() {
		tags = append(tags, l.Tag)
	}
	return []Problem{{Field: "preferences.language", Msg: l10n.T("config.language_unknown", l10n.Args{"Value": quote(p.Language), "Tags": strings.Join(tags, ", ")})}}
}
