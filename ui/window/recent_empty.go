package window

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// emptyState is the empty list's words as a paragraph (the label gets the
// full width it is given, centred vertically; in container.NewCenter a
// wrapping label gets only its minimum width, one letter, and the text came
// out one letter per line), and under it the way to the setup window while
// there is no account.
func (r *recentWindow) emptyState() fyne.CanvasObject {
	r.addAcct = widget.NewButtonWithIcon(setupTitle(), theme.ContentAddIcon(), func() { r.u.openSetup() })
	r.addAcct.Importance = widget.HighImportance
	r.addAcct.Hide()
	return container.NewVBox(layout.NewSpacer(), container.NewPadded(r.empty), container.NewCenter(r.addAcct), layout.NewSpacer())
}

// offerSetup shows or hides the empty state's "Add your mail account".
func (r *recentWindow) offerSetup(on bool) {
	if on {
		r.addAcct.Show()
	} else {
		r.addAcct.Hide()
	}
}

// noTrayNote says, where the desktop shows no tray icon, how to get one and
// that Mailbell keeps running with its windows closed; elsewhere it is an
// empty, hidden label.
func noTrayNote(u *UI) fyne.CanvasObject {
	l := widget.NewLabel(noTrayText())
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.WarningImportance
	if !u.deps.NoTray {
		l.Hide()
	}
	return l
}

// noTrayQuit is the Quit button of a desktop without a tray (whose menu
// holds Quit elsewhere); hidden where there is a tray.
func noTrayQuit(u *UI) fyne.CanvasObject {
	b := widget.NewButtonWithIcon(quitLabel(), theme.LogoutIcon(), u.quitMailbell)
	if !u.deps.NoTray {
		b.Hide()
	}
	return b
}
