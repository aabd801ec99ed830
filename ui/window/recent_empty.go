package window

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// paragraph lays a wrapping label out at the full width it is given,
// centred vertically. (A label in container.NewCenter gets only its
// minimum width, which for a wrapping label is one letter: the text came
// out one letter per line.)
func paragraph(l *widget.Label) fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), container.NewPadded(l), layout.NewSpacer())
}

// noTrayNote says, where the desktop shows no tray icon, how to get one and
// that Mailbell keeps running with its windows closed; elsewhere it is an
// empty, hidden label.
func noTrayNote(u *UI) fyne.CanvasObject {
	l := widget.NewLabel(noTrayText)
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
	b := widget.NewButtonWithIcon(quitLabel, theme.LogoutIcon(), u.quitMailbell)
	if !u.deps.NoTray {
		b.Hide()
	}
	return b
}
