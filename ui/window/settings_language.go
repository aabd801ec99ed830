package window

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/l10n"
)

// languageRow is the Preferences tab's "Language": the system's, or one
// of the catalogue's languages by its own name (Deutsch, 日本語), so that a
// person can find theirs whatever the window speaks now. It is saved as
// preferences "language" ("" or the tag) with the other preferences; the
// core applies it and passes it to the windows it starts, which is why
// the note says the windows change when they are opened again (the open
// ones keep their words: rebuilding them would drop what is being typed).
func (p *prefsForm) languageRow() fyne.CanvasObject {
	system := l10n.T("language.system")
	options := []string{system}
	p.languageTags = map[string]string{system: ""}
	for _, l := range l10n.Languages() {
		options = append(options, l.Name)
		p.languageTags[l.Name] = l.Tag
	}
	p.language = widget.NewSelect(options, func(string) { p.onChanged() })
	p.language.SetSelected(system)
	note := widget.NewLabel(l10n.T("settings.prefs.language_note"))
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	note.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(l10n.T("settings.prefs.language")), nil, p.language),
		note,
	)
}

// setLanguage selects tag ("" for the system's). A tag the list does not
// have (the pseudo-locale, set in config.json by hand) is added as itself,
// so that saving the other preferences keeps it.
func (p *prefsForm) setLanguage(tag string) {
	for label, t := range p.languageTags {
		if t == tag {
			p.language.SetSelected(label)
			return
		}
	}
	p.languageTags[tag] = tag
	p.language.Options = append(p.language.Options, tag)
	p.language.SetSelected(tag)
}

// languageTag is the selected language as preferences "language" holds it.
func (p *prefsForm) languageTag() string {
	return p.languageTags[p.language.Selected]
}
